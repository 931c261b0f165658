package org.piservice.core.mul;

import java.math.BigInteger;

/**
 * Exact BigInteger multiplication that is quasi-linear for large operands. The JDK stops at
 * Toom-Cook 3 (about n^1.46); above {@link #THRESHOLD_BITS} this switches to a five-prime
 * number-theoretic transform (O(n log n)), below it defers to {@link BigInteger#multiply}.
 *
 * <p>Every product a BigInteger can represent is supported. A product of n bits needs six arrays
 * of longs (five residues and one operand; five for a square) of the transform length, which is
 * n/128 rounded up to 2^k or 3·2^k: at most 1.5·6·n/16 = 0.56·n bytes, plus the operands as word
 * arrays and the result as a byte array (n/8 bytes in all). For two 330-million-bit operands (n = 660 million)
 * that is at most 371 MB, and 302 MB at the 3·2^21-limb length they actually use.
 */
public final class FastMultiply {

    /**
     * Operands smaller than this (the smaller one, in bits) are multiplied by the JDK. On a 2-core
     * x86 machine ({@code FastMultiplyBench crossover}, two runs) the five-prime transform broke
     * even with Toom-Cook at about 12.5 Kibit and was 1.4-1.7x faster from 15.6 Kibit on; the
     * threshold sits above the noisy break-even.
     */
    public static final int THRESHOLD_BITS = 14 * 1024;

    /**
     * From this transform length (2^20 limbs, which products of more than 96 Mibit take: the top
     * merges of the series from about 1.5·10^7 digits) {@link #productAndSum} forms its two results
     * one after the other, which is what bounds the engine's memory there; below it, the shared
     * transform is faster.
     */
    static final int SEPARATE_LIMBS = 1 << 20;

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

    /**
     * {x·y, x·z + u·v}, the two products a binary-splitting merge needs besides P, with x shared.
     * On the transform path x is transformed once and the sum is formed before transforming back:
     * seven transforms per prime instead of nine, and two recombinations instead of three. That
     * takes x·z and u·v of the same sign (their magnitudes then add); otherwise, or below the
     * threshold, the products are formed one by one.
     */
    public static BigInteger[] productAndSum(BigInteger x, BigInteger y, BigInteger z, BigInteger u,
                                             BigInteger v) {
        return productAndSum(x, y, z, u, v, SEPARATE_LIMBS);
    }

    /** {@link #productAndSum}, forming the two results separately from {@code separateLimbs} on. */
    static BigInteger[] productAndSum(BigInteger x, BigInteger y, BigInteger z, BigInteger u, BigInteger v,
                                      int separateLimbs) {
        int sign = x.signum() * z.signum();
        int smallest = Math.min(Math.min(x.bitLength(), y.bitLength()),
                Math.min(z.bitLength(), Math.min(u.bitLength(), v.bitLength())));
        if (sign == 0 || sign != u.signum() * v.signum() || smallest < THRESHOLD_BITS) {
            return new BigInteger[] {multiply(x, y), multiply(x, z).add(multiply(u, v))};
        }
        checkRange(x, y);
        checkRange(x, z);
        checkRange(u, v);
        int productSign = x.signum() * y.signum();
        long[][] in = {Limbs.words(x), Limbs.words(y), Limbs.words(z), Limbs.words(u), Limbs.words(v)};
        int limbs = NttConvolution.limbs(in[0]) + Math.max(NttConvolution.limbs(in[1]),
                NttConvolution.limbs(in[2]));
        if (NttConvolution.length(limbs) < separateLimbs) {
            byte[][] out = NttConvolution.sumsOfProducts(in, new int[][] {{0, 1}, {0, 2, 3, 4}});
            return new BigInteger[] {new BigInteger(productSign, out[0]), new BigInteger(sign, out[1])};
        }
        // x·y first and then the sum: x is transformed twice (eight transforms per prime instead of
        // seven), and at most eight arrays of the transform's length are held at once, not thirteen.
        BigInteger product = new BigInteger(productSign,
                NttConvolution.sumsOfProducts(new long[][] {in[0], in[1]}, new int[][] {{0, 1}})[0]);
        long[][] sumIn = {in[0], in[2], in[3], in[4]};
        in = null; // y's words are not needed for the sum
        return new BigInteger[] {product,
                new BigInteger(sign, NttConvolution.sumsOfProducts(sumIn, new int[][] {{0, 1, 2, 3}})[0])};
    }

    /**
     * Bits [from, to) of a·b for a, b ≥ 0, that is floor(a·b / 2^from) mod 2^(to - from), or one
     * more than that (mod 2^(to - from)). The transform is only about max(to, |a| + |b| - from)
     * bits long instead of |a| + |b|: the product wraps around at that length, which adds its top
     * part to the bits below {@code from}, and being smaller than 2^from it can carry at most one
     * unit upwards.
     */
    public static BigInteger middleBits(BigInteger a, BigInteger b, int from, int to) {
        // Bits of the operands from `to` up only reach bits of the product from `to` up.
        BigInteger x = low(a, to);
        BigInteger y = low(b, to);
        long full = (long) x.bitLength() + y.bitLength();
        long wrap = Math.max(to, full - from + 1);
        if (Math.min(x.bitLength(), y.bitLength()) < THRESHOLD_BITS || wrap >= full) {
            return low(multiply(x, y).shiftRight(from), to - from);
        }
        byte[] folded = NttConvolution.wrapped(Limbs.words(x), Limbs.words(y), (int) ((wrap + 127) / 128));
        return low(new BigInteger(1, folded).shiftRight(from), to - from);
    }

    /**
     * The smallest m ≥ minBits for which {@link #cyclic} wraps at a transform length of its own:
     * m/128 limbs, a length of the form 2^k or 3·2^k.
     */
    public static int cyclicBits(int minBits) {
        return 128 * NttConvolution.length((int) ((minBits + 127L) / 128));
    }

    /**
     * a·b mod (2^bits - 1) for a, b ≥ 0. With bits from {@link #cyclicBits}, the product wraps
     * around at a transform of bits/128 limbs instead of (|a| + |b|)/128, as 2^bits ≡ 1; any other
     * bits, or small operands, take the full product.
     */
    public static BigInteger cyclic(BigInteger a, BigInteger b, int bits) {
        BigInteger x = mersenne(a, bits);
        BigInteger y = a == b ? x : mersenne(b, bits);
        long full = (long) x.bitLength() + y.bitLength();
        if (Math.min(x.bitLength(), y.bitLength()) < THRESHOLD_BITS || full <= bits
                || cyclicBits(bits) != bits) {
            return mersenne(multiply(x, y), bits);
        }
        long[] wordsX = Limbs.words(x);
        long[] wordsY = x == y ? wordsX : Limbs.words(y);
        return mersenne(new BigInteger(1, NttConvolution.wrapped(wordsX, wordsY, bits / 128)), bits);
    }

    /** x mod (2^bits - 1) for x ≥ 0: the sum of its bits-wide pieces, as 2^bits ≡ 1. */
    public static BigInteger mersenne(BigInteger x, int bits) {
        while (x.bitLength() > bits) {
            x = x.shiftRight(bits).add(low(x, bits));
        }
        return x.bitLength() == bits && x.bitCount() == bits ? BigInteger.ZERO : x;
    }

    /** x mod 2^bits for x ≥ 0. */
    public static BigInteger low(BigInteger x, int bits) {
        return x.bitLength() <= bits ? x : x.subtract(x.shiftRight(bits).shiftLeft(bits));
    }

    /** The transform path at any size; {@code b == a} squares. */
    static BigInteger byTransform(BigInteger a, BigInteger b) {
        checkRange(a, b);
        long[] wordsA = Limbs.words(a);
        long[] wordsB = a == b ? wordsA : Limbs.words(b);
        return new BigInteger(a.signum() * b.signum(), NttConvolution.multiply(wordsA, wordsB));
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
