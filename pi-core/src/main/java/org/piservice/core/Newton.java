package org.piservice.core;

import java.math.BigInteger;
import org.piservice.core.mul.FastMultiply;

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
 * the modulus. Estimates that fail are corrected exactly.
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

    private final Multiplier mul;

    Newton(Multiplier mul) {
        this.mul = mul;
    }

    /** floor(a / b) for a ≥ 0, b > 0. */
    BigInteger floorDiv(BigInteger a, BigInteger b) {
        int quotientBits = a.bitLength() - b.bitLength() + 1;
        if (quotientBits <= 0) {
            return BigInteger.ZERO;
        }
        if (b.bitLength() < SMALL_BITS || quotientBits < SMALL_BITS) {
            return a.divide(b);
        }
        int precision = quotientBits + GUARD_BITS;
        int nb = b.bitLength();
        BigInteger inverse = reciprocal(b, precision);
        int drop = Math.max(0, a.bitLength() - (precision + GUARD_BITS));
        return correctQuotient(a, b, mul.multiply(a.shiftRight(drop), inverse).shiftRight(nb + precision - drop));
    }

    /** floor(a / b) from an estimate q of it. */
    BigInteger correctQuotient(BigInteger a, BigInteger b, BigInteger q) {
        int nb = b.bitLength();
        // a - q·b in [0, b) identifies floor(a / b); checked modulo 2^m - 1 (see the class comment).
        int m = mul.cyclicBits(nb + CHECK_BITS);
        if (difference(FastMultiply.mersenne(a, m), mul.cyclic(q, b, m), m).compareTo(b) < 0) {
            return q;
        }
        BigInteger rem = a.subtract(mul.multiply(q, b));
        BigInteger[] qr = rem.divideAndRemainder(b);
        q = q.add(qr[0]);
        return qr[1].signum() < 0 ? q.subtract(BigInteger.ONE) : q;
    }

    /**
     * Approximates 2^(n + p) / d, where n is the bit length of d > 0, to a relative error of about
     * 2^-(p + GUARD_BITS / 2): the Newton step x + x(1 - dx) doubles the correct bits of x, so each
     * level only needs the one below it at half the precision.
     */
    BigInteger reciprocal(BigInteger d, int p) {
        int drop = Math.max(0, d.bitLength() - (p + GUARD_BITS));
        BigInteger top = d.shiftRight(drop);
        int nt = top.bitLength();
        if (p <= SMALL_BITS) {
            return BigInteger.ONE.shiftLeft(nt + p).divide(top);
        }
        int h = p / 2 + GUARD_BITS;
        BigInteger x = reciprocal(top, h);
        // e = 2^(nt+h) - top*x is about 2^nt times x's error in units: top*x's leading h bits cancel.
        BigInteger e = cancelled(nt + h, BigInteger.ONE, top, x, nt + 2 * GUARD_BITS);
        int eDrop = Math.max(0, e.bitLength() - (p - h + GUARD_BITS));
        BigInteger correction = mul.multiply(x, e.shiftRight(eDrop)).shiftRight(nt + 2 * h - p - eDrop);
        return x.shiftLeft(p - h).add(correction);
    }

    /** floor(sqrt(a)) for a ≥ 0. */
    BigInteger floorSqrt(BigInteger a) {
        if (a.bitLength() < 2 * SMALL_BITS) {
            return a.sqrt();
        }
        // s ≈ a * (1/sqrt(a)): the inverse root needs no division, then one exact correction.
        int half = (a.bitLength() + 1) / 2;
        int p = half + GUARD_BITS;
        BigInteger y = inverseSqrt(a, p);
        int shift = a.bitLength() % 2 == 0 ? 0 : 1;
        // y ≈ 2^(p + (n + shift) / 2) / sqrt(a), so a*y / 2^(p + (n + shift) / 2) ≈ sqrt(a).
        int scale = p + (a.bitLength() + shift) / 2;
        int drop = Math.max(0, a.bitLength() - (p + GUARD_BITS));
        BigInteger s = times(a.shiftRight(drop), y).shiftRight(scale - drop);
        return correctSqrt(a, s);
    }

    /**
     * 2^k - c·x·y, whose magnitude is known to be below 2^(width - 2) (c is 1, or the odd part of
     * a root's argument: 10005 for π): formed modulo 2^m - 1 with m ≥ width, so only the part that
     * does not cancel is computed, then read as a signed value. Should the magnitude be larger
     * after all, the residue would be meaningless; it is then formed exactly.
     */
    private BigInteger cancelled(int k, BigInteger c, BigInteger x, BigInteger y, int width) {
        int m = mul.cyclicBits(width);
        if ((long) x.bitLength() + y.bitLength() > m) {
            BigInteger r = difference(BigInteger.ONE.shiftLeft(k % m),
                    FastMultiply.mersenne(mul.multiply(c, mul.cyclic(x, y, m)), m), m);
            BigInteger signed = r.bitLength() < m - 1 ? r : r.subtract(modulus(m));
            if (signed.bitLength() < m - 2) {
                return signed;
            }
        }
        return BigInteger.ONE.shiftLeft(k).subtract(mul.multiply(c, x == y ? mul.square(x) : mul.multiply(x, y)));
    }

    /** (x - y) mod (2^m - 1) for x, y in [0, 2^m - 1). */
    private static BigInteger difference(BigInteger x, BigInteger y, int m) {
        BigInteger d = x.subtract(y);
        return d.signum() < 0 ? d.add(modulus(m)) : d;
    }

    /** 2^m - 1. */
    private static BigInteger modulus(int m) {
        return BigInteger.ONE.shiftLeft(m).subtract(BigInteger.ONE);
    }

    /**
     * Multiplies, leaving trailing zero bits out: a root of a small number times a power of two
     * (√10005 · 2^k) then costs a short multiplication instead of a full one.
     */
    private BigInteger times(BigInteger a, BigInteger b) {
        int za = Math.max(0, a.getLowestSetBit());
        int zb = Math.max(0, b.getLowestSetBit());
        return mul.multiply(a.shiftRight(za), b.shiftRight(zb)).shiftLeft(za + zb);
    }

    /** floor(sqrt(a)) from an estimate s of it. */
    BigInteger correctSqrt(BigInteger a, BigInteger s) {
        // a - s^2 in [0, 2s] identifies floor(sqrt(a)); checked modulo 2^m - 1 (see the class comment).
        int m = mul.cyclicBits(s.bitLength() + 1 + CHECK_BITS);
        if (difference(FastMultiply.mersenne(a, m), mul.cyclic(s, s, m), m).compareTo(s.shiftLeft(1)) <= 0) {
            return s;
        }
        BigInteger rem = a.subtract(mul.square(s));
        if (rem.abs().compareTo(s.shiftLeft(3)) > 0) {
            return a.sqrt(); // more than a few units off, which the iteration never is: start afresh
        }
        while (rem.signum() < 0) {
            rem = rem.add(s.shiftLeft(1)).subtract(BigInteger.ONE);
            s = s.subtract(BigInteger.ONE);
        }
        // (s + 1)^2 = s^2 + 2s + 1
        while (rem.compareTo(s.shiftLeft(1)) > 0) {
            s = s.add(BigInteger.ONE);
            rem = rem.subtract(s.shiftLeft(1)).add(BigInteger.ONE);
        }
        return s;
    }

    /**
     * Approximates 2^(p + m) / sqrt(a) with m = ceil(n / 2) rounded so that n + (n mod 2) is even,
     * i.e. a value of about p bits, by the division-free iteration y + y(1 - a y^2) / 2.
     */
    BigInteger inverseSqrt(BigInteger a, int p) {
        int n = a.bitLength();
        int even = n + (n % 2);
        int drop = Math.max(0, n - (p + GUARD_BITS));
        drop += drop % 2;
        BigInteger top = a.shiftRight(drop);
        int nt = even - drop;
        if (p <= SMALL_BITS) {
            // 2^(p + nt/2) / sqrt(top) = sqrt(2^(2p + nt) / top)
            return BigInteger.ONE.shiftLeft(2 * p + nt).divide(top).sqrt();
        }
        int h = p / 2 + GUARD_BITS;
        BigInteger y = inverseSqrt(top, h);
        // top·y^2 ≈ 2^(2h + nt); e = 2^(2h + nt) - top·y^2 ≈ 2^(h + nt) times y's error in units. With
        // top = odd·2^z (10005·2^z for π), e = 2^z·(2^(2h + nt - z) - odd·y^2), whose leading h bits cancel.
        int z = top.getLowestSetBit();
        BigInteger odd = top.shiftRight(z);
        BigInteger e = cancelled(2 * h + nt - z, odd, y, y, h + nt - z + 2 * GUARD_BITS).shiftLeft(z);
        int eDrop = Math.max(0, e.bitLength() - (p - h + GUARD_BITS));
        BigInteger correction = mul.multiply(y, e.shiftRight(eDrop)).shiftRight(2 * h + nt + 1 + h - p - eDrop);
        return y.shiftLeft(p - h).add(correction);
    }
}
