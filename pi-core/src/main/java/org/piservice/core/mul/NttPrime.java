package org.piservice.core.mul;

import java.math.BigInteger;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Modular arithmetic and number-theoretic transforms for one prime p = k·2^30 + 1 below 2^49 with
 * 15 | k, in floating point: power-of-two transforms, and the 3- and 5-point transforms that
 * lengths 3·2^k and 5·2^k add to them.
 *
 * <p>Why doubles: the Vector API forms no 128-bit products of 64-bit lanes, but residues below
 * 2^49 are exact integers in doubles, and a·w mod p takes six floating-point operations that it
 * runs on every lane at once (see {@link #mul}). Values are kept in [-p, p] between operations.
 *
 * <p>Why across lanes: every power-of-two transform here runs {@link #LANES} transforms at once,
 * point i of transform c at {@code a[off + i·LANES + c]}, so each butterfly is one vector
 * operation at every stage, the last ones too (vectors along a single transform would leave its
 * last log2(LANES) stages to scalar code). The six-step passes gather their columns and rows
 * into that layout.
 *
 * <p>Each kernel is one method: C2 did not inline helper methods that take and return vectors
 * there, and the vectors they passed were boxed (docs/PERFORMANCE.md, Multiplication).
 */
final class NttPrime {

    static final VectorSpecies<Double> SPECIES = DoubleVector.SPECIES_PREFERRED;
    /** Transforms run side by side: 8 with AVX-512, 4 with AVX2. */
    static final int LANES = SPECIES.length();
    /** Transforms of the six-step passes never exceed 2^MAX_TABLE_LOG points. */
    static final int MAX_TABLE_LOG = 14;
    /**
     * 1.5·2^52: x + ROUND - ROUND is x rounded to an integer for |x| < 2^51, as the sum's unit in
     * the last place is 1.
     */
    private static final double ROUND = 0x1.8p52;

    final long p;
    /** p as a double, and its reciprocal, rounded. */
    final double pd;
    final double pInv;
    /** 2^64 mod p, and the Shoup companions of it and of 1: {@link #reduce} loads words with them. */
    private final long twoTo64;
    private final long twoTo64S;
    private final long oneS;
    /** An element of multiplicative order exactly 2^30. */
    private final long root2pow30;
    /**
     * fw[h + j] = w_{2h}^j for 1 <= h < 2^MAX_TABLE_LOG, j < h, where w_{2h} is the primitive 2h-th
     * root of unity derived from root2pow30: a stage of half-size h only needs powers of w_{2h}.
     * fwq holds each divided by p (see {@link #mul}); iw and iwq the same for the inverses.
     */
    private final double[] fw;
    private final double[] fwq;
    private final double[] iw;
    private final double[] iwq;
    /** Per-radix data of the odd-point transforms: [0] for 3, [1] for 5. */
    private final OddPoint[] odd;

    NttPrime(long p, long generator) {
        if (p >= 1L << 49 || (p - 1) % (15L << 30) != 0) {
            throw new IllegalArgumentException("need a prime 15·k·2^30 + 1 below 2^49, got " + p);
        }
        this.p = p;
        this.pd = p;
        this.pInv = 1.0 / pd;
        this.twoTo64 = Long.remainderUnsigned(-p, p); // 2^64 - p is -p read as unsigned
        this.twoTo64S = shoupCompanion(twoTo64);
        this.oneS = shoupCompanion(1);
        this.root2pow30 = pow(generator, (p - 1) >>> 30);
        int size = 1 << MAX_TABLE_LOG;
        fw = new double[size];
        fwq = new double[size];
        iw = new double[size];
        iwq = new double[size];
        for (int h = 1; h < size; h <<= 1) {
            long w = rootOfUnity(Integer.numberOfTrailingZeros(2 * h));
            long wInv = pow(w, 2L * h - 1);
            long f = 1;
            long g = 1;
            for (int j = 0; j < h; j++) {
                fw[h + j] = f;
                fwq[h + j] = f / pd;
                iw[h + j] = g;
                iwq[h + j] = g / pd;
                f = mulMod(f, w);
                g = mulMod(g, wInv);
            }
        }
        odd = new OddPoint[] {new OddPoint(3, pow(generator, (p - 1) / 3)), new OddPoint(5, pow(generator, (p - 1) / 5))};
    }

    /** A primitive 2^log-th root of unity, consistent across lengths: w_{2n}^2 = w_n. */
    long rootOfUnity(int log) {
        return pow(root2pow30, 1L << (30 - log));
    }

    /**
     * a·w modulo p, for |a| <= 4p and |w| <= p: h = a·w rounded and l = fma(a, w, -h) give
     * a·w = h + l exactly; q is a·w/p rounded to an integer after three roundings (h, 1/p and
     * their product), within 1/2 + 3·2^-53·|a·w|/p of it (as p < 2^49: within 1 for |a| <= 2.5p,
     * 1.25 for |a| <= 4p), so h - q·p is an integer below 2^53 in magnitude, which fma forms
     * exactly, and adding l leaves r = a·w - q·p exactly, |r| <= p for |a| <= 2.5p and
     * |r| <= 1.25p beyond. The vector kernels inline the same steps, with w/p precomputed where w
     * is a table's: two roundings (w/p and a times it), so q is within 1 and |r| <= p for any
     * |a| <= 4p.
     */
    double mul(double a, double w) {
        double hi = a * w;
        double lo = Math.fma(a, w, -hi);
        double q = (hi * pInv + ROUND) - ROUND;
        return Math.fma(-q, pd, hi) + lo;
    }

    /** x mod p in [0, p) for |x| <= p, or any x whose magnitude is below 2^51. */
    long canonical(double x) {
        long r = (long) Math.fma(-((x * pInv + ROUND) - ROUND), pd, x); // [-p/2 - 1, p/2 + 1]
        return r + ((r >> 63) & p);
    }

    /**
     * floor(w·2^64 / p) for 0 <= w < p, the Shoup companion of w: {@link #mulShoup} multiplies any
     * 64-bit word by w with it. For the words of loading and recombining, which stay in integers.
     */
    long shoupCompanion(long w) {
        return BigInteger.valueOf(w).shiftLeft(64).divide(BigInteger.valueOf(p)).longValue();
    }

    /**
     * a·w mod p in [0, 2p) for any unsigned 64-bit a, given wS = shoupCompanion(w). With
     * q = floor(a·wS / 2^64), the error a·w - q·p lies in [0, 2p) (Shoup; Harvey 2014, Lemma 2).
     */
    long mulShoup(long a, long w, long wS) {
        return a * w - Math.unsignedMultiplyHigh(a, wS) * p;
    }

    /** hi·2^64 + lo for unsigned words hi and lo, reduced into [-p, p), as a double. */
    double reduce(long hi, long lo) {
        long r = mulShoup(hi, twoTo64, twoTo64S) + mulShoup(lo, 1, oneS) - 2 * p; // [-2p, 2p)
        r += (r >> 63) & (2 * p);
        return r - p;
    }

    /** a mod p for a in [0, 2p). */
    long lessThanP(long a) {
        long r = a - p;
        return r + ((r >> 63) & p);
    }

    /** a·b mod p for a, b < p. */
    long mulMod(long a, long b) {
        return canonical(mul(a, b));
    }

    /** base^exp mod p for base < p. */
    long pow(long base, long exp) {
        long result = 1;
        long b = base;
        while (exp != 0) {
            if ((exp & 1) != 0) {
                result = mulMod(result, b);
            }
            b = mulMod(b, b);
            exp >>>= 1;
        }
        return result;
    }

    /**
     * In place, {@link #LANES} forward transforms of n points side by side (point i of transform
     * c at a[off + i·LANES + c]), n a power of two up to 2^MAX_TABLE_LOG: decimation in frequency,
     * natural order in, bit-reversed order out. Values in [-p, p] in and out.
     */
    void forward(double[] a, int off, int n) {
        DoubleVector pv = DoubleVector.broadcast(SPECIES, pd);
        for (int h = n >>> 1; h >= 1; h >>>= 1) {
            for (int s = 0; s < n; s += 2 * h) {
                for (int j = 0; j < h; j++) {
                    int i = off + (s + j) * LANES;
                    int k = i + h * LANES;
                    DoubleVector x = DoubleVector.fromArray(SPECIES, a, i);
                    DoubleVector y = DoubleVector.fromArray(SPECIES, a, k);
                    DoubleVector sum = x.add(y);
                    DoubleVector d = x.sub(y);
                    DoubleVector w = DoubleVector.broadcast(SPECIES, fw[h + j]);
                    DoubleVector hi = d.mul(w);
                    DoubleVector lo = d.fma(w, hi.neg());
                    DoubleVector q = d.mul(fwq[h + j]).add(ROUND).sub(ROUND);
                    sum.mul(pInv).add(ROUND).sub(ROUND).neg().fma(pv, sum).intoArray(a, i);
                    q.neg().fma(pv, hi).add(lo).intoArray(a, k);
                }
            }
        }
    }

    /**
     * In place, the inverses of {@link #forward} up to the factor n: decimation in time,
     * bit-reversed order in, natural order out; values in [-p, p] in and out.
     */
    void inverse(double[] a, int off, int n) {
        DoubleVector pv = DoubleVector.broadcast(SPECIES, pd);
        for (int h = 1; h < n; h <<= 1) {
            for (int s = 0; s < n; s += 2 * h) {
                for (int j = 0; j < h; j++) {
                    int i = off + (s + j) * LANES;
                    int k = i + h * LANES;
                    DoubleVector x = DoubleVector.fromArray(SPECIES, a, i);
                    DoubleVector y = DoubleVector.fromArray(SPECIES, a, k);
                    DoubleVector w = DoubleVector.broadcast(SPECIES, iw[h + j]);
                    DoubleVector hi = y.mul(w);
                    DoubleVector lo = y.fma(w, hi.neg());
                    DoubleVector q = y.mul(iwq[h + j]).add(ROUND).sub(ROUND);
                    DoubleVector t = q.neg().fma(pv, hi).add(lo);
                    DoubleVector u = x.add(t);
                    DoubleVector v = x.sub(t);
                    u.mul(pInv).add(ROUND).sub(ROUND).neg().fma(pv, u).intoArray(a, i);
                    v.mul(pInv).add(ROUND).sub(ROUND).neg().fma(pv, v).intoArray(a, k);
                }
            }
        }
    }

    /**
     * a[off + i] = a[off + i]·w mod p for i < n: each lane by its own factor, w[wOff + i] (as
     * {@link #twiddles} leaves them), values in [-p, p] in and out. n is a multiple of LANES.
     */
    void multiply(double[] a, int off, double[] w, int wOff, int n) {
        DoubleVector pv = DoubleVector.broadcast(SPECIES, pd);
        for (int i = 0; i < n; i += LANES) {
            DoubleVector x = DoubleVector.fromArray(SPECIES, a, off + i);
            DoubleVector y = DoubleVector.fromArray(SPECIES, w, wOff + i);
            DoubleVector hi = x.mul(y);
            DoubleVector lo = x.fma(y, hi.neg());
            DoubleVector q = hi.mul(pInv).add(ROUND).sub(ROUND);
            q.neg().fma(pv, hi).add(lo).intoArray(a, off + i);
        }
    }

    /**
     * out[off + i·LANES + c] = start·step_c^i for i < n: the powers that {@link #multiply} takes,
     * one chain per lane; every product is exact, so the chain accumulates no error.
     */
    void twiddles(double[] out, int off, int n, double[] steps, long start) {
        DoubleVector pv = DoubleVector.broadcast(SPECIES, pd);
        DoubleVector step = DoubleVector.fromArray(SPECIES, steps, 0);
        DoubleVector v = DoubleVector.broadcast(SPECIES, (double) start);
        for (int i = 0; i < n; i++) {
            v.intoArray(out, off + i * LANES);
            DoubleVector hi = v.mul(step);
            DoubleVector lo = v.fma(step, hi.neg());
            DoubleVector q = hi.mul(pInv).add(ROUND).sub(ROUND);
            v = q.neg().fma(pv, hi).add(lo);
        }
    }

    /**
     * a[acc + i] = a[acc + i] + a[x + i]·a[y + i] mod p for i < n (the product alone when
     * {@code first}), values in [-p, p]: the pointwise step of a sum of products.
     */
    void multiplyAdd(double[] a, int acc, int x, int y, int n, boolean first) {
        DoubleVector pv = DoubleVector.broadcast(SPECIES, pd);
        for (int i = 0; i < n; i += LANES) {
            DoubleVector u = DoubleVector.fromArray(SPECIES, a, x + i);
            DoubleVector v = DoubleVector.fromArray(SPECIES, a, y + i);
            DoubleVector hi = u.mul(v);
            DoubleVector lo = u.fma(v, hi.neg());
            DoubleVector q = hi.mul(pInv).add(ROUND).sub(ROUND);
            DoubleVector r = q.neg().fma(pv, hi).add(lo);
            if (!first) {
                r = r.add(DoubleVector.fromArray(SPECIES, a, acc + i));
                r = r.mul(pInv).add(ROUND).sub(ROUND).neg().fma(pv, r);
            }
            r.intoArray(a, acc + i);
        }
    }

    /**
     * Constants of the radix-point transforms. The tuple at j, j+m, ..., j+(radix-1)m (natural
     * order, m = 2^k) holds y_c, the element whose index is c mod radix, at the place t with
     * c ≡ j + t·m, so X_f = Σ_c y_c ζ^(cf) = ζ^(jf) · Σ_t a_t (ζ^m)^(tf): a plain transform with the
     * root ζ^m, then a factor per lane, ζ^((j mod radix)·f). Those factors are tabled per j mod
     * radix of the first lane, for the forward transform and its inverse.
     */
    private final class OddPoint {
        final int radix;
        /** root[r] = ζ^r, r < radix. */
        final long[] root;
        /** lane[inv][r0][(f - 1)·LANES + c] = ζ^(±((r0 + c) mod radix)·f), and laneQ each over p. */
        final double[][][] lane = new double[2][][];
        final double[][][] laneQ = new double[2][][];

        OddPoint(int radix, long zeta) {
            this.radix = radix;
            root = new long[radix];
            root[0] = 1;
            for (int r = 1; r < radix; r++) {
                root[r] = mulMod(root[r - 1], zeta);
            }
            for (int inv = 0; inv < 2; inv++) {
                lane[inv] = new double[radix][(radix - 1) * LANES];
                laneQ[inv] = new double[radix][(radix - 1) * LANES];
                for (int r0 = 0; r0 < radix; r0++) {
                    for (int f = 1; f < radix; f++) {
                        for (int c = 0; c < LANES; c++) {
                            int e = (r0 + c) % radix * f % radix;
                            double v = root[inv == 0 ? e : (radix - e) % radix];
                            lane[inv][r0][(f - 1) * LANES + c] = v;
                            laneQ[inv][r0][(f - 1) * LANES + c] = v / pd;
                        }
                    }
                }
            }
        }

        /** ζ^(m·e) for the plain transform's root (ζ^m)^e, or its inverse. */
        long plainRoot(int m, int e, boolean forward) {
            int x = (int) ((long) (m % radix) * e % radix);
            return root[forward ? x : (radix - x) % radix];
        }
    }

    /**
     * The 3-point transforms (y0, y1, y2) ↦ (y0+y1+y2, y0+ωy1+ω²y2, y0+ω²y1+ωy2) of the triples at
     * j, j+m, j+2m for j in [from, to) (multiples of LANES), with y_c and frequency f placed as
     * {@link OddPoint} says: the forward transform reads y_c and leaves frequency f at j + f·m;
     * the inverse (ω^-1) reads frequency f there and puts y_c back, times 3. With ω'² = -1-ω' for
     * the plain transform's root ω', its two mixed sums need the one product ω'(a1 - a2). Values in
     * [-p, p] in and out.
     */
    void dft3(double[] a, int m, int from, int to, boolean forward) {
        OddPoint o = odd[0];
        double w = o.plainRoot(m, 1, forward);
        double wq = w / pd;
        double[][] lane = o.lane[forward ? 0 : 1];
        double[][] laneQ = o.laneQ[forward ? 0 : 1];
        DoubleVector pv = DoubleVector.broadcast(SPECIES, pd);
        DoubleVector wv = DoubleVector.broadcast(SPECIES, w);
        for (int j = from; j < to; j += LANES) {
            double[] f = lane[j % 3];
            double[] fq = laneQ[j % 3];
            DoubleVector t1 = DoubleVector.fromArray(SPECIES, f, 0);
            DoubleVector t1q = DoubleVector.fromArray(SPECIES, fq, 0);
            DoubleVector t2 = DoubleVector.fromArray(SPECIES, f, LANES);
            DoubleVector t2q = DoubleVector.fromArray(SPECIES, fq, LANES);
            DoubleVector a0 = DoubleVector.fromArray(SPECIES, a, j);
            DoubleVector a1 = DoubleVector.fromArray(SPECIES, a, j + m);
            DoubleVector a2 = DoubleVector.fromArray(SPECIES, a, j + 2 * m);
            if (!forward) { // the inverse's lane factors come first: they undo the forward's last step
                DoubleVector hi = a1.mul(t1);
                DoubleVector lo = a1.fma(t1, hi.neg());
                DoubleVector q = a1.mul(t1q).add(ROUND).sub(ROUND);
                a1 = q.neg().fma(pv, hi).add(lo);
                hi = a2.mul(t2);
                lo = a2.fma(t2, hi.neg());
                q = a2.mul(t2q).add(ROUND).sub(ROUND);
                a2 = q.neg().fma(pv, hi).add(lo);
            }
            DoubleVector d = a1.sub(a2);
            DoubleVector hi = d.mul(wv);
            DoubleVector lo = d.fma(wv, hi.neg());
            DoubleVector q = d.mul(wq).add(ROUND).sub(ROUND);
            DoubleVector mixed = q.neg().fma(pv, hi).add(lo);
            DoubleVector b0 = a0.add(a1).add(a2);
            b0 = b0.mul(pInv).add(ROUND).sub(ROUND).neg().fma(pv, b0);
            DoubleVector b1 = a0.sub(a2).add(mixed);
            DoubleVector b2 = a0.sub(a1).sub(mixed);
            if (forward) {
                hi = b1.mul(t1);
                lo = b1.fma(t1, hi.neg());
                q = b1.mul(t1q).add(ROUND).sub(ROUND);
                b1 = q.neg().fma(pv, hi).add(lo);
                hi = b2.mul(t2);
                lo = b2.fma(t2, hi.neg());
                q = b2.mul(t2q).add(ROUND).sub(ROUND);
                b2 = q.neg().fma(pv, hi).add(lo);
            } else {
                b1 = b1.mul(pInv).add(ROUND).sub(ROUND).neg().fma(pv, b1);
                b2 = b2.mul(pInv).add(ROUND).sub(ROUND).neg().fma(pv, b2);
            }
            b0.intoArray(a, j);
            b1.intoArray(a, j + m);
            b2.intoArray(a, j + 2 * m);
        }
    }

    /**
     * The 5-point transforms x_f = Σ y_c·ζ^(cf) of the quintuples at j, j+m, ..., j+4m for j in
     * [from, to), placed as {@link #dft3} places triples; with ζ^-1 for the inverse, which undoes the
     * forward transform times 5. Values in [-p, p] in and out.
     *
     * <p>Six products instead of sixteen in the plain transform (root ζ'): with s1 = a1+a4,
     * d1 = a1-a4, s2 = a2+a3, d2 = a2-a3, x1 and x4 share a0 + ((ζ'+ζ'⁴)s1 + (ζ'²+ζ'³)s2)/2 and
     * differ in the sign of ((ζ'-ζ'⁴)d1 + (ζ'²-ζ'³)d2)/2, likewise x2 and x3; and as
     * ζ'+ζ'²+ζ'³+ζ'⁴ = -1, the two shared sums are -(s1+s2)/4 ± D·(s1-s2), D = (ζ'-ζ'²-ζ'³+ζ'⁴)/4.
     */
    void dft5(double[] a, int m, int from, int to, boolean forward) {
        OddPoint o = odd[1];
        long z1 = o.plainRoot(m, 1, forward);
        long z2 = o.plainRoot(m, 2, forward);
        long z3 = o.plainRoot(m, 3, forward);
        long z4 = o.plainRoot(m, 4, forward);
        long half = (p + 1) / 2;
        long quarter = mulMod(half, half);
        double cq = p - quarter;
        double cd = mulMod(Math.floorMod(z1 + z4 - z2 - z3, p), quarter);
        double cs1 = mulMod(Math.floorMod(z1 - z4, p), half);
        double cs2 = mulMod(Math.floorMod(z2 - z3, p), half);
        double cqq = cq / pd;
        double cdq = cd / pd;
        double cs1q = cs1 / pd;
        double cs2q = cs2 / pd;
        double[][] lane = o.lane[forward ? 0 : 1];
        double[][] laneQ = o.laneQ[forward ? 0 : 1];
        DoubleVector pv = DoubleVector.broadcast(SPECIES, pd);
        DoubleVector vq = DoubleVector.broadcast(SPECIES, cq);
        DoubleVector vd = DoubleVector.broadcast(SPECIES, cd);
        DoubleVector vs1 = DoubleVector.broadcast(SPECIES, cs1);
        DoubleVector vs2 = DoubleVector.broadcast(SPECIES, cs2);
        for (int j = from; j < to; j += LANES) {
            double[] f = lane[j % 5];
            double[] fq = laneQ[j % 5];
            DoubleVector a0 = DoubleVector.fromArray(SPECIES, a, j);
            DoubleVector a1 = DoubleVector.fromArray(SPECIES, a, j + m);
            DoubleVector a2 = DoubleVector.fromArray(SPECIES, a, j + 2 * m);
            DoubleVector a3 = DoubleVector.fromArray(SPECIES, a, j + 3 * m);
            DoubleVector a4 = DoubleVector.fromArray(SPECIES, a, j + 4 * m);
            DoubleVector hi;
            DoubleVector lo;
            DoubleVector q;
            DoubleVector x;
            if (!forward) { // the inverse's lane factors come first: they undo the forward's last step
                DoubleVector tw = DoubleVector.fromArray(SPECIES, f, 0);
                hi = a1.mul(tw);
                lo = a1.fma(tw, hi.neg());
                q = a1.mul(DoubleVector.fromArray(SPECIES, fq, 0)).add(ROUND).sub(ROUND);
                a1 = q.neg().fma(pv, hi).add(lo);
                tw = DoubleVector.fromArray(SPECIES, f, LANES);
                hi = a2.mul(tw);
                lo = a2.fma(tw, hi.neg());
                q = a2.mul(DoubleVector.fromArray(SPECIES, fq, LANES)).add(ROUND).sub(ROUND);
                a2 = q.neg().fma(pv, hi).add(lo);
                tw = DoubleVector.fromArray(SPECIES, f, 2 * LANES);
                hi = a3.mul(tw);
                lo = a3.fma(tw, hi.neg());
                q = a3.mul(DoubleVector.fromArray(SPECIES, fq, 2 * LANES)).add(ROUND).sub(ROUND);
                a3 = q.neg().fma(pv, hi).add(lo);
                tw = DoubleVector.fromArray(SPECIES, f, 3 * LANES);
                hi = a4.mul(tw);
                lo = a4.fma(tw, hi.neg());
                q = a4.mul(DoubleVector.fromArray(SPECIES, fq, 3 * LANES)).add(ROUND).sub(ROUND);
                a4 = q.neg().fma(pv, hi).add(lo);
            }
            DoubleVector s1 = a1.add(a4);
            DoubleVector s2 = a2.add(a3);
            DoubleVector d1 = a1.sub(a4);
            DoubleVector d2 = a2.sub(a3);
            x = s1.add(s2); // |x| <= 4p, as every product's first factor here
            hi = x.mul(vq);
            lo = x.fma(vq, hi.neg());
            q = x.mul(cqq).add(ROUND).sub(ROUND);
            DoubleVector m0 = q.neg().fma(pv, hi).add(lo);
            x = s1.sub(s2);
            hi = x.mul(vd);
            lo = x.fma(vd, hi.neg());
            q = x.mul(cdq).add(ROUND).sub(ROUND);
            DoubleVector m1 = q.neg().fma(pv, hi).add(lo);
            hi = d1.mul(vs1);
            lo = d1.fma(vs1, hi.neg());
            q = d1.mul(cs1q).add(ROUND).sub(ROUND);
            DoubleVector d1s1 = q.neg().fma(pv, hi).add(lo);
            hi = d1.mul(vs2);
            lo = d1.fma(vs2, hi.neg());
            q = d1.mul(cs2q).add(ROUND).sub(ROUND);
            DoubleVector d1s2 = q.neg().fma(pv, hi).add(lo);
            hi = d2.mul(vs1);
            lo = d2.fma(vs1, hi.neg());
            q = d2.mul(cs1q).add(ROUND).sub(ROUND);
            DoubleVector d2s1 = q.neg().fma(pv, hi).add(lo);
            hi = d2.mul(vs2);
            lo = d2.fma(vs2, hi.neg());
            q = d2.mul(cs2q).add(ROUND).sub(ROUND);
            DoubleVector d2s2 = q.neg().fma(pv, hi).add(lo);
            DoubleVector base = a0.add(m0);
            base = base.mul(pInv).add(ROUND).sub(ROUND).neg().fma(pv, base); // |base| <= p/2 + 1
            DoubleVector r1 = base.add(m1);
            DoubleVector r2 = base.sub(m1);
            DoubleVector j1 = d1s1.add(d2s2);
            DoubleVector j2 = d1s2.sub(d2s1);
            DoubleVector s = s1.add(s2);
            s = s.mul(pInv).add(ROUND).sub(ROUND).neg().fma(pv, s).add(a0);
            s.mul(pInv).add(ROUND).sub(ROUND).neg().fma(pv, s).intoArray(a, j);
            // x1..x4, each below 3.5p in magnitude: the forward's lane factors, or the inverse's reduction
            DoubleVector x1 = r1.add(j1);
            DoubleVector x2 = r2.add(j2);
            DoubleVector x3 = r2.sub(j2);
            DoubleVector x4 = r1.sub(j1);
            if (forward) {
                DoubleVector tw = DoubleVector.fromArray(SPECIES, f, 0);
                hi = x1.mul(tw);
                lo = x1.fma(tw, hi.neg());
                q = x1.mul(DoubleVector.fromArray(SPECIES, fq, 0)).add(ROUND).sub(ROUND);
                x1 = q.neg().fma(pv, hi).add(lo);
                tw = DoubleVector.fromArray(SPECIES, f, LANES);
                hi = x2.mul(tw);
                lo = x2.fma(tw, hi.neg());
                q = x2.mul(DoubleVector.fromArray(SPECIES, fq, LANES)).add(ROUND).sub(ROUND);
                x2 = q.neg().fma(pv, hi).add(lo);
                tw = DoubleVector.fromArray(SPECIES, f, 2 * LANES);
                hi = x3.mul(tw);
                lo = x3.fma(tw, hi.neg());
                q = x3.mul(DoubleVector.fromArray(SPECIES, fq, 2 * LANES)).add(ROUND).sub(ROUND);
                x3 = q.neg().fma(pv, hi).add(lo);
                tw = DoubleVector.fromArray(SPECIES, f, 3 * LANES);
                hi = x4.mul(tw);
                lo = x4.fma(tw, hi.neg());
                q = x4.mul(DoubleVector.fromArray(SPECIES, fq, 3 * LANES)).add(ROUND).sub(ROUND);
                x4 = q.neg().fma(pv, hi).add(lo);
            } else {
                x1 = x1.mul(pInv).add(ROUND).sub(ROUND).neg().fma(pv, x1);
                x2 = x2.mul(pInv).add(ROUND).sub(ROUND).neg().fma(pv, x2);
                x3 = x3.mul(pInv).add(ROUND).sub(ROUND).neg().fma(pv, x3);
                x4 = x4.mul(pInv).add(ROUND).sub(ROUND).neg().fma(pv, x4);
            }
            x1.intoArray(a, j + m);
            x2.intoArray(a, j + 2 * m);
            x3.intoArray(a, j + 3 * m);
            x4.intoArray(a, j + 4 * m);
        }
    }
}
