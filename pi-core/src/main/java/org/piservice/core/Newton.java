package org.piservice.core;

import java.math.BigInteger;

/**
 * Exact floor division and square root for large numbers, built from multiplications only (Newton
 * iterations at doubling precision), so they get as fast as the {@link Multiplier} they are given.
 * Each result is corrected against its remainder, so exactness never depends on the iteration's
 * error analysis; the iteration only has to be close for the correction to stay cheap.
 */
final class Newton {

    /** Below this many bits the JDK's own division and square root are quick enough. */
    private static final int SMALL_BITS = 4096;
    /** Extra bits carried by each approximation beyond the precision it was asked for. */
    private static final int GUARD_BITS = 32;

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
        BigInteger q = mul.multiply(a.shiftRight(drop), inverse).shiftRight(nb + precision - drop);
        BigInteger rem = a.subtract(mul.multiply(q, b));
        if (rem.signum() < 0 || rem.compareTo(b) >= 0) {
            BigInteger[] qr = rem.divideAndRemainder(b);
            q = q.add(qr[0]);
            if (qr[1].signum() < 0) {
                q = q.subtract(BigInteger.ONE);
            }
        }
        return q;
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
        // e = 2^(nt+h) - top*x is about 2^nt * 2^-h: only its leading p - h bits matter.
        BigInteger e = BigInteger.ONE.shiftLeft(nt + h).subtract(mul.multiply(top, x));
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
     * Multiplies, leaving trailing zero bits out: a root of a small number times a power of two
     * (√10005 · 2^k) then costs a short multiplication instead of a full one.
     */
    private BigInteger times(BigInteger a, BigInteger b) {
        int za = Math.max(0, a.getLowestSetBit());
        int zb = Math.max(0, b.getLowestSetBit());
        return mul.multiply(a.shiftRight(za), b.shiftRight(zb)).shiftLeft(za + zb);
    }

    private BigInteger correctSqrt(BigInteger a, BigInteger s) {
        BigInteger rem = a.subtract(mul.square(s));
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
    private BigInteger inverseSqrt(BigInteger a, int p) {
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
        // top * y^2 ≈ 2^(2h + nt); e = 2^(2h + nt) - top*y^2 ≈ 2^(2h + nt) * 2^-h
        BigInteger e = BigInteger.ONE.shiftLeft(2 * h + nt).subtract(times(top, mul.square(y)));
        int eDrop = Math.max(0, e.bitLength() - (p - h + GUARD_BITS));
        BigInteger correction = mul.multiply(y, e.shiftRight(eDrop)).shiftRight(2 * h + nt + 1 + h - p - eDrop);
        return y.shiftLeft(p - h).add(correction);
    }
}
