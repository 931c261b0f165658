package org.piservice.core.mul;

import java.math.BigInteger;

/**
 * Exact multiplication of {@link LongInteger}s that is quasi-linear for large operands. The JDK
 * stops at Toom-Cook 3 (about n^1.46); above {@link #PRODUCT_THRESHOLD_BITS} this switches to a
 * six-prime number-theoretic transform (O(n log n)), below it defers to {@link BigInteger#multiply}.
 *
 * <p>A product of n bits needs seven arrays of doubles (six residues and one operand; six for a
 * square) of the transform length, which is n/128 rounded up to 2^k, 3·2^k or 5·2^k (or down to
 * one of them, a little below n/128, where the product wraps around it): at most
 * (4/3)·7·n/16 = 7n/12 bytes, plus the result (n/8 bytes). For two 330-million-bit operands
 * (n = 660 million) that is at most 385 MB, and 294 MB at the 5·2^20-limb length they actually use.
 *
 * <p>Every product the transform forms is checked by {@link ProductCheck}: full products and sums
 * of products modulo 2^61 - 1, the wrapped ones ({@link #middleBits}, {@link #cyclic}) modulo
 * 2^1024 - 1, a divisor of the modulus they wrap around.
 */
public final class FastMultiply {

    /**
     * Below this (the smaller operand, in bits) the JDK forms {@link #productAndSum}'s products and
     * the wrapped ones ({@link #middleBits}, {@link #cyclic}), where the transform does less than a
     * full product's work. A merge's shared transform ({@code FastMultiplyBench crossover}) broke
     * even with three Toom-Cook products at about 22 Kibit on one core and 13-20 Kibit on two; the
     * wrapped products, whose transform is half a product long, gain from lower sizes still.
     */
    public static final int THRESHOLD_BITS = 14 * 1024;

    /**
     * Below this (the smaller operand, in bits) the JDK forms a lone product or square. Timed with
     * every size warmed up first ({@code FastMultiplyBench crossover}), the transform broke even
     * with Toom-Cook at about 45 Kibit on one core and 27 Kibit on two; in the series and the
     * conversion, products of this size run one per core beside each other, as on one core.
     */
    public static final int PRODUCT_THRESHOLD_BITS = 40 * 1024;

    /**
     * From this transform length (2^20 limbs, which products of more than 96 Mibit take: the top
     * merges of the series from about 1.5·10^7 digits) {@link #productAndSum} forms its two results
     * one after the other, which is what bounds the engine's memory there; below it, the shared
     * transform is faster.
     */
    static final int SEPARATE_LIMBS = 1 << 20;

    private FastMultiply() {
    }

    public static LongInteger multiply(LongInteger a, LongInteger b) {
        if (a == b) {
            return square(a);
        }
        if (a.signum() == 0 || b.signum() == 0) {
            return LongInteger.ZERO;
        }
        if (byJdk(a, b)) {
            return LongInteger.of(a.toBigInteger().multiply(b.toBigInteger()));
        }
        return byTransform(a, b);
    }

    public static LongInteger square(LongInteger a) {
        if (a.signum() == 0) {
            return a;
        }
        if (byJdk(a, a)) {
            BigInteger x = a.toBigInteger();
            return LongInteger.of(x.multiply(x));
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
    public static LongInteger[] productAndSum(LongInteger x, LongInteger y, LongInteger z, LongInteger u,
                                             LongInteger v) {
        return productAndSum(x, y, z, u, v, SEPARATE_LIMBS);
    }

    /** {@link #productAndSum}, forming the two results separately from {@code separateLimbs} on. */
    static LongInteger[] productAndSum(LongInteger x, LongInteger y, LongInteger z, LongInteger u,
                                       LongInteger v, int separateLimbs) {
        int sign = x.signum() * z.signum();
        long smallest = Math.min(Math.min(x.bitLength(), y.bitLength()),
                Math.min(z.bitLength(), Math.min(u.bitLength(), v.bitLength())));
        if (sign == 0 || sign != u.signum() * v.signum() || smallest < THRESHOLD_BITS) {
            return new LongInteger[] {multiply(x, y), multiply(x, z).add(multiply(u, v))};
        }
        int productSign = x.signum() * y.signum();
        int limbs = NttConvolution.limbs(x) + Math.max(NttConvolution.limbs(y), NttConvolution.limbs(z));
        long rx = ProductCheck.residue(x);
        long productResidue = ProductCheck.multiply(rx, ProductCheck.residue(y));
        long sumResidue = ProductCheck.add(ProductCheck.multiply(rx, ProductCheck.residue(z)),
                ProductCheck.multiply(ProductCheck.residue(u), ProductCheck.residue(v)));
        if (NttConvolution.length(limbs) < separateLimbs) {
            long[][] out = NttConvolution.sumsOfProducts(new LongInteger[] {x, y, z, u, v},
                    new int[][] {{0, 1}, {0, 2, 3, 4}});
            return new LongInteger[] {ProductCheck.verify(productResidue, LongInteger.of(productSign, out[0])),
                    ProductCheck.verify(sumResidue, LongInteger.of(sign, out[1]))};
        }
        // x·y first and then the sum: x is transformed twice (eight transforms per prime instead of
        // seven), and at most eight arrays of the transform's length are held at once, not thirteen.
        LongInteger product = ProductCheck.verify(productResidue,
                LongInteger.of(productSign, NttConvolution.multiply(x, y)));
        return new LongInteger[] {product, ProductCheck.verify(sumResidue, LongInteger.of(sign,
                NttConvolution.sumsOfProducts(new LongInteger[] {x, z, u, v}, new int[][] {{0, 1, 2, 3}})[0]))};
    }

    /**
     * Bits [from, to) of a·b for a, b ≥ 0, that is floor(a·b / 2^from) mod 2^(to - from), or one
     * more than that (mod 2^(to - from)). The transform is only about max(to, |a| + |b| - from)
     * bits long instead of |a| + |b|: the product wraps around at that length, which adds its top
     * part to the bits below {@code from}, and being smaller than 2^from it can carry at most one
     * unit upwards.
     */
    public static LongInteger middleBits(LongInteger a, LongInteger b, long from, long to) {
        // Bits of the operands from `to` up only reach bits of the product from `to` up.
        LongInteger x = a.low(to);
        LongInteger y = b.low(to);
        long full = x.bitLength() + y.bitLength();
        long wrap = Math.max(to, full - from + 1);
        if (Math.min(x.bitLength(), y.bitLength()) < THRESHOLD_BITS || wrap >= full) {
            return multiply(x, y).shiftRight(from).low(to - from);
        }
        return LongInteger.of(1, wrapped(x, y, limbsFor(wrap))).shiftRight(from).low(to - from);
    }

    /**
     * The smallest m ≥ minBits for which {@link #cyclic} wraps at a transform length of its own:
     * m/128 limbs, a length of the form 2^k, 3·2^k or 5·2^k.
     */
    public static long cyclicBits(long minBits) {
        return 128L * NttConvolution.length(limbsFor(minBits));
    }

    /**
     * a·b mod (2^bits - 1) for a, b ≥ 0. With bits from {@link #cyclicBits}, the product wraps
     * around at a transform of bits/128 limbs instead of (|a| + |b|)/128, as 2^bits ≡ 1; any other
     * bits, or small operands, take the full product.
     */
    public static LongInteger cyclic(LongInteger a, LongInteger b, long bits) {
        LongInteger x = mersenne(a, bits);
        LongInteger y = a == b ? x : mersenne(b, bits);
        long full = x.bitLength() + y.bitLength();
        if (Math.min(x.bitLength(), y.bitLength()) < THRESHOLD_BITS || full <= bits
                || cyclicBits(bits) != bits) {
            return mersenne(multiply(x, y), bits);
        }
        return mersenne(LongInteger.of(1, wrapped(x, y, limbsFor(bits))), bits);
    }

    /** x·y for x, y ≥ 0 wrapped around at the transform length that {@code minLimbs} takes, checked. */
    private static long[] wrapped(LongInteger x, LongInteger y, int minLimbs) {
        return ProductCheck.verifyWrapped(x, y, NttConvolution.wrapped(x, y, minLimbs), NttConvolution.length(minLimbs));
    }

    /** x mod (2^bits - 1) for x ≥ 0: the sum of its bits-wide pieces, as 2^bits ≡ 1. */
    public static LongInteger mersenne(LongInteger x, long bits) {
        while (x.bitLength() > bits) {
            x = x.shiftRight(bits).add(x.low(bits));
        }
        // Below 2^bits, x is the modulus itself exactly when x + 1 reaches 2^bits.
        return x.add(LongInteger.ONE).bitLength() > bits ? LongInteger.ZERO : x;
    }

    /** The transform path at any size; {@code b == a} squares. */
    static LongInteger byTransform(LongInteger a, LongInteger b) {
        long ra = ProductCheck.residue(a);
        long expected = ProductCheck.multiply(ra, a == b ? ra : ProductCheck.residue(b));
        return ProductCheck.verify(expected, LongInteger.of(a.signum() * b.signum(), NttConvolution.multiply(a, b)));
    }

    /**
     * Whether the JDK multiplies these: a short operand, and a product BigInteger can hold (the
     * other operand may be far longer, as √10005·2^k times 426880 is).
     */
    private static boolean byJdk(LongInteger a, LongInteger b) {
        return Math.min(a.bitLength(), b.bitLength()) < PRODUCT_THRESHOLD_BITS
                && a.bitLength() + b.bitLength() < LongInteger.BIG_INTEGER_BITS - 64;
    }

    /** 128-bit limbs for a number of bits. */
    private static int limbsFor(long bits) {
        return Math.toIntExact((bits + 127) / 128);
    }
}
