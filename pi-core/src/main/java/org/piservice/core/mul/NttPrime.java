package org.piservice.core.mul;

/**
 * Modular arithmetic and power-of-two number-theoretic transforms for one prime p = k·2^32 + 1.
 *
 * <p>Every prime used is below 2^62, so 4p < 2^64: sums of two values in [0, 2p) never wrap an
 * unsigned 64-bit word, and a difference of two such values is exact as a signed long. That lets
 * the butterflies keep values lazily in [0, 2p) (Harvey's trick) instead of reducing to [0, p)
 * after every operation.
 */
final class NttPrime {

    /** Rows and columns of the six-step transform never exceed 2^MAX_TABLE_LOG points. */
    static final int MAX_TABLE_LOG = 14;

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
    /** An element of multiplicative order exactly 2^32. */
    private final long root2pow32;
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

    NttPrime(long p, long generator) {
        if (p >= 1L << 62 || (p & 0xFFFF_FFFFL) != 1) {
            throw new IllegalArgumentException("need a prime k·2^32 + 1 below 2^62, got " + p);
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
        this.root2pow32 = pow(generator, (p - 1) >>> 32);

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
    }

    /** A primitive 2^log-th root of unity, consistent across lengths: w_{2n}^2 = w_n. */
    long rootOfUnity(int log) {
        return pow(root2pow32, 1L << (32 - log));
    }

    /** floor(w·2^64 / p) for w < p, by binary long division (only used outside hot loops). */
    long shoupCompanion(long w) {
        long q = 0;
        long r = w;
        for (int i = 0; i < 64; i++) {
            r <<= 1; // r < p < 2^62, so the shift cannot overflow
            q <<= 1;
            if (r >= p) {
                r -= p;
                q |= 1;
            }
        }
        return q;
    }

    /**
     * a·w mod p in [0, 2p) for any unsigned 64-bit a, given wS = shoupCompanion(w). With
     * q = floor(a·wS / 2^64), the error a·w - q·p lies in [0, 2p) (Shoup; Harvey 2014, Lemma 2).
     */
    long mulShoup(long a, long w, long wS) {
        return a * w - Math.unsignedMultiplyHigh(a, wS) * p;
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
     */
    void forward(long[] a, int off, int n) {
        long p = this.p;
        long twoP = this.twoP;
        long[] fw = this.fw;
        long[] fwS = this.fwS;
        int end = off + n;
        for (int h = n >>> 1; h >= 1; h >>>= 1) {
            for (int s = off; s < end; s += 2 * h) {
                for (int j = 0; j < h; j++) {
                    int i = s + j;
                    int k = i + h;
                    long x = a[i];
                    long y = a[k];
                    long sum = x + y - twoP;
                    long d = x - y + twoP;
                    a[i] = sum + ((sum >> 63) & twoP);
                    a[k] = d * fw[h + j] - Math.unsignedMultiplyHigh(d, fwS[h + j]) * p;
                }
            }
        }
    }

    /**
     * In-place inverse of {@link #forward} up to the factor n: decimation in time, bit-reversed
     * order in, natural order out, values in [0, 2p).
     */
    void inverse(long[] a, int off, int n) {
        long p = this.p;
        long twoP = this.twoP;
        long[] iw = this.iw;
        long[] iwS = this.iwS;
        int end = off + n;
        for (int h = 1; h < n; h <<= 1) {
            for (int s = off; s < end; s += 2 * h) {
                for (int j = 0; j < h; j++) {
                    int i = s + j;
                    int k = i + h;
                    long x = a[i];
                    long y = a[k];
                    long t = y * iw[h + j] - Math.unsignedMultiplyHigh(y, iwS[h + j]) * p;
                    long sum = x + t - twoP;
                    long d = x - t;
                    a[i] = sum + ((sum >> 63) & twoP);
                    a[k] = d + ((d >> 63) & twoP);
                }
            }
        }
    }
}
