package org.piservice.core.mul;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.function.ObjIntConsumer;
import java.util.stream.IntStream;

/**
 * Exact product of two magnitudes by cyclic convolution of their 64-bit limbs modulo three primes
 * and Chinese remaindering.
 *
 * <p>Why three primes and 64-bit limbs: each convolution coefficient is a sum of at most
 * min(la, lb) products of two limbs, so it is below min(la, lb)·2^128 < 2^29·2^128 = 2^157 for
 * the longest supported transform (3·2^MAX_LOG limbs), while the product of the three primes
 * exceeds 2^185. The coefficients are therefore recovered exactly, with 28 bits to spare; two
 * primes could only carry 32-bit limbs, which costs more transform work per input bit.
 *
 * <p>Why six steps: a transform of N = R·C points is done as R-point transforms down the columns
 * of an R×C matrix, a twiddle w_N^(row·column), and C-point transforms along the rows. Rows and
 * gathered column blocks fit in the L1/L2 caches, each pass streams the array from memory once,
 * and twiddle tables only need max(R, C) entries instead of N. The row pass also does the
 * pointwise product and the inverse row transform while the row is in cache. The result comes out
 * in a permuted order, which is harmless because the inverse undoes exactly the same steps.
 *
 * <p>Why lengths 3·2^k need no twiddles between their radix-3 and power-of-two parts: 3 and 2^k are
 * coprime, so index i ↦ (i mod 3, i mod 2^k) turns a cyclic convolution of length 3·2^k into a
 * two-dimensional one of 3 × 2^k (Good-Thomas). Limb i is stored at slot (i mod 3)·2^k + (i mod 2^k);
 * a 3-point transform across the three parts and 2^k-point transforms within each follow, with no
 * multiplications by powers of a 3·2^k-th root, which would cost more than the 3-point transform.
 */
final class NttConvolution {

    /**
     * Largest power-of-two part of a transform length: 2^28 limbs (2^34 bits) is beyond any product
     * a BigInteger can hold (2^31 bits), and within the tables and the coefficient bound above.
     */
    static final int MAX_LOG = 2 * NttPrime.MAX_TABLE_LOG;

    /** Rows of 2^12 longs are 32 KiB: one L1 data cache. */
    private static final int ROW_LOG = 12;
    /** Eight longs are one 64-byte cache line, so gathering a column block wastes no bandwidth. */
    private static final int COLUMN_BLOCK = 8;
    /**
     * Below this length splitting one transform across cores costs more than it saves; the three
     * primes run in parallel instead.
     */
    private static final int PARALLEL_MIN_LOG = 15;

    private static final NttPrime P0 = new NttPrime(4611685692009873409L, 19);
    private static final NttPrime P1 = new NttPrime(4611685318347718657L, 5);
    private static final NttPrime P2 = new NttPrime(4611685125074190337L, 5);
    private static final NttPrime[] PRIMES = {P0, P1, P2};

    /** Garner's constants: p0^-1 mod p1, p0^-1 mod p2, p1^-1 mod p2, with Shoup companions. */
    private static final long INV01 = P1.pow(P0.p % P1.p, P1.p - 2);
    private static final long INV01_S = P1.shoupCompanion(INV01);
    private static final long INV02 = P2.pow(P0.p % P2.p, P2.p - 2);
    private static final long INV02_S = P2.shoupCompanion(INV02);
    private static final long INV12 = P2.pow(P1.p % P2.p, P2.p - 2);
    private static final long INV12_S = P2.shoupCompanion(INV12);
    private static final long P01_LO = P0.p * P1.p;
    private static final long P01_HI = Math.unsignedMultiplyHigh(P0.p, P1.p);

    private NttConvolution() {
    }

    /**
     * Magnitude of a·b as big-endian bytes, a whole number of limbs long; {@code b == a} squares
     * with one forward transform per prime.
     */
    static byte[] multiply(byte[] a, byte[] b) {
        return a == b
                ? sumsOfProducts(new byte[][] {a}, new int[][] {{0, 0}})[0]
                : sumsOfProducts(new byte[][] {a, b}, new int[][] {{0, 1}})[0];
    }

    /**
     * Magnitudes of the sums of products out[o] = Σ in[i]·in[j] over the index pairs (i, j) listed
     * in terms[o] = {i, j, i', j', ...}; no more outputs than inputs. Everything runs at one
     * transform length, so an input that enters several products is transformed once, and each
     * sum is formed on the transforms, leaving one inverse transform and one recombination per
     * output.
     */
    static byte[][] sumsOfProducts(byte[][] in, int[][] terms) {
        int[] limbs = new int[terms.length];
        int longest = 0;
        for (int o = 0; o < terms.length; o++) {
            for (int t = 0; t < terms[o].length; t += 2) {
                limbs[o] = Math.max(limbs[o], Limbs.count(in[terms[o][t]]) + Limbs.count(in[terms[o][t + 1]]));
            }
            if (terms[o].length > 2) {
                limbs[o]++; // a sum of a few products may carry into one more limb
            }
            longest = Math.max(longest, limbs[o]);
        }
        Shape shape = Shape.of(longest);
        long[][][] residues = convolutions(in, terms, shape);
        byte[][] result = new byte[terms.length][];
        for (int o = 0; o < terms.length; o++) {
            result[o] = recombine(residues[o], limbs[o], shape);
        }
        return result;
    }

    /**
     * The cyclic convolution of a and b at a transform length of L ≥ minLimbs limbs, carried out:
     * Σ_(i<L) (d_i + d_(i+L))·2^(64i), where d are the coefficients of the full product, as L + 2
     * limbs. Neither operand may be longer than L limbs.
     */
    static byte[] wrapped(byte[] a, byte[] b, int minLimbs) {
        Shape shape = Shape.of(minLimbs);
        if (Limbs.count(a) > shape.length || Limbs.count(b) > shape.length) {
            throw new IllegalArgumentException("operands longer than the wrap length");
        }
        byte[][] in = a == b ? new byte[][] {a} : new byte[][] {a, b};
        int[][] terms = {{0, in.length - 1}};
        return recombine(convolutions(in, terms, shape)[0], shape.length + 2, shape);
    }

    /** residues[o][k]: output o's sum of cyclic convolutions modulo prime k. */
    private static long[][][] convolutions(byte[][] in, int[][] terms, Shape shape) {
        long[][][] residues = new long[terms.length][PRIMES.length][];
        if (shape.parallel()) {
            // Each transform is split across the cores; arrays not kept as outputs serve the next prime.
            ArrayDeque<long[]> spare = new ArrayDeque<>();
            for (int k = 0; k < PRIMES.length; k++) {
                long[][] out = residues(PRIMES[k], in, terms, shape, spare);
                for (int o = 0; o < terms.length; o++) {
                    residues[o][k] = out[o];
                }
            }
        } else {
            // Too small to split a transform: the primes themselves run in parallel instead.
            IntStream.range(0, PRIMES.length).parallel().forEach(k -> {
                long[][] out = residues(PRIMES[k], in, terms, shape, new ArrayDeque<>());
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
    private static long[][] residues(NttPrime q, byte[][] in, int[][] terms, Shape shape,
                                     Deque<long[]> spare) {
        long[][] x = new long[in.length][];
        for (int i = 0; i < in.length; i++) {
            x[i] = spare.isEmpty() ? new long[shape.length] : spare.pop();
            load(q, in[i], Limbs.count(in[i]), x[i], shape);
            if (shape.radix3) {
                radix3(q, x[i], shape, true);
            }
        }
        for (int part = 0; part < shape.length; part += shape.n) {
            convolve(q, x, terms, part, shape);
        }
        for (int i = terms.length; i < in.length; i++) {
            spare.push(x[i]);
        }
        long[][] out = Arrays.copyOf(x, terms.length);
        if (shape.radix3) {
            for (long[] o : out) {
                radix3(q, o, shape, false);
            }
        }
        return out;
    }

    /**
     * The transform of a product of {@code limbs} limbs: length 2^log or, when that is smaller,
     * 3·2^log (a radix-3 layer over three 2^log-point transforms), which cuts the zero padding
     * from up to 2x to up to 1.5x. The 2^log-point transforms are split R×C for six steps.
     */
    private record Shape(int length, boolean radix3, int log, int logRows, int n, int rows, int cols) {

        static Shape of(int limbs) {
            int log2 = 32 - Integer.numberOfLeadingZeros(limbs - 1);
            int log3 = 32 - Integer.numberOfLeadingZeros((limbs + 2) / 3 - 1);
            boolean radix3 = 3L << log3 < 1L << log2;
            int log = radix3 ? log3 : log2;
            if (log > MAX_LOG) {
                throw new ArithmeticException("product of " + limbs + " limbs exceeds 2^" + MAX_LOG);
            }
            int logCols = log <= ROW_LOG ? log : Math.max(ROW_LOG, (log + 1) / 2);
            int logRows = log - logCols;
            return new Shape((radix3 ? 3 : 1) << log, radix3, log, logRows, 1 << log,
                    1 << logRows, 1 << logCols);
        }

        boolean parallel() {
            return log >= PARALLEL_MIN_LOG;
        }

        /** Where coefficient i lives: i itself, or its Good-Thomas slot for lengths 3·2^log. */
        int slot(int i) {
            return radix3 ? (i % 3) * n + (i & (n - 1)) : i;
        }
    }

    /** The 3-point transforms across the three parts (forward) or their inverses, in parallel chunks. */
    private static void radix3(NttPrime q, long[] x, Shape s, boolean forward) {
        int chunks = s.parallel() ? 4 * Runtime.getRuntime().availableProcessors() : 1;
        forEach(chunks, 0, s.parallel(), (unused, chunk) -> {
            int from = (int) ((long) chunk * s.n / chunks);
            int to = (int) ((long) (chunk + 1) * s.n / chunks);
            q.dft3(x, s.n, from, to, forward);
        });
    }

    /** x = limbs of a reduced mod p, each in its slot, zero-padded (all of a reused array is written). */
    private static void load(NttPrime q, byte[] a, int count, long[] x, Shape s) {
        int chunks = s.parallel() ? 4 * Runtime.getRuntime().availableProcessors() : 1;
        forEach(chunks, 0, s.parallel(), (unused, chunk) -> {
            int from = (int) ((long) chunk * x.length / chunks);
            int to = (int) ((long) (chunk + 1) * x.length / chunks);
            for (int i = from; i < to; i++) {
                x[s.slot(i)] = i < count ? q.reduceWord(Limbs.get(a, i)) : 0;
            }
        });
    }

    /**
     * On [base, base+n) of every x[i]: x[o] = n·2^-64·Σ (x[i] ⊛ x[j]) mod p over the pairs of
     * terms[o], cyclic convolutions of length n, values in [0, 2p).
     */
    private static void convolve(NttPrime q, long[][] x, int[][] terms, int base, Shape s) {
        if (s.rows > 1) {
            for (long[] xi : x) {
                columns(q, xi, base, s, true);
            }
        }
        long wN = q.rootOfUnity(s.log);
        int c = s.cols;
        forEach(s.rows, (2 + terms.length) * c, s.parallel(), (scratch, r) -> {
            int off = base + r * c;
            boolean twiddle = s.rows > 1;
            if (twiddle) {
                // Column transforms left frequency k1 = bitreverse(r) in row r.
                int k1 = Integer.reverse(r) >>> (32 - s.logRows);
                powers(q, q.pow(wN, k1), scratch, 0, c);
                powers(q, q.pow(wN, (s.n - k1) & (s.n - 1)), scratch, c, c);
            }
            for (long[] xi : x) {
                if (twiddle) {
                    multiply(q, xi, off, scratch, 0, c);
                }
                q.forward(xi, off, c);
            }
            // Every output row is formed before any is stored: the rows it overwrites are inputs.
            for (int o = 0; o < terms.length; o++) {
                int[] pairs = terms[o];
                int acc = (2 + o) * c;
                for (int t = 0; t < pairs.length; t += 2) {
                    long[] u = x[pairs[t]];
                    long[] v = x[pairs[t + 1]];
                    for (int j = 0; j < c; j++) {
                        long m = q.mont(u[off + j], v[off + j]);
                        scratch[acc + j] = t == 0 ? m : q.canonical(scratch[acc + j] + m);
                    }
                }
            }
            for (int o = 0; o < terms.length; o++) {
                System.arraycopy(scratch, (2 + o) * c, x[o], off, c);
                q.inverse(x[o], off, c);
                if (twiddle) {
                    multiply(q, x[o], off, scratch, c, c);
                }
            }
        });
        if (s.rows > 1) {
            for (int o = 0; o < terms.length; o++) {
                columns(q, x[o], base, s, false);
            }
        }
    }

    /** Transforms every column (length R, stride C), gathering blocks of columns into scratch. */
    private static void columns(NttPrime q, long[] x, int base, Shape s, boolean forward) {
        int rows = s.rows;
        int cols = s.cols;
        forEach(cols / COLUMN_BLOCK, COLUMN_BLOCK * rows, s.parallel(), (scratch, block) -> {
            int c0 = base + block * COLUMN_BLOCK;
            for (int r = 0; r < rows; r++) {
                int at = r * cols + c0;
                for (int c = 0; c < COLUMN_BLOCK; c++) {
                    scratch[c * rows + r] = x[at + c];
                }
            }
            for (int c = 0; c < COLUMN_BLOCK; c++) {
                if (forward) {
                    q.forward(scratch, c * rows, rows);
                } else {
                    q.inverse(scratch, c * rows, rows);
                }
            }
            for (int r = 0; r < rows; r++) {
                int at = r * cols + c0;
                for (int c = 0; c < COLUMN_BLOCK; c++) {
                    x[at + c] = scratch[c * rows + r];
                }
            }
        });
    }

    /**
     * out[off + j] = w^j in Montgomery form, for j < n: the factors {@link #multiply} expects.
     * Four interleaved chains (stepping by w^4) keep four multiplications in flight instead of
     * waiting on each one's latency.
     */
    private static void powers(NttPrime q, long w, long[] out, int off, int n) {
        long wS = q.shoupCompanion(w);
        long v0 = q.montOne;
        long v1 = q.mulShoup(v0, w, wS);
        long v2 = q.mulShoup(v1, w, wS);
        long v3 = q.mulShoup(v2, w, wS);
        long w4 = q.pow(w, 4);
        long w4S = q.shoupCompanion(w4);
        int j = 0;
        for (; j + 4 <= n; j += 4) {
            out[off + j] = v0;
            out[off + j + 1] = v1;
            out[off + j + 2] = v2;
            out[off + j + 3] = v3;
            v0 = q.mulShoup(v0, w4, w4S);
            v1 = q.mulShoup(v1, w4, w4S);
            v2 = q.mulShoup(v2, w4, w4S);
            v3 = q.mulShoup(v3, w4, w4S);
        }
        long[] tail = {v0, v1, v2};
        for (int k = 0; j < n; j++, k++) {
            out[off + j] = tail[k];
        }
    }

    /** x[xOff + j] = x[xOff + j]·y[yOff + j]·2^-64 mod p; inputs in [0, 2p), as 4p^2 < p·2^64. */
    private static void multiply(NttPrime q, long[] x, int xOff, long[] y, int yOff, int n) {
        for (int j = 0; j < n; j++) {
            x[xOff + j] = q.mont(x[xOff + j], y[yOff + j]);
        }
    }

    /**
     * Chinese remaindering (Garner) of the three residue arrays into limbs, with carries. Each
     * residue still holds N·2^-64·c mod p; one Shoup multiplication per prime removes that factor.
     * A coefficient is below p0·p1·p2 < 2^186 and a running carry below 2^123, so their sum fits
     * in three words. Chunks of limbs are recombined in parallel, each starting from a zero carry;
     * their carries out are then added into the following chunk in order.
     */
    private static byte[] recombine(long[][] residues, int limbs, Shape shape) {
        int n = shape.length;
        long[] scale = new long[6];
        for (int k = 0; k < 3; k++) {
            NttPrime q = PRIMES[k];
            // (N·2^-64)^-1 = N^-1·2^64 mod p; 2^64 mod p is montOne.
            scale[2 * k] = q.mulMod(q.pow(n % q.p, q.p - 2), q.montOne);
            scale[2 * k + 1] = q.shoupCompanion(scale[2 * k]);
        }
        byte[] out = new byte[8 * limbs];
        // limbs beyond the n coefficients (a wrapped product) only take the final carry.
        int coefficients = Math.min(limbs, n);
        int chunks = coefficients >= 1 << PARALLEL_MIN_LOG ? 4 * Runtime.getRuntime().availableProcessors() : 1;
        long[] carries = new long[2 * chunks];
        forEach(chunks, 0, chunks > 1, (unused, chunk) -> {
            int from = (int) ((long) chunk * coefficients / chunks);
            int to = (int) ((long) (chunk + 1) * coefficients / chunks);
            recombine(residues, shape, scale, out, from, to, carries, 2 * chunk);
        });
        for (int chunk = 1; chunk < chunks; chunk++) {
            int from = (int) ((long) chunk * coefficients / chunks);
            int to = (int) ((long) (chunk + 1) * coefficients / chunks);
            long carryLo = carries[2 * chunk - 2];
            long carryHi = carries[2 * chunk - 1];
            for (int i = from; i < to && (carryLo | carryHi) != 0; i++) {
                long s = Limbs.get(out, i) + carryLo;
                Limbs.set(out, i, s);
                carryLo = carryHi + carry(s, carryLo);
                carryHi = 0; // carries stay below 2^123: adding one bit to the high word cannot wrap
            }
            // A carry that rippled through the whole chunk joins the chunk's own carry out.
            long s = carries[2 * chunk] + carryLo;
            carries[2 * chunk + 1] += carryHi + carry(s, carryLo);
            carries[2 * chunk] = s;
        }
        if (limbs > coefficients) {
            Limbs.set(out, coefficients, carries[2 * chunks - 2]);
            Limbs.set(out, coefficients + 1, carries[2 * chunks - 1]);
        }
        return out;
    }

    /** Limbs [from, to) of the product from a zero carry; the carry out goes to carries[at, at+2). */
    private static void recombine(long[][] residues, Shape shape, long[] scale, byte[] out, int from, int to,
                                  long[] carries, int at) {
        long[] x0 = residues[0];
        long[] x1 = residues[1];
        long[] x2 = residues[2];
        long p0 = P0.p;
        long p1 = P1.p;
        long p2 = P2.p;
        long carryLo = 0;
        long carryHi = 0;
        for (int i = from; i < to; i++) {
            int slot = shape.slot(i);
            long r0 = P0.canonical(P0.mulShoup(x0[slot], scale[0], scale[1]));
            long r1 = P1.canonical(P1.mulShoup(x1[slot], scale[2], scale[3]));
            long r2 = P2.canonical(P2.mulShoup(x2[slot], scale[4], scale[5]));
            // The primes lie within 2^40 of each other, so r0 < p0 < 2·p1 and 2·p2: adding twice
            // the modulus keeps each difference positive, and below 4p < 2^64.
            long v1 = P1.canonical(P1.mulShoup(r1 - r0 + 2 * p1, INV01, INV01_S));
            long u = P2.mulShoup(r2 - r0 + 2 * p2, INV02, INV02_S);
            long v2 = P2.canonical(P2.mulShoup(u - v1 + 2 * p2, INV12, INV12_S));

            // value = r0 + v1·p0 + v2·(p0·p1), as three words w0, w1, w2
            long w0 = v2 * P01_LO;
            long t = Math.unsignedMultiplyHigh(v2, P01_LO);
            long w1 = t + v2 * P01_HI;
            long w2 = Math.unsignedMultiplyHigh(v2, P01_HI) + carry(w1, t);

            long m = v1 * p0;
            long s = w0 + m;
            long c = carry(s, m);
            w0 = s;
            long mHi = Math.unsignedMultiplyHigh(v1, p0) + c; // < 2^62: no wrap
            s = w1 + mHi;
            w2 += carry(s, mHi);
            w1 = s;

            s = w0 + r0;
            c = carry(s, r0);
            w0 = s;
            s = w1 + c;
            w2 += carry(s, c);
            w1 = s;

            s = w0 + carryLo;
            c = carry(s, carryLo);
            Limbs.set(out, i, s);
            s = w1 + carryHi;
            long c2 = carry(s, carryHi);
            long lo = s + c;
            c2 += carry(lo, c);
            carryLo = lo;
            carryHi = w2 + c2;
        }
        carries[at] = carryLo;
        carries[at + 1] = carryHi;
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
                                ObjIntConsumer<long[]> body) {
        int chunks = parallel ? Math.min(count, 4 * Runtime.getRuntime().availableProcessors()) : 1;
        IntStream range = IntStream.range(0, chunks);
        (chunks > 1 ? range.parallel() : range).forEach(chunk -> {
            long[] scratch = new long[scratchLength];
            int end = (int) ((long) (chunk + 1) * count / chunks);
            for (int i = (int) ((long) chunk * count / chunks); i < end; i++) {
                body.accept(scratch, i);
            }
        });
    }
}
