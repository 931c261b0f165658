package org.piservice.core.mul;

import java.math.BigInteger;

/**
 * Exact BigInteger multiplication that is quasi-linear for large operands. The JDK stops at
 * Toom-Cook 3 (about n^1.46); above {@link #THRESHOLD_BITS} this switches to a three-prime
 * number-theoretic transform (O(n log n)), below it defers to {@link BigInteger#multiply}.
 *
 * <p>Every product a BigInteger can represent is supported. A product of n bits needs about
 * 4·n/64·8 bytes = n/2 bytes of transform memory while it runs (three residue arrays and one
 * operand array of the padded power-of-two length, i.e. up to twice that after rounding), plus the
 * operands and result as byte arrays.
 */
public final class FastMultiply {

    /**
     * Operands smaller than this (the smaller one, in bits) are multiplied by the JDK. Chosen from
     * the crossover measured by {@code FastMultiplyBench} on a 2-core x86 machine.
     */
    public static final int THRESHOLD_BITS = 64 * 1024;

    private FastMultiply() {
    }

    public static BigInteger multiply(BigInteger a, BigInteger b) {
        if (a == b) {
            return square(a);
        }
        if (Math.min(a.bitLength(), b.bitLength()) < THRESHOLD_BITS) {
            return a.multiply(b);
        }
        return byTransform(a, b);
    }

    public static BigInteger square(BigInteger a) {
        if (a.bitLength() < THRESHOLD_BITS) {
            return a.multiply(a);
        }
        return byTransform(a, a);
    }

    /** The transform path at any size; {@code b == a} squares. */
    static BigInteger byTransform(BigInteger a, BigInteger b) {
        checkRange(a, b);
        byte[] magnitudeA = Limbs.magnitude(a);
        byte[] magnitudeB = a == b ? magnitudeA : Limbs.magnitude(b);
        return new BigInteger(a.signum() * b.signum(), NttConvolution.multiply(magnitudeA, magnitudeB));
    }

    /**
     * Fails before allocating anything when the product surely exceeds BigInteger's range
     * (2^31 - 1 bits), with the message BigInteger itself uses; borderline cases are caught by the
     * BigInteger constructor.
     */
    private static void checkRange(BigInteger a, BigInteger b) {
        if ((long) a.bitLength() + b.bitLength() - 1 > Integer.MAX_VALUE) {
            throw new ArithmeticException("BigInteger would overflow supported range");
        }
    }
}
