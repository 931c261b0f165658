package org.piservice.core.mul;

import java.math.BigInteger;

/**
 * Exact BigInteger multiplication that is quasi-linear for large operands. The JDK stops at
 * Toom-Cook 3 (about n^1.46); above {@link #THRESHOLD_BITS} this switches to a three-prime
 * number-theoretic transform (O(n log n)), below it defers to {@link BigInteger#multiply}.
 *
 * <p>Every product a BigInteger can represent is supported. A product of n bits needs four arrays
 * of longs (three residues and one operand; three for a square) of the transform length, which is
 * n/64 rounded up to 2^k or 3·2^k: at most 1.5·4·n/8 = 0.75·n bytes, plus the operands and the
 * result as byte arrays (n/8 bytes in all). For two 330-million-bit operands (n = 660 million)
 * that is at most 495 MB, and 403 MB at the 3·2^22-limb length they actually use.
 */
public final class FastMultiply {

    /**
     * Operands smaller than this (the smaller one, in bits) are multiplied by the JDK. On a 2-core
     * x86 machine ({@code FastMultiplyBench crossover}, three runs on a busy machine) the transform
     * broke even with Toom-Cook somewhere between 8 and 16 Kibit and was 1.5-4x faster from
     * 19 Kibit on; the threshold sits above the noisy break-even.
     */
    public static final int THRESHOLD_BITS = 20 * 1024;

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
