package org.piservice.core.mul;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.function.ObjIntConsumer;
import java.util.stream.IntStream;

/**
 * Exact product of two magnitudes by cyclic convolution of their 128-bit limbs modulo six primes
 * and Chinese remaindering.
 *
 * <p>Why six primes below 2^49 and 128-bit limbs: the transforms run in floating point, on vector
 * lanes ({@link NttPrime}), where residues must be exact integers in doubles. Each convolution
 * coefficient is a sum of at most min(la, lb) products of two limbs, so it is below
 * min(la, lb)·2^256 < 2^28.6·2^256 for the longest supported transform (3·2^MAX_LOG limbs), twice
 * that for a sum of two products, while the product of the six primes exceeds 2^293.99: the
 * coefficients are recovered exactly, with 7 bits to spare. Five primes below 2^62 in 64-bit
 * integers did the same with a sixth less transform work, but no vector lane forms their
 * products: on one core, products of 128 Kibit to 4 Mibit took 0.55-0.81 of their time this way
 * (docs/PERFORMANCE.md, Multiplication).
 *
 * <p>Why six steps: a transform of N = R·C points is done as R-point transforms down the columns
 * of an R×C matrix, a twiddle w_N^(row·column), and C-point transforms along the rows. Blocks of
 * LANES columns, and of LANES rows, are gathered side by side (the layout {@link NttPrime}'s
 * transforms take) and fit in the L1/L2 caches; each pass streams the array from memory once, and
 * twiddle tables only need max(R, C) entries instead of N. The row pass also does the pointwise
 * product and the inverse row transform while the rows are in cache. The result comes out in a
 * permuted order, which is harmless because the inverse undoes exactly the same steps.
 *
 * <p>Why lengths 3·2^k and 5·2^k need no twiddles between their odd and power-of-two parts: r = 3
 * or 5 and 2^k are coprime, so index i ↦ (i mod r, i mod 2^k) turns a cyclic convolution of length
 * r·2^k into a two-dimensional one of r × 2^k (Good-Thomas). Limb i stays at i, so loading and
 * recombining stream through the arrays in order; the r-point transforms take the r-tuples
 * i ≡ j (mod 2^k) in the order of i mod r and leave frequency f of each in part f (f·2^k + j),
 * where 2^k-point transforms follow, with no multiplications by powers of an r·2^k-th root, which
 * would cost more than the r-point transform. (Storing limb i at (i mod 3)·2^k + (i mod 2^k)
 * instead wrote each cache line three times over, a third of it each time.)
 */
final class NttConvolution {

    /**
     * Largest power-of-two part of a transform length, within the tables and the coefficient bound
     * above: products of up to 3·2^28 limbs (10^11 bits, 15 times what 10^9 digits need), whose
     * residue arrays still fit Java's int-indexed arrays.
     */
    static final int MAX_LOG = 2 * NttPrime.MAX_TABLE_LOG;

    /** Rows of 2^12 points, LANES of them side by side: 256 KiB with AVX-512, in the L2 cache. */
    private static final int ROW_LOG = 12;
    /** Rows and columns are gathered LANES at a time, so neither may be fewer. */
    private static final int LANES_LOG = Integer.numberOfTrailingZeros(NttPrime.LANES);
    /**
     * Below this length splitting one transform across cores costs more than it saves; the
     * primes run in parallel instead.
     */
    private static final int PARALLEL_MIN_LOG = 15;

    /** The six largest primes k·2^30 + 1 below 2^49 with 15 | k, and a generator of each. */
    private static final NttPrime[] PRIMES = {
        new NttPrime(562941363486721L, 13),
        new NttPrime(562860832849921L, 23),
        new NttPrime(562828620595201L, 19),
        new NttPrime(562651453194241L, 13),
        new NttPrime(562538710302721L, 7),
        new NttPrime(562361542901761L, 38),
    };
    private static final int K = PRIMES.length;

    /**
     * Garner's constants: INV[j][k] = p_j^-1 mod p_k for j < k, and INV_S[j][k] its Shoup companion
     * modulo p_k.
     */
    private static final long[][] INV = new long[K][K];
    private static final long[][] INV_S = new long[K][K];

    static {
        for (int k = 1; k < K; k++) {
            NttPrime q = PRIMES[k];
            for (int j = 0; j < k; j++) {
                INV[j][k] = q.pow(PRIMES[j].p % q.p, q.p - 2);
                INV_S[j][k] = q.shoupCompanion(INV[j][k]);
            }
        }
    }

    private NttConvolution() {
    }

    /** 128-bit limbs of a magnitude, at least one. */
    static int limbs(LongInteger x) {
        return Math.max(1, (x.length + 1) >>> 1);
    }

    /**
     * Magnitude of a·b as 64-bit words, least significant first, a whole number of limbs long;
     * {@code b == a} squares with one forward transform per prime.
     */
    static long[] multiply(LongInteger a, LongInteger b) {
        return a == b
                ? sumsOfProducts(new LongInteger[] {a}, new int[][] {{0, 0}})[0]
                : sumsOfProducts(new LongInteger[] {a, b}, new int[][] {{0, 1}})[0];
    }

    /**
     * Magnitudes of the sums of products out[o] = Σ in[i]·in[j] over the index pairs (i, j) listed
     * in terms[o] = {i, j, i', j', ...}; no more outputs than inputs. Everything runs at one
     * transform length, so an input that enters several products is transformed once, and each
     * sum is formed on the transforms, leaving one inverse transform and one recombination per
     * output.
     *
     * <p>Outputs a little longer than a transform length L are formed at L, where they wrap around:
     * the padding to the next length (a fifth to a third more) costs more than the few low limbs
     * that undo the wrap (see {@link #unwrap}).
     */
    static long[][] sumsOfProducts(LongInteger[] in, int[][] terms) {
        int[] limbs = new int[terms.length];
        int longest = 0;
        for (int o = 0; o < terms.length; o++) {
            for (int t = 0; t < terms[o].length; t += 2) {
                limbs[o] = Math.max(limbs[o], limbs(in[terms[o][t]]) + limbs(in[terms[o][t + 1]]));
            }
            if (terms[o].length > 2) {
                limbs[o]++; // a sum of a few products may carry into one more limb
            }
            longest = Math.max(longest, limbs[o]);
        }
        int wrap = wrapLength(longest);
        Shape shape = Shape.of(wrap > 0 && fits(in, wrap) ? wrap : longest);
        LongInteger[] low = shape.length < longest ? lowSums(in, terms, longest - shape.length) : null;
        double[][][] residues = convolutions(in, terms, shape);
        long[][] result = new long[terms.length][];
        for (int o = 0; o < terms.length; o++) {
            result[o] = recombine(residues[o], limbs[o], shape);
            residues[o] = null; // collectable before the next output's result is allocated
            if (limbs[o] > shape.length) {
                unwrap(result[o], shape.length, low[o], limbs[o] - shape.length);
            }
        }
        return result;
    }

    /**
     * The transform length below {@code limbs} at which outputs of that many limbs are formed
     * wrapped, or 0 where padding them to the next length costs less. The low sums that undo the
     * wrap cost about the transform length their products take, counted twice for their separate
     * products and their overheads; only outputs within a sixteenth of a length are considered.
     */
    static int wrapLength(int limbs) {
        int wrap = length(limbs - limbs / 16);
        int excess = limbs - wrap;
        return excess > 0 && 2 * length(2 * excess) < length(limbs) - wrap ? wrap : 0;
    }

    private static boolean fits(LongInteger[] in, int length) {
        for (LongInteger x : in) {
            if (limbs(x) > length) {
                return false;
            }
        }
        return true;
    }

    /**
     * The outputs' sums of products modulo 2^(128·excess), from the inputs' low limbs alone. They
     * are small, so {@link FastMultiply} forms them, each product by the method that suits it.
     */
    private static LongInteger[] lowSums(LongInteger[] in, int[][] terms, int excess) {
        LongInteger[] low = new LongInteger[in.length];
        for (int i = 0; i < in.length; i++) {
            low[i] = in[i].abs().low(128L * excess);
        }
        LongInteger[] sums = new LongInteger[terms.length];
        for (int o = 0; o < terms.length; o++) {
            sums[o] = LongInteger.ZERO;
            for (int t = 0; t < terms[o].length; t += 2) {
                sums[o] = sums[o].add(FastMultiply.multiply(low[terms[o][t]], low[terms[o][t + 1]]));
            }
        }
        return sums;
    }

    /**
     * Turns a sum of products wrapped at L limbs into the sum itself, in place. With d_i the sum's
     * coefficients, the wrapped convolution is W = A + H, where A = Σ_(i<L) d_i·2^(128i) and
     * H = Σ_(i≥L) d_i·2^(128(i-L)), while the sum is P = A + 2^(128L)·H. As P has L + s limbs, H is
     * below 2^(128s), and as P ≡ A (mod 2^(128s)) for s ≤ L, H ≡ W - P there: the low limbs of P,
     * which the inputs' low limbs give, determine H, and P = W - H + 2^(128L)·H.
     *
     * @param out W on entry, P on return; as long as P
     * @param low P mod 2^(128s), or any number congruent to it
     */
    private static void unwrap(long[] out, int wrapLimbs, LongInteger low, int s) {
        long bits = 128L * s;
        LongInteger top = LongInteger.of(1, Arrays.copyOf(out, 2 * s)).subtract(low.low(bits));
        if (top.signum() < 0) {
            top = top.add(LongInteger.powerOfTwo(bits));
        }
        long[] h = Arrays.copyOf(top.words, 2 * s);
        // out -= H, then out += 2^(128L)·H, each with its borrow or carry rippling up
        long borrow = 0;
        for (int w = 0; w < h.length || borrow != 0; w++) {
            long x = w < h.length ? h[w] : 0;
            long d = out[w] - x;
            long next = Long.compareUnsigned(out[w], x) < 0 || Long.compareUnsigned(d, borrow) < 0 ? 1 : 0;
            out[w] = d - borrow;
            borrow = next;
        }
        long carry = 0;
        for (int w = 0; w < h.length || carry != 0; w++) {
            int at = 2 * wrapLimbs + w;
            long x = w < h.length ? h[w] : 0;
            long sum = out[at] + x;
            long next = carry(sum, x);
            out[at] = sum + carry;
            carry = next | carry(out[at], carry);
        }
    }

    /**
     * The cyclic convolution of a and b at a transform length of L ≥ minLimbs limbs, carried out:
     * Σ_(i<L) (d_i + d_(i+L))·2^(128i), where d are the coefficients of the full product, as L + 2
     * limbs. Neither operand may be longer than L limbs.
     */
    static long[] wrapped(LongInteger a, LongInteger b, int minLimbs) {
        Shape shape = Shape.of(minLimbs);
        if (limbs(a) > shape.length || limbs(b) > shape.length) {
            throw new IllegalArgumentException("operands longer than the wrap length");
        }
        LongInteger[] in = a == b ? new LongInteger[] {a} : new LongInteger[] {a, b};
        int[][] terms = {{0, in.length - 1}};
        return recombine(convolutions(in, terms, shape)[0], shape.length + 2, shape);
    }

    /** The transform length, in limbs, that a product of at least {@code limbs} limbs uses. */
    static int length(int limbs) {
        return Shape.of(limbs).length;
    }

    /** residues[o][k]: output o's sum of cyclic convolutions modulo prime k. */
    private static double[][][] convolutions(LongInteger[] in, int[][] terms, Shape shape) {
        double[][][] residues = new double[terms.length][PRIMES.length][];
        if (shape.parallel()) {
            // Each transform is split across the cores; arrays not kept as outputs serve the next prime.
            ArrayDeque<double[]> spare = new ArrayDeque<>();
            for (int k = 0; k < PRIMES.length; k++) {
                double[][] out = residues(PRIMES[k], in, terms, shape, spare);
                for (int o = 0; o < terms.length; o++) {
                    residues[o][k] = out[o];
                }
            }
        } else {
            // Too small to split a transform: the primes themselves run in parallel instead.
            IntStream.range(0, PRIMES.length).parallel().forEach(k -> {
                double[][] out = residues(PRIMES[k], in, terms, shape, new ArrayDeque<>());
                for (int o = 0; o < terms.length; o++) {
                    residues[o][k] = out[o];
                }
            });
        }
        return residues;
    }

    /**
     * The outputs' sums of cyclic convolutions modulo q, one array each: the first input arrays,
     * reused. Arrays left over go to spare, and arrays are taken from spare before new ones.
     */
    private static double[][] residues(NttPrime q, LongInteger[] in, int[][] terms, Shape shape,
                                       Deque<double[]> spare) {
        double[][] x = new double[in.length][];
        for (int i = 0; i < in.length; i++) {
            x[i] = spare.isEmpty() ? new double[shape.length] : spare.pop();
            load(q, in[i], limbs(in[i]), x[i], shape);
            if (shape.odd > 1) {
                oddPoint(q, x[i], shape, true);
            }
        }
        for (int part = 0; part < shape.length; part += shape.n) {
            convolve(q, x, terms, part, shape);
        }
        for (int i = terms.length; i < in.length; i++) {
            spare.push(x[i]);
        }
        double[][] out = Arrays.copyOf(x, terms.length);
        if (shape.odd > 1) {
            for (double[] o : out) {
                oddPoint(q, o, shape, false);
            }
        }
        return out;
    }

    /**
     * The transform of a product of {@code limbs} limbs: the shortest of 2^log, 3·2^log and 5·2^log
     * (odd = 3 or 5: that many 2^log-point transforms joined by odd-point ones), which cuts the zero
     * padding from up to 2x to under 4/3 (over sizes spread evenly on a log scale, 1.13x on average,
     * against 1.20x without 5·2^log and 1.44x with powers of two alone). 5·2^log stays below
     * 3·2^MAX_LOG, the longest length the coefficient bound above admits. The 2^log-point transforms
     * are split R×C for six steps, with at least LANES rows and columns, so 2^log is at least
     * LANES².
     */
    private record Shape(int length, int odd, int log, int logRows, int n, int rows, int cols) {

        static Shape of(int limbs) {
            int odd = 1;
            int log = Math.max(2 * LANES_LOG, ceilLog2(limbs));
            for (int radix = 3; radix <= 5; radix += 2) {
                int l = Math.max(2 * LANES_LOG, ceilLog2((limbs + radix - 1) / radix));
                if ((long) radix << l < (long) odd << log && (radix == 3 || l < MAX_LOG)) {
                    odd = radix;
                    log = l;
                }
            }
            if (log > MAX_LOG) {
                throw new ArithmeticException("product of " + limbs + " limbs exceeds 2^" + MAX_LOG);
            }
            int logCols = log <= ROW_LOG + LANES_LOG ? log - LANES_LOG : Math.max(ROW_LOG, (log + 1) / 2);
            int logRows = log - logCols;
            return new Shape(odd << log, odd, log, logRows, 1 << log, 1 << logRows, 1 << logCols);
        }

        private static int ceilLog2(int x) {
            return 32 - Integer.numberOfLeadingZeros(x - 1);
        }

        boolean parallel() {
            return log >= PARALLEL_MIN_LOG;
        }
    }

    /**
     * The odd-point transforms across the odd parts (forward) or their inverses, in parallel chunks
     * of whole vectors.
     */
    private static void oddPoint(NttPrime q, double[] x, Shape s, boolean forward) {
        int vectors = s.n / NttPrime.LANES;
        int chunks = s.parallel() ? 4 * Runtime.getRuntime().availableProcessors() : 1;
        forEach(chunks, 0, s.parallel(), (unused, chunk) -> {
            int from = (int) ((long) chunk * vectors / chunks) * NttPrime.LANES;
            int to = (int) ((long) (chunk + 1) * vectors / chunks) * NttPrime.LANES;
            if (s.odd == 3) {
                q.dft3(x, s.n, from, to, forward);
            } else {
                q.dft5(x, s.n, from, to, forward);
            }
        });
    }

    /**
     * x = the 128-bit limbs of a (64-bit words, least significant first) reduced mod p, in order,
     * zero-padded (all of a reused array is written).
     */
    private static void load(NttPrime q, LongInteger value, int count, double[] x, Shape s) {
        long[] a = value.words;
        int words = value.length;
        int chunks = s.parallel() ? 4 * Runtime.getRuntime().availableProcessors() : 1;
        forEach(chunks, 0, s.parallel(), (unused, chunk) -> {
            int from = (int) ((long) chunk * x.length / chunks);
            int to = (int) ((long) (chunk + 1) * x.length / chunks);
            for (int i = from; i < to; i++) {
                long lo = 2 * i < words ? a[2 * i] : 0;
                long hi = 2 * i + 1 < words ? a[2 * i + 1] : 0;
                x[i] = i < count ? q.reduce(hi, lo) : 0;
            }
        });
    }

    /**
     * On [base, base+n) of every x[i]: x[o] = Σ (x[i] ⊛ x[j]) mod p over the pairs of terms[o],
     * cyclic convolutions of length n, values in [-p, p], once the inverse odd-point transforms of
     * a length odd·n have run. The factor N that the unnormalised inverse transforms leave is
     * removed with the inverse twiddles, which cost one multiplication per value anyway.
     *
     * <p>The row pass takes LANES rows at a time, gathered side by side into its scratch array:
     * a block per input, then one per output, then the block of twiddles.
     */
    private static void convolve(NttPrime q, double[][] x, int[][] terms, int base, Shape s) {
        for (double[] xi : x) {
            columns(q, xi, base, s, true);
        }
        long wN = q.rootOfUnity(s.log);
        long unscale = q.pow(s.length % q.p, q.p - 2);
        int c = s.cols;
        int lanes = NttPrime.LANES;
        int block = c * lanes;
        forEach(s.rows / lanes, (x.length + terms.length + 1) * block, s.parallel(), (scratch, b) -> {
            int r0 = b * lanes;
            int tw = (x.length + terms.length) * block;
            // Column transforms left frequency k1 = bitreverse(r) in row r: that row's twiddles are
            // powers of w_N^k1, and the inverse's of w_N^-k1.
            double[] steps = new double[lanes];
            double[] inverseSteps = new double[lanes];
            for (int lane = 0; lane < lanes; lane++) {
                int k1 = Integer.reverse(r0 + lane) >>> (32 - s.logRows);
                steps[lane] = q.pow(wN, k1);
                inverseSteps[lane] = q.pow(wN, (s.n - k1) & (s.n - 1));
            }
            q.twiddles(scratch, tw, c, steps, 1);
            for (int i = 0; i < x.length; i++) {
                gatherRows(x[i], base + r0 * c, c, scratch, i * block);
                q.multiply(scratch, i * block, scratch, tw, block);
                q.forward(scratch, i * block, c);
            }
            for (int o = 0; o < terms.length; o++) {
                int[] pairs = terms[o];
                int acc = (x.length + o) * block;
                for (int t = 0; t < pairs.length; t += 2) {
                    q.multiplyAdd(scratch, acc, pairs[t] * block, pairs[t + 1] * block, block, t == 0);
                }
            }
            q.twiddles(scratch, tw, c, inverseSteps, unscale);
            for (int o = 0; o < terms.length; o++) {
                int acc = (x.length + o) * block;
                q.inverse(scratch, acc, c);
                q.multiply(scratch, acc, scratch, tw, block);
                scatterRows(scratch, acc, x[o], base + r0 * c, c);
            }
        });
        for (int o = 0; o < terms.length; o++) {
            columns(q, x[o], base, s, false);
        }
    }

    /** LANES rows of c points from x[from], side by side into out[off]: point j of row l to j·LANES + l. */
    private static void gatherRows(double[] x, int from, int c, double[] out, int off) {
        int lanes = NttPrime.LANES;
        for (int lane = 0; lane < lanes; lane++) {
            int row = from + lane * c;
            for (int j = 0; j < c; j++) {
                out[off + j * lanes + lane] = x[row + j];
            }
        }
    }

    /** Undoes {@link #gatherRows}. */
    private static void scatterRows(double[] in, int off, double[] x, int from, int c) {
        int lanes = NttPrime.LANES;
        for (int lane = 0; lane < lanes; lane++) {
            int row = from + lane * c;
            for (int j = 0; j < c; j++) {
                x[row + j] = in[off + j * lanes + lane];
            }
        }
    }

    /**
     * Transforms every column (length R, stride C), LANES adjacent columns at a time: their rows'
     * points, adjacent in x, are already the side-by-side layout, one vector each.
     */
    private static void columns(NttPrime q, double[] x, int base, Shape s, boolean forward) {
        int rows = s.rows;
        int cols = s.cols;
        int lanes = NttPrime.LANES;
        forEach(cols / lanes, lanes * rows, s.parallel(), (scratch, block) -> {
            int c0 = base + block * lanes;
            for (int r = 0; r < rows; r++) {
                System.arraycopy(x, r * cols + c0, scratch, r * lanes, lanes);
            }
            if (forward) {
                q.forward(scratch, 0, rows);
            } else {
                q.inverse(scratch, 0, rows);
            }
            for (int r = 0; r < rows; r++) {
                System.arraycopy(scratch, r * lanes, x, r * cols + c0, lanes);
            }
        });
    }

    /**
     * Chinese remaindering (Garner) of the residue arrays into limbs, with carries. Each residue
     * holds its coefficient c mod p, in [-p, p] (see {@link #convolve}). A coefficient is below
     * 2^294 and a running carry below 2^167, so their sum fits in five words. Chunks of limbs are
     * recombined in parallel, each starting from a zero carry; their carries out are then added
     * into the following chunk in order.
     */
    private static long[] recombine(double[][] residues, int limbs, Shape shape) {
        long[] out = new long[2 * limbs];
        // limbs beyond the n coefficients (a wrapped product) only take the final carry.
        int coefficients = Math.min(limbs, shape.length);
        int chunks = coefficients >= 1 << PARALLEL_MIN_LOG ? 4 * Runtime.getRuntime().availableProcessors() : 1;
        long[][] carries = new long[chunks][];
        forEach(chunks, 0, chunks > 1, (unused, chunk) -> {
            int from = (int) ((long) chunk * coefficients / chunks);
            int to = (int) ((long) (chunk + 1) * coefficients / chunks);
            carries[chunk] = recombine(residues, out, from, to);
        });
        for (int chunk = 1; chunk < chunks; chunk++) {
            int from = (int) ((long) chunk * coefficients / chunks);
            int to = (int) ((long) (chunk + 1) * coefficients / chunks);
            // A carry that ripples through the whole chunk joins the chunk's own carry out.
            long[] through = carries[chunk - 1];
            addInto(out, 2 * from, 2 * to, through);
            addTo(carries[chunk], through);
        }
        if (limbs > coefficients) {
            long[] last = carries[chunks - 1];
            // A carry's words beyond the output are zero: the output is known to fit.
            for (int w = 0; w < last.length && 2 * coefficients + w < out.length; w++) {
                out[2 * coefficients + w] = last[w];
            }
        }
        return out;
    }

    /**
     * Limbs [from, to) of the product from a zero carry; returns the carry out, three words.
     * Garner's mixed-radix digits v_k (v_k < p_k) give the coefficient as
     * v0 + p0·(v1 + p1·(v2 + p2·(v3 + p3·(v4 + p4·v5)))); the primes lie between 2^48.99 and 2^49, so
     * any v_j < p_j < 2·p_k, and adding 2·p_k keeps each difference positive and below 4p < 2^64.
     */
    private static long[] recombine(double[][] residues, long[] out, int from, int to) {
        // Unrolled over the six primes: the hot loop of every product, kept to scalar locals.
        NttPrime q0 = PRIMES[0];
        NttPrime q1 = PRIMES[1];
        NttPrime q2 = PRIMES[2];
        NttPrime q3 = PRIMES[3];
        NttPrime q4 = PRIMES[4];
        NttPrime q5 = PRIMES[5];
        double[] x0 = residues[0];
        double[] x1 = residues[1];
        double[] x2 = residues[2];
        double[] x3 = residues[3];
        double[] x4 = residues[4];
        double[] x5 = residues[5];
        long p0 = q0.p;
        long p1 = q1.p;
        long p2 = q2.p;
        long p3 = q3.p;
        long p4 = q4.p;
        long p5 = q5.p;
        long c0 = 0;
        long c1 = 0;
        long c2 = 0;
        for (int i = from; i < to; i++) {
            long v0 = q0.canonical(x0[i]);
            long v1 = q1.lessThanP(q1.mulShoup(q1.canonical(x1[i]) - v0 + 2 * p1, INV[0][1], INV_S[0][1]));
            long u = q2.mulShoup(q2.canonical(x2[i]) - v0 + 2 * p2, INV[0][2], INV_S[0][2]);
            long v2 = q2.lessThanP(q2.mulShoup(u - v1 + 2 * p2, INV[1][2], INV_S[1][2]));
            u = q3.mulShoup(q3.canonical(x3[i]) - v0 + 2 * p3, INV[0][3], INV_S[0][3]);
            u = q3.mulShoup(u - v1 + 2 * p3, INV[1][3], INV_S[1][3]);
            long v3 = q3.lessThanP(q3.mulShoup(u - v2 + 2 * p3, INV[2][3], INV_S[2][3]));
            u = q4.mulShoup(q4.canonical(x4[i]) - v0 + 2 * p4, INV[0][4], INV_S[0][4]);
            u = q4.mulShoup(u - v1 + 2 * p4, INV[1][4], INV_S[1][4]);
            u = q4.mulShoup(u - v2 + 2 * p4, INV[2][4], INV_S[2][4]);
            long v4 = q4.lessThanP(q4.mulShoup(u - v3 + 2 * p4, INV[3][4], INV_S[3][4]));
            u = q5.mulShoup(q5.canonical(x5[i]) - v0 + 2 * p5, INV[0][5], INV_S[0][5]);
            u = q5.mulShoup(u - v1 + 2 * p5, INV[1][5], INV_S[1][5]);
            u = q5.mulShoup(u - v2 + 2 * p5, INV[2][5], INV_S[2][5]);
            u = q5.mulShoup(u - v3 + 2 * p5, INV[3][5], INV_S[3][5]);
            long v5 = q5.lessThanP(q5.mulShoup(u - v4 + 2 * p5, INV[4][5], INV_S[4][5]));

            // Horner from the top digit, one word longer each step: w = w·p_k + v_k.
            long w0 = v5;
            long w1;
            long w2;
            long w3;
            long w4;
            long lo;
            long hi;
            long carryIn;
            carryIn = v4;
            lo = w0 * p4;
            hi = Math.unsignedMultiplyHigh(w0, p4);
            w0 = lo + carryIn;
            carryIn = hi + carry(w0, lo);
            w1 = carryIn;
            carryIn = v3;
            lo = w0 * p3;
            hi = Math.unsignedMultiplyHigh(w0, p3);
            w0 = lo + carryIn;
            carryIn = hi + carry(w0, lo);
            lo = w1 * p3;
            hi = Math.unsignedMultiplyHigh(w1, p3);
            w1 = lo + carryIn;
            carryIn = hi + carry(w1, lo);
            w2 = carryIn;
            carryIn = v2;
            lo = w0 * p2;
            hi = Math.unsignedMultiplyHigh(w0, p2);
            w0 = lo + carryIn;
            carryIn = hi + carry(w0, lo);
            lo = w1 * p2;
            hi = Math.unsignedMultiplyHigh(w1, p2);
            w1 = lo + carryIn;
            carryIn = hi + carry(w1, lo);
            lo = w2 * p2;
            hi = Math.unsignedMultiplyHigh(w2, p2);
            w2 = lo + carryIn;
            carryIn = hi + carry(w2, lo);
            w3 = carryIn;
            carryIn = v1;
            lo = w0 * p1;
            hi = Math.unsignedMultiplyHigh(w0, p1);
            w0 = lo + carryIn;
            carryIn = hi + carry(w0, lo);
            lo = w1 * p1;
            hi = Math.unsignedMultiplyHigh(w1, p1);
            w1 = lo + carryIn;
            carryIn = hi + carry(w1, lo);
            lo = w2 * p1;
            hi = Math.unsignedMultiplyHigh(w2, p1);
            w2 = lo + carryIn;
            carryIn = hi + carry(w2, lo);
            lo = w3 * p1;
            hi = Math.unsignedMultiplyHigh(w3, p1);
            w3 = lo + carryIn;
            carryIn = hi + carry(w3, lo);
            w4 = carryIn;
            carryIn = v0;
            lo = w0 * p0;
            hi = Math.unsignedMultiplyHigh(w0, p0);
            w0 = lo + carryIn;
            carryIn = hi + carry(w0, lo);
            lo = w1 * p0;
            hi = Math.unsignedMultiplyHigh(w1, p0);
            w1 = lo + carryIn;
            carryIn = hi + carry(w1, lo);
            lo = w2 * p0;
            hi = Math.unsignedMultiplyHigh(w2, p0);
            w2 = lo + carryIn;
            carryIn = hi + carry(w2, lo);
            lo = w3 * p0;
            hi = Math.unsignedMultiplyHigh(w3, p0);
            w3 = lo + carryIn;
            carryIn = hi + carry(w3, lo);
            lo = w4 * p0;
            hi = Math.unsignedMultiplyHigh(w4, p0);
            w4 = lo + carryIn;
            carryIn = hi + carry(w4, lo);

            // w (five words) + carry (three words): the low two words are limb i.
            long s = w0 + c0;
            long c = carry(s, c0);
            out[2 * i] = s;
            s = w1 + c1;
            long cc = carry(s, c1);
            long v = s + c;
            cc += carry(v, c);
            out[2 * i + 1] = v;
            s = w2 + c2;
            c = carry(s, c2);
            v = s + cc;
            c += carry(v, cc);
            c0 = v;
            v = w3 + c;
            c1 = v;
            c2 = w4 + carry(v, c);
        }
        return new long[] {c0, c1, c2};
    }

    /** Adds the little-endian words of c into words [from, to) of out; c keeps what carries past `to`. */
    private static void addInto(long[] out, int from, int to, long[] c) {
        for (int word = from; word < to && (c[0] | c[1] | c[2]) != 0; word++) {
            long s = out[word] + c[0];
            out[word] = s;
            long up = carry(s, c[0]);
            long next = c[1] + up;
            c[0] = next;
            c[1] = c[2] + carry(next, up);
            c[2] = 0; // carries stay far below 2^192: the top word cannot carry out
        }
    }

    /** a += b, three little-endian words each, with no carry out of the top. */
    private static void addTo(long[] a, long[] b) {
        long s = a[0] + b[0];
        long c = carry(s, b[0]);
        a[0] = s;
        s = a[1] + b[1];
        long c2 = carry(s, b[1]);
        long v = s + c;
        c2 += carry(v, c);
        a[1] = v;
        a[2] += b[2] + c2;
    }

    /** 1 when the unsigned sum s = a + b wrapped, else 0. */
    private static long carry(long s, long addend) {
        return Long.compareUnsigned(s, addend) < 0 ? 1 : 0;
    }

    /**
     * Runs body(scratch, i) for i in [0, count), split into contiguous chunks over the common
     * fork-join pool when worthwhile; each chunk gets its own scratch array.
     */
    private static void forEach(int count, int scratchLength, boolean parallel,
                                ObjIntConsumer<double[]> body) {
        int chunks = parallel ? Math.min(count, 4 * Runtime.getRuntime().availableProcessors()) : 1;
        IntStream range = IntStream.range(0, chunks);
        (chunks > 1 ? range.parallel() : range).forEach(chunk -> {
            double[] scratch = new double[scratchLength];
            int end = (int) ((long) (chunk + 1) * count / chunks);
            for (int i = (int) ((long) chunk * count / chunks); i < end; i++) {
                body.accept(scratch, i);
            }
        });
    }
}
