package org.piservice.core.mul;

/**
 * Modular arithmetic and number-theoretic transforms for one prime p = k·2^32 + 1 with 15 | k:
 * power-of-two transforms, and the 3- and 5-point transforms that lengths 3·2^k and 5·2^k add to
 * them.
 *
 * <p>Every prime used is below 2^62, so 4p < 2^64: sums of two values in [0, 2p) never wrap an
 * unsigned 64-bit word, and a difference of two such values is exact as a signed long. That lets
 * the butterflies keep values lazily in [0, 2p) (Harvey's trick) instead of reducing to [0, p)
 * after every operation.
 */
final class NttPrime {

    /** Rows and columns of the six-step transform never exceed 2^MAX_TABLE_LOG points. */
    static final int MAX_TABLE_LOG = 14;
    /**
     * Points n of the odd-point transforms taken together. Each residue class n mod 3 (or 5) has a
     * loop of its own, which keeps that class's places ({@link #places}) in registers: read from
     * the places' arrays at every point, the transforms took 1.6 times as long. Within a block the
     * classes follow one another while its points, 1,024 of each of the three or five parts (up to
     * 40 KiB), stay in cache, instead of the arrays being streamed once per class.
     */
    private static final int ODD_BLOCK = 1024;

    final long p;
    final long twoP;
    /** p^-1 mod 2^64, for Montgomery reduction. */
    private final long pInv;
    /** 2^64 mod p: the Montgomery form of 1. */
    final long montOne;
    /** 2^128 mod p: converts into Montgomery form. */
    private final long montR2;
    /** floor(2^64 / p): the Shoup companion of 1, reduces any 64-bit word into [0, 2p). */
    private final long oneShoup;
    /** The Shoup companion of 2^64 mod p, which multiplies a word by 2^64. */
    private final long montOneShoup;
    /** An element of multiplicative order exactly 2^32. */
    private final long root2pow32;
    /** ω, a primitive cube root of unity, and ω^-1 = ω^2, with Shoup companions. */
    private final long omega;
    private final long omegaS;
    private final long omegaInv;
    private final long omegaInvS;
    /**
     * The 5-point transform's constants for a primitive fifth root ζ (see {@link #dft5}), each with
     * its Shoup companion: QUARTER = -1/4, D = (ζ - ζ² - ζ³ + ζ⁴)/4, S1 = (ζ - ζ⁴)/2, S2 = (ζ² - ζ³)/2;
     * the inverse transform, with ζ^-1, negates S1 and S2.
     */
    private final long[] five;
    /**
     * fw[h + j] = w_{2h}^j for 1 <= h < 2^MAX_TABLE_LOG, j < h, where w_{2h} is the primitive 2h-th
     * root of unity derived from root2pow32. One table serves every length up to its size because
     * a stage of half-size h only ever needs powers of w_{2h}. iw holds the inverses; the *S arrays
     * hold the Shoup companions floor(w·2^64/p).
     */
    private final long[] fw;
    private final long[] fwS;
    private final long[] iw;
    private final long[] iwS;
    /**
     * Radix-4 twiddles, interleaved so one butterfly reads one cache line: at 6·(q + j) the values
     * w^j, w^2j, w^3j with w = w_{4q}, each followed by its Shoup companion; iw4 for w^-1.
     */
    private final long[] fw4;
    private final long[] iw4;
    /** w_4, the square root of -1 used by radix-4 butterflies, its inverse, and companions. */
    private final long imag;
    private final long imagS;
    private final long imagInv;
    private final long imagInvS;

    NttPrime(long p, long generator) {
        if (p >= 1L << 62 || (p & 0xFFFF_FFFFL) != 1 || (p - 1) % 15 != 0) {
            throw new IllegalArgumentException("need a prime 15·k·2^32 + 1 below 2^62, got " + p);
        }
        this.p = p;
        this.twoP = 2 * p;
        long inv = p; // p·p ≡ 1 mod 8: three correct bits, each Newton step doubles them
        for (int i = 0; i < 5; i++) {
            inv *= 2 - p * inv;
        }
        this.pInv = inv;
        this.montOne = Long.remainderUnsigned(-p, p); // 2^64 - p is -p read as unsigned
        long r2 = montOne;
        for (int i = 0; i < 64; i++) {
            r2 <<= 1; // r2 < p < 2^62: no overflow
            if (r2 >= p) {
                r2 -= p;
            }
        }
        this.montR2 = r2;
        this.oneShoup = shoupCompanion(1);
        this.montOneShoup = shoupCompanion(montOne);
        this.root2pow32 = pow(generator, (p - 1) >>> 32);
        this.omega = pow(generator, (p - 1) / 3);
        this.omegaS = shoupCompanion(omega);
        this.omegaInv = mulMod(omega, omega);
        this.omegaInvS = shoupCompanion(omegaInv);
        long zeta = pow(generator, (p - 1) / 5);
        long[] z = {1, zeta, mulMod(zeta, zeta), pow(zeta, 3), pow(zeta, 4)};
        long half = (p + 1) / 2;
        long quarter = mulMod(half, half);
        long s1 = mulMod((z[1] + p - z[4]) % p, half);
        long s2 = mulMod((z[2] + p - z[3]) % p, half);
        long[] constants = {p - quarter, mulMod((z[1] + z[4] + 2 * p - z[2] - z[3]) % p, quarter), s1, s2,
            (p - s1) % p, (p - s2) % p};
        this.five = new long[2 * constants.length];
        for (int i = 0; i < constants.length; i++) {
            five[2 * i] = constants[i];
            five[2 * i + 1] = shoupCompanion(constants[i]);
        }

        int size = 1 << MAX_TABLE_LOG;
        fw = new long[size];
        fwS = new long[size];
        iw = new long[size];
        iwS = new long[size];
        for (int h = 1; h < size; h <<= 1) {
            long w = rootOfUnity(Integer.numberOfTrailingZeros(2 * h));
            long wInv = pow(w, 2L * h - 1);
            long f = 1;
            long g = 1;
            for (int j = 0; j < h; j++) {
                fw[h + j] = f;
                fwS[h + j] = shoupCompanion(f);
                iw[h + j] = g;
                iwS[h + j] = shoupCompanion(g);
                f = mulMod(f, w);
                g = mulMod(g, wInv);
            }
        }
        fw4 = new long[6 * size / 2];
        iw4 = new long[6 * size / 2];
        for (int q = 1; q < size / 2; q <<= 1) {
            long w = rootOfUnity(Integer.numberOfTrailingZeros(4 * q));
            fillRadix4(fw4, q, w);
            fillRadix4(iw4, q, pow(w, 4L * q - 1));
        }
        imag = rootOfUnity(2);
        imagS = shoupCompanion(imag);
        imagInv = p - imag;
        imagInvS = shoupCompanion(imagInv);
    }

    private void fillRadix4(long[] table, int q, long w) {
        long w1 = 1;
        for (int j = 0; j < q; j++) {
            long w2 = mulMod(w1, w1);
            long w3 = mulMod(w2, w1);
            int t = 6 * (q + j);
            table[t] = w1;
            table[t + 1] = shoupCompanion(w1);
            table[t + 2] = w2;
            table[t + 3] = shoupCompanion(w2);
            table[t + 4] = w3;
            table[t + 5] = shoupCompanion(w3);
            w1 = mulMod(w1, w);
        }
    }

    /** A primitive 2^log-th root of unity, consistent across lengths: w_{2n}^2 = w_n. */
    long rootOfUnity(int log) {
        return pow(root2pow32, 1L << (32 - log));
    }

    /**
     * floor(w·2^64 / p) for w < p. With r = w·2^64 mod p (one Montgomery product with 2^128 mod p),
     * w·2^64 - r is an exact multiple q·p of p with q < 2^64, so q = -r·p^-1 mod 2^64.
     */
    long shoupCompanion(long w) {
        return -mont(w, montR2) * pInv;
    }

    /**
     * a·w mod p in [0, 2p) for any unsigned 64-bit a, given wS = shoupCompanion(w). With
     * q = floor(a·wS / 2^64), the error a·w - q·p lies in [0, 2p) (Shoup; Harvey 2014, Lemma 2).
     */
    long mulShoup(long a, long w, long wS) {
        return a * w - Math.unsignedMultiplyHigh(a, wS) * p;
    }

    /** x in (-2p, 2p) brought into [0, 2p): the one conditional correction of lazy reduction. */
    private long lazy(long x) {
        return x + ((x >> 63) & twoP);
    }

    /** hi·2^64 + lo for unsigned words hi and lo, reduced into [0, 2p). */
    long reduce(long hi, long lo) {
        return lazy(mulShoup(hi, montOne, montOneShoup) + reduceWord(lo) - twoP);
    }

    /** Any unsigned 64-bit word, reduced into [0, 2p). */
    long reduceWord(long a) {
        return a - Math.unsignedMultiplyHigh(a, oneShoup) * p;
    }

    /**
     * a·b·2^-64 mod p in [0, p), valid whenever a·b < p·2^64 (e.g. a < 4p, b < p, or both < 2p).
     * m = lo·p^-1 makes m·p agree with a·b in the low word, so (a·b - m·p) / 2^64 is exactly
     * hi - mulhi(m, p), which lies in (-p, p).
     */
    long mont(long a, long b) {
        long m = (a * b) * pInv;
        long r = Math.unsignedMultiplyHigh(a, b) - Math.unsignedMultiplyHigh(m, p);
        return r + ((r >> 63) & p);
    }

    /** a mod p for a in [0, 2p). */
    long canonical(long a) {
        long r = a - p;
        return r + ((r >> 63) & p);
    }

    /** a·b mod p for a, b < p. */
    long mulMod(long a, long b) {
        return mont(mont(a, b), montR2);
    }

    /** base^exp mod p for base < p, working in Montgomery form. */
    long pow(long base, long exp) {
        long result = montOne;
        long b = mont(base, montR2);
        while (exp != 0) {
            if ((exp & 1) != 0) {
                result = mont(result, b);
            }
            b = mont(b, b);
            exp >>>= 1;
        }
        return mont(result, 1);
    }

    /**
     * In-place forward transform of a[off, off+n), n a power of two up to 2^MAX_TABLE_LOG:
     * decimation in frequency, natural order in, bit-reversed order out. Values stay in [0, 2p).
     * Pairs of radix-2 stages are fused into radix-4 butterflies, which halves the loads and
     * stores; an odd stage count starts with one radix-2 stage.
     */
    void forward(long[] a, int off, int n) {
        int log = Integer.numberOfTrailingZeros(n);
        if ((log & 1) != 0) {
            int h = n >>> 1;
            for (int j = 0; j < h; j++) {
                forward2(a, off + j, h, fw[h + j], fwS[h + j]);
            }
        }
        for (int q = (log & 1) != 0 ? n >>> 3 : n >>> 2; q > 1; q >>>= 2) {
            int blocks = n / (4 * q);
            if (q >= blocks) {
                for (int s = off; s < off + n; s += 4 * q) {
                    for (int j = 0; j < q; j++) {
                        forward4(a, s + j, q, 6 * (q + j));
                    }
                }
            } else {
                for (int j = 0; j < q; j++) {
                    int t = 6 * (q + j);
                    for (int s = off + j; s < off + n; s += 4 * q) {
                        forward4(a, s, q, t);
                    }
                }
            }
        }
        if (n >= 4) {
            for (int s = off; s < off + n; s += 4) {
                forward4(a, s);
            }
        }
    }

    /** (x, y) -> (x + y, (x - y)·w). */
    private void forward2(long[] a, int i, int h, long w, long wS) {
        long x = a[i];
        long y = a[i + h];
        a[i] = lazy(x + y - twoP);
        a[i + h] = mulShoup(x - y + twoP, w, wS);
    }

    /** The last two stages of {@link #forward}, where every twiddle is 1: forward4 with q = 1, j = 0. */
    private void forward4(long[] a, int i0) {
        long x0 = a[i0];
        long x1 = a[i0 + 1];
        long x2 = a[i0 + 2];
        long x3 = a[i0 + 3];
        long s02 = lazy(x0 + x2 - twoP);
        long s13 = lazy(x1 + x3 - twoP);
        long d02 = lazy(x0 - x2);
        long id13 = mulShoup(x1 - x3 + twoP, imag, imagS);
        a[i0] = lazy(s02 + s13 - twoP);
        a[i0 + 1] = lazy(s02 - s13);
        a[i0 + 2] = lazy(d02 + id13 - twoP);
        a[i0 + 3] = lazy(d02 - id13);
    }

    /**
     * Two radix-2 DIF stages on a[i], a[i+q], a[i+2q], a[i+3q] with w = w_{4q}^j:
     * y0 = (x0+x2) + (x1+x3), y1 = ((x0+x2) - (x1+x3))·w^2, y2 = ((x0-x2) + i(x1-x3))·w,
     * y3 = ((x0-x2) - i(x1-x3))·w^3, where i = w_4. Every sum of two values below 2p is reduced
     * before it meets a third, so nothing exceeds 4p < 2^64.
     */
    private void forward4(long[] a, int i0, int q, int t) {
        long[] tw = fw4;
        int i1 = i0 + q;
        int i2 = i1 + q;
        int i3 = i2 + q;
        long x0 = a[i0];
        long x1 = a[i1];
        long x2 = a[i2];
        long x3 = a[i3];
        long s02 = lazy(x0 + x2 - twoP);
        long s13 = lazy(x1 + x3 - twoP);
        long d02 = lazy(x0 - x2);
        long id13 = mulShoup(x1 - x3 + twoP, imag, imagS);
        a[i0] = lazy(s02 + s13 - twoP);
        a[i1] = mulShoup(s02 - s13 + twoP, tw[t + 2], tw[t + 3]);
        a[i2] = mulShoup(d02 + id13, tw[t], tw[t + 1]);
        a[i3] = mulShoup(d02 - id13 + twoP, tw[t + 4], tw[t + 5]);
    }

    /**
     * In-place inverse of {@link #forward} up to the factor n: decimation in time, bit-reversed
     * order in, natural order out, values in [0, 2p). Runs the stages of forward backwards.
     */
    void inverse(long[] a, int off, int n) {
        int log = Integer.numberOfTrailingZeros(n);
        int top = (log & 1) != 0 ? n >>> 3 : n >>> 2;
        if (top >= 1) {
            for (int s = off; s < off + n; s += 4) {
                inverse4(a, s);
            }
        }
        for (int q = 4; q <= top; q <<= 2) {
            int blocks = n / (4 * q);
            if (q >= blocks) {
                for (int s = off; s < off + n; s += 4 * q) {
                    for (int j = 0; j < q; j++) {
                        inverse4(a, s + j, q, 6 * (q + j));
                    }
                }
            } else {
                for (int j = 0; j < q; j++) {
                    int t = 6 * (q + j);
                    for (int s = off + j; s < off + n; s += 4 * q) {
                        inverse4(a, s, q, t);
                    }
                }
            }
        }
        if ((log & 1) != 0) {
            int h = n >>> 1;
            for (int j = 0; j < h; j++) {
                inverse2(a, off + j, h, iw[h + j], iwS[h + j]);
            }
        }
    }

    /** (x, y) -> (x + y·w^-1, x - y·w^-1), undoing forward2 times 2. */
    private void inverse2(long[] a, int i, int h, long w, long wS) {
        long x = a[i];
        long t = mulShoup(a[i + h], w, wS);
        a[i] = lazy(x + t - twoP);
        a[i + h] = lazy(x - t);
    }

    /** The first two stages of {@link #inverse}, where every twiddle is 1: inverse4 with q = 1, j = 0. */
    private void inverse4(long[] a, int i0) {
        long y0 = a[i0];
        long y1 = a[i0 + 1];
        long y2 = a[i0 + 2];
        long y3 = a[i0 + 3];
        long s02 = lazy(y0 + y1 - twoP);
        long s13 = lazy(y0 - y1);
        long d02 = lazy(y2 + y3 - twoP);
        long d13 = mulShoup(y2 - y3 + twoP, imagInv, imagInvS);
        a[i0] = lazy(s02 + d02 - twoP);
        a[i0 + 2] = lazy(s02 - d02);
        a[i0 + 1] = lazy(s13 + d13 - twoP);
        a[i0 + 3] = lazy(s13 - d13);
    }

    /** Undoes forward4 times 4: each output is a sum of two reduced values, reduced again. */
    private void inverse4(long[] a, int i0, int q, int t) {
        long[] tw = iw4;
        int i1 = i0 + q;
        int i2 = i1 + q;
        int i3 = i2 + q;
        long y0 = a[i0];
        long u1 = mulShoup(a[i1], tw[t + 2], tw[t + 3]);
        long u2 = mulShoup(a[i2], tw[t], tw[t + 1]);
        long u3 = mulShoup(a[i3], tw[t + 4], tw[t + 5]);
        long s02 = lazy(y0 + u1 - twoP);
        long s13 = lazy(y0 - u1);
        long d02 = lazy(u2 + u3 - twoP);
        long d13 = mulShoup(u2 - u3 + twoP, imagInv, imagInvS);
        a[i0] = lazy(s02 + d02 - twoP);
        a[i2] = lazy(s02 - d02);
        a[i1] = lazy(s13 + d13 - twoP);
        a[i3] = lazy(s13 - d13);
    }

    /**
     * The 3-point transforms (y0, y1, y2) ↦ (y0+y1+y2, y0+ωy1+ω²y2, y0+ω²y1+ωy2) of the triples at
     * n, n+m, n+2m for n in [from, to), or with ω^-1 for ω the inverse, which undoes the forward
     * transform times 3. With ω² = -1-ω the two mixed sums need only the one product ω(y1-y2).
     * Inputs and outputs in [0, 2p).
     *
     * <p>m is a power of two, and the triple holds y_c, the element whose index is c mod 3, at
     * n + t·m with t·m ≡ c - n mod 3 ({@link #places}). The forward transform reads the y_c from
     * there and leaves frequency f at n + f·m; the inverse reads frequency f from n + f·m and puts
     * y_c back.
     */
    void dft3(long[] a, int m, int from, int to, boolean forward) {
        long w = forward ? omega : omegaInv;
        long wS = forward ? omegaS : omegaInvS;
        int[][] places = places(3, m, forward);
        int[] in = places[0];
        int[] out = places[1];
        for (int block = from; block < to; block += ODD_BLOCK) {
            int end = Math.min(to, block + ODD_BLOCK);
            for (int r = 0; r < 3; r++) {
                int i0 = in[3 * r];
                int i1 = in[3 * r + 1];
                int i2 = in[3 * r + 2];
                int o0 = out[3 * r];
                int o1 = out[3 * r + 1];
                int o2 = out[3 * r + 2];
                for (int n = block + Math.floorMod(r - block, 3); n < end; n += 3) {
                    long y0 = a[n + i0];
                    long y1 = a[n + i1];
                    long y2 = a[n + i2];
                    long mixed = mulShoup(y1 - y2 + twoP, w, wS);
                    a[n + o0] = lazy(lazy(y0 + y1 - twoP) + y2 - twoP);
                    a[n + o1] = lazy(lazy(y0 - y2) + mixed - twoP);
                    a[n + o2] = lazy(lazy(y0 - y1) - mixed);
                }
            }
        }
    }

    /**
     * Where the points of a radix-point transform at n, n+m, ..., n+(radix-1)m are read and written,
     * for each n mod radix = r: y_c from n + in[radix·r + c], x_f to n + out[radix·r + f]. y_c, the
     * element whose index is c mod radix, lies at t·m with t·m ≡ c - r (m is a power of two, so
     * invertible mod radix), frequency f at f·m; the inverse swaps the two.
     */
    private static int[][] places(int radix, int m, boolean forward) {
        int mInverse = 1;
        while (mInverse * (m % radix) % radix != 1) {
            mInverse++;
        }
        int[] in = new int[radix * radix];
        int[] out = new int[radix * radix];
        for (int r = 0; r < radix; r++) {
            for (int c = 0; c < radix; c++) {
                int permuted = (c - r + radix) * mInverse % radix * m;
                in[radix * r + c] = forward ? permuted : c * m;
                out[radix * r + c] = forward ? c * m : permuted;
            }
        }
        return new int[][] {in, out};
    }

    /**
     * The 5-point transforms x_f = Σ y_c·ζ^(cf) of the quintuples at n, n+m, ..., n+4m for n in
     * [from, to), in the places {@link #dft3} uses for triples; with ζ^-1 for the inverse, which
     * undoes the forward transform times 5. Inputs and outputs in [0, 2p).
     *
     * <p>Six products instead of sixteen: with a_1 = y1+y4, b_1 = y1-y4, a_2 = y2+y3, b_2 = y2-y3,
     * x1 and x4 share y0 + ((ζ+ζ⁴)a_1 + (ζ²+ζ³)a_2)/2 and differ in the sign of
     * ((ζ-ζ⁴)b_1 + (ζ²-ζ³)b_2)/2, likewise x2 and x3; and as ζ+ζ²+ζ³+ζ⁴ = -1, the two shared sums
     * are -(a_1+a_2)/4 ± D·(a_1-a_2).
     */
    void dft5(long[] a, int m, int from, int to, boolean forward) {
        int[][] places = places(5, m, forward);
        int[] in = places[0];
        int[] out = places[1];
        long minusQuarter = five[0];
        long minusQuarterS = five[1];
        long d = five[2];
        long dS = five[3];
        int s = forward ? 4 : 8; // S1 and S2, or their negations
        long s1 = five[s];
        long s1S = five[s + 1];
        long s2 = five[s + 2];
        long s2S = five[s + 3];
        for (int block = from; block < to; block += ODD_BLOCK) {
            int end = Math.min(to, block + ODD_BLOCK);
            for (int r = 0; r < 5; r++) {
                int i0 = in[5 * r];
                int i1 = in[5 * r + 1];
                int i2 = in[5 * r + 2];
                int i3 = in[5 * r + 3];
                int i4 = in[5 * r + 4];
                int o0 = out[5 * r];
                int o1 = out[5 * r + 1];
                int o2 = out[5 * r + 2];
                int o3 = out[5 * r + 3];
                int o4 = out[5 * r + 4];
                for (int n = block + Math.floorMod(r - block, 5); n < end; n += 5) {
                    long y0 = a[n + i0];
                    long y1 = a[n + i1];
                    long y2 = a[n + i2];
                    long y3 = a[n + i3];
                    long y4 = a[n + i4];
                    long a1 = lazy(y1 + y4 - twoP);
                    long a2 = lazy(y2 + y3 - twoP);
                    long b1 = y1 - y4 + twoP;
                    long b2 = y2 - y3 + twoP;
                    long m0 = mulShoup(a1 + a2, minusQuarter, minusQuarterS);
                    long m1 = mulShoup(a1 - a2 + twoP, d, dS);
                    long base = lazy(y0 + m0 - twoP);
                    long r1 = lazy(base + m1 - twoP);
                    long r2 = lazy(base - m1);
                    long j1 = lazy(mulShoup(b1, s1, s1S) + mulShoup(b2, s2, s2S) - twoP);
                    long j2 = lazy(mulShoup(b1, s2, s2S) - mulShoup(b2, s1, s1S));
                    a[n + o0] = lazy(lazy(y0 + a1 - twoP) + a2 - twoP);
                    a[n + o1] = lazy(r1 + j1 - twoP);
                    a[n + o4] = lazy(r1 - j1);
                    a[n + o2] = lazy(r2 + j2 - twoP);
                    a[n + o3] = lazy(r2 - j2);
                }
            }
        }
    }
}
