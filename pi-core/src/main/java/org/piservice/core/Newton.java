package org.piservice.core;

import java.math.BigInteger;
import org.piservice.core.mul.ArithmeticFault;
import org.piservice.core.mul.FastMultiply;
import org.piservice.core.mul.LongInteger;

/**
 * Exact floor division and square root for large numbers, built from multiplications only (Newton
 * iterations at doubling precision), so they get as fast as the {@link Multiplier} they are given.
 *
 * <p>Each result is checked against its remainder, so exactness does not rest on the iterations'
 * error analysis. The remainder is formed modulo 2^m - 1 with m {@link #CHECK_BITS} wider than
 * its valid range, which takes a product about half as long as the exact one (the product wraps
 * around at m bits). That residue is the remainder itself whenever the estimate is within
 * 2^(CHECK_BITS - 2) of the true result, and Newton's estimates are within a unit or two
 * ({@code NewtonTest} checks them). An estimate off by more would pass only if its remainder,
 * modulo 2^m - 1, happened to fall into the valid range, which is 2^CHECK_BITS times narrower than
 * the modulus. Estimates that fail are corrected exactly, but for a square root's estimate more
 * than a few units off where BigInteger cannot take the number: only a fault gives one, and it
 * stops the computation.
 * The Newton steps use the same wrap: the product whose leading half is known to cancel is formed
 * modulo 2^m - 1 just wide enough for what remains.
 */
final class Newton {

    /** Below this many bits the JDK's own division and square root are quick enough. */
    private static final int SMALL_BITS = 4096;
    /** Extra bits carried by each approximation beyond the precision it was asked for. */
    private static final int GUARD_BITS = 32;
    /** Width of a remainder check's modulus beyond the remainder's valid range. */
    private static final int CHECK_BITS = 64;
    /** A correction this many units or fewer is made by steps of one; larger ones divide. */
    private static final int STEP_BITS = 8;

    private final Multiplier mul;

    Newton(Multiplier mul) {
        this.mul = mul;
    }

    /** A divisor with its reciprocal, enough for floor divisions with quotients of up to some length. */
    record Divisor(LongInteger value, LongInteger reciprocal, long precision) { }

    /** b > 0 ready for {@link #floorDiv(LongInteger, Divisor)} of quotients up to {@code quotientBits} bits. */
    Divisor divisor(LongInteger b, long quotientBits) {
        long precision = halfPrecision(quotientBits);
        return new Divisor(b, reciprocal(b, precision), precision);
    }

    /** floor(a / b) for a ≥ 0; b's reciprocal is computed again here if it is not precise enough. */
    LongInteger floorDiv(LongInteger a, Divisor divisor) {
        LongInteger b = divisor.value();
        long quotientBits = a.bitLength() - b.bitLength() + 1;
        if (quotientBits <= 0) {
            return LongInteger.ZERO;
        }
        if ((b.bitLength() < SMALL_BITS || quotientBits < SMALL_BITS) && small(a)) {
            return LongInteger.of(a.toBigInteger().divide(b.toBigInteger()));
        }
        if (divisor.precision() < halfPrecision(quotientBits)) {
            divisor = divisor(b, quotientBits);
        }
        return correctQuotient(a, b, quotient(a, divisor, quotientBits));
    }

    /** The precision of the reciprocal that gives half a quotient of this many bits (see {@link #quotient}). */
    private static long halfPrecision(long quotientBits) {
        return Math.min(quotientBits, (quotientBits + GUARD_BITS) / 2 + GUARD_BITS);
    }

    /**
     * floor(a / b), give or take a unit or two, for a quotient of {@code quotientBits} bits, by
     * Karp and Markstein's division: a reciprocal of b to half the quotient's precision gives the
     * quotient's upper half, and the remainder that half leaves, times the same reciprocal, gives
     * the lower half. Against a full-precision reciprocal times a, that saves the reciprocal's last
     * Newton step and turns the full-length product into two of half the length and one formed
     * modulo 2^m - 1 (at 10^7 digits, 3.2-3.5 times the time of a product of b's length instead of
     * 3.4-4.0, docs/PERFORMANCE.md).
     */
    LongInteger quotient(LongInteger a, Divisor divisor, long quotientBits) {
        LongInteger b = divisor.value();
        LongInteger x = divisor.reciprocal();
        long nb = b.bitLength();
        long h = divisor.precision();
        long k = Math.max(0, quotientBits - h);
        // upper = a / (b·2^k) to within a unit or two: its h bits need only a's top bits.
        long drop = Math.max(0, a.bitLength() - (h + 2 * GUARD_BITS));
        LongInteger upper = mul.multiply(a.shiftRight(drop), x).shiftRight(nb + h + k - drop);
        // r = floor(a / 2^k) - upper·b is then a few times b at most, and its leading bits cancel.
        LongInteger r = remainder(a.shiftRight(k), upper, b, nb + 2 * GUARD_BITS);
        // a / b = upper·2^k + (r·2^k + a mod 2^k) / b, where a mod 2^k adds less than 2^k / b ≪ 1.
        long rDrop = Math.max(0, r.bitLength() - (k + 2 * GUARD_BITS));
        LongInteger lower = mul.multiply(r.shiftRight(rDrop), x).shiftRight(nb + h - k - rDrop);
        return upper.shiftLeft(k).add(lower);
    }

    /** floor(a / b) from an estimate q of it. */
    LongInteger correctQuotient(LongInteger a, LongInteger b, LongInteger q) {
        long nb = b.bitLength();
        // a - q·b in [0, b) identifies floor(a / b); checked modulo 2^m - 1 (see the class comment).
        long m = mul.cyclicBits(nb + CHECK_BITS);
        if (difference(FastMultiply.mersenne(a, m), mul.cyclic(q, b, m), m).compareTo(b) < 0) {
            return q;
        }
        LongInteger rem = a.subtract(mul.multiply(q, b));
        if (rem.bitLength() > nb + STEP_BITS) {
            BigInteger[] qr = rem.toBigInteger().divideAndRemainder(b.toBigInteger());
            q = q.add(LongInteger.of(qr[0]));
            rem = LongInteger.of(qr[1]);
        }
        while (rem.signum() < 0) {
            rem = rem.add(b);
            q = q.subtract(LongInteger.ONE);
        }
        while (rem.compareTo(b) >= 0) {
            rem = rem.subtract(b);
            q = q.add(LongInteger.ONE);
        }
        return q;
    }

    /**
     * Approximates 2^(n + p) / d, where n is the bit length of d > 0, to a relative error of about
     * 2^-(p + GUARD_BITS / 2): the Newton step x + x(1 - dx) doubles the correct bits of x, so each
     * level only needs the one below it at half the precision.
     */
    LongInteger reciprocal(LongInteger d, long p) {
        long drop = Math.max(0, d.bitLength() - (p + GUARD_BITS));
        LongInteger top = d.shiftRight(drop);
        long nt = top.bitLength();
        if (p <= SMALL_BITS) {
            return LongInteger.of(BigInteger.ONE.shiftLeft((int) (nt + p)).divide(top.toBigInteger()));
        }
        long h = p / 2 + GUARD_BITS;
        LongInteger x = reciprocal(top, h);
        // e = 2^(nt+h) - top*x is about 2^nt times x's error in units: top*x's leading h bits cancel.
        LongInteger e = cancelled(nt + h, LongInteger.ONE, top, x, nt + 2 * GUARD_BITS);
        long eDrop = Math.max(0, e.bitLength() - (p - h + GUARD_BITS));
        LongInteger correction = mul.multiply(x, e.shiftRight(eDrop)).shiftRight(nt + 2 * h - p - eDrop);
        return x.shiftLeft(p - h).add(correction);
    }

    /** floor(sqrt(a)) for a ≥ 0. */
    LongInteger floorSqrt(LongInteger a) {
        if (a.bitLength() < 2 * SMALL_BITS) {
            return LongInteger.of(a.toBigInteger().sqrt());
        }
        // s ≈ a * (1/sqrt(a)): the inverse root needs no division, then one exact correction.
        long half = (a.bitLength() + 1) / 2;
        long p = half + GUARD_BITS;
        LongInteger y = inverseSqrt(a, p);
        long shift = a.bitLength() % 2 == 0 ? 0 : 1;
        // y ≈ 2^(p + (n + shift) / 2) / sqrt(a), so a*y / 2^(p + (n + shift) / 2) ≈ sqrt(a).
        long scale = p + (a.bitLength() + shift) / 2;
        long drop = Math.max(0, a.bitLength() - (p + GUARD_BITS));
        LongInteger s = times(a.shiftRight(drop), y).shiftRight(scale - drop);
        return correctSqrt(a, s);
    }

    /**
     * 2^k - c·x·y, whose magnitude is known to be below 2^(width - 2) (c is 1, or the odd part of
     * a root's argument: 10005 for π): formed modulo 2^m - 1 with m ≥ width, so only the part that
     * does not cancel is computed, then read as a signed value. Should the magnitude be larger
     * after all, the residue would be meaningless; it is then formed exactly.
     */
    private LongInteger cancelled(long k, LongInteger c, LongInteger x, LongInteger y, long width) {
        long m = mul.cyclicBits(width);
        if (x.bitLength() + y.bitLength() > m) {
            LongInteger signed = signed(difference(LongInteger.powerOfTwo(k % m),
                    FastMultiply.mersenne(mul.multiply(c, mul.cyclic(x, y, m)), m), m), m);
            if (signed != null) {
                return signed;
            }
        }
        return LongInteger.powerOfTwo(k).subtract(mul.multiply(c, x == y ? mul.square(x) : mul.multiply(x, y)));
    }

    /**
     * a - x·y, whose magnitude is known to be below 2^(width - 2): formed modulo 2^m - 1 with
     * m ≥ width, as {@link #cancelled} forms its difference, or exactly should it be larger.
     */
    private LongInteger remainder(LongInteger a, LongInteger x, LongInteger y, long width) {
        long m = mul.cyclicBits(width);
        if (x.bitLength() + y.bitLength() > m) {
            LongInteger signed = signed(difference(FastMultiply.mersenne(a, m), mul.cyclic(x, y, m), m), m);
            if (signed != null) {
                return signed;
            }
        }
        return a.subtract(mul.multiply(x, y));
    }

    /** A residue modulo 2^m - 1 read as a value of magnitude below 2^(m - 2), or null if it is none. */
    private static LongInteger signed(LongInteger r, long m) {
        LongInteger signed = r.bitLength() < m - 1 ? r : r.subtract(modulus(m));
        return signed.bitLength() < m - 2 ? signed : null;
    }

    /** (x - y) mod (2^m - 1) for x, y in [0, 2^m - 1). */
    private static LongInteger difference(LongInteger x, LongInteger y, long m) {
        LongInteger d = x.subtract(y);
        return d.signum() < 0 ? d.add(modulus(m)) : d;
    }

    /** 2^m - 1. */
    private static LongInteger modulus(long m) {
        return LongInteger.powerOfTwo(m).subtract(LongInteger.ONE);
    }

    /** Whether BigInteger's division and root can take a. */
    private static boolean small(LongInteger a) {
        return a.bitLength() < Integer.MAX_VALUE / 2;
    }

    /**
     * Multiplies, leaving trailing zero bits out: a root of a small number times a power of two
     * (√10005 · 2^k) then costs a short multiplication instead of a full one.
     */
    private LongInteger times(LongInteger a, LongInteger b) {
        long za = Math.max(0, a.getLowestSetBit());
        long zb = Math.max(0, b.getLowestSetBit());
        return mul.multiply(a.shiftRight(za), b.shiftRight(zb)).shiftLeft(za + zb);
    }

    /** floor(sqrt(a)) from an estimate s of it. */
    LongInteger correctSqrt(LongInteger a, LongInteger s) {
        // a - s^2 in [0, 2s] identifies floor(sqrt(a)); checked modulo 2^m - 1 (see the class comment).
        long m = mul.cyclicBits(s.bitLength() + 1 + CHECK_BITS);
        if (difference(FastMultiply.mersenne(a, m), mul.cyclic(s, s, m), m).compareTo(s.shiftLeft(1)) <= 0) {
            return s;
        }
        LongInteger rem = a.subtract(mul.square(s));
        if (rem.abs().compareTo(s.shiftLeft(3)) > 0) {
            // more than a few units off, which the iteration never is: start afresh where BigInteger
            // can, rather than step towards the root one unit at a time, which would not end
            if (!small(a)) {
                throw new ArithmeticFault("A square root's estimate of " + s.bitLength() + " bits is far from the"
                        + " root: the arithmetic of this computation is faulty, so none of its digits is given");
            }
            return LongInteger.of(a.toBigInteger().sqrt());
        }
        while (rem.signum() < 0) {
            rem = rem.add(s.shiftLeft(1)).subtract(LongInteger.ONE);
            s = s.subtract(LongInteger.ONE);
        }
        // (s + 1)^2 = s^2 + 2s + 1
        while (rem.compareTo(s.shiftLeft(1)) > 0) {
            s = s.add(LongInteger.ONE);
            rem = rem.subtract(s.shiftLeft(1)).add(LongInteger.ONE);
        }
        return s;
    }

    /**
     * Approximates 2^(p + m) / sqrt(a) with m = ceil(n / 2) rounded so that n + (n mod 2) is even,
     * i.e. a value of about p bits, by the division-free iteration y + y(1 - a y^2) / 2.
     */
    LongInteger inverseSqrt(LongInteger a, long p) {
        long n = a.bitLength();
        long even = n + (n % 2);
        long drop = Math.max(0, n - (p + GUARD_BITS));
        drop += drop % 2;
        LongInteger top = a.shiftRight(drop);
        long nt = even - drop;
        if (p <= SMALL_BITS) {
            // 2^(p + nt/2) / sqrt(top) = sqrt(2^(2p + nt) / top)
            return LongInteger.of(BigInteger.ONE.shiftLeft((int) (2 * p + nt)).divide(top.toBigInteger()).sqrt());
        }
        long h = p / 2 + GUARD_BITS;
        LongInteger y = inverseSqrt(top, h);
        // top·y^2 ≈ 2^(2h + nt); e = 2^(2h + nt) - top·y^2 ≈ 2^(h + nt) times y's error in units. With
        // top = odd·2^z (10005·2^z for π), e = 2^z·(2^(2h + nt - z) - odd·y^2), whose leading h bits cancel.
        long z = top.getLowestSetBit();
        LongInteger odd = top.shiftRight(z);
        LongInteger e = cancelled(2 * h + nt - z, odd, y, y, h + nt - z + 2 * GUARD_BITS).shiftLeft(z);
        long eDrop = Math.max(0, e.bitLength() - (p - h + GUARD_BITS));
        LongInteger correction = mul.multiply(y, e.shiftRight(eDrop)).shiftRight(2 * h + nt + 1 + h - p - eDrop);
        return y.shiftLeft(p - h).add(correction);
    }
}
