package org.piservice.core.mul;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Exactness of FastMultiply and of the transform path beneath its threshold, always against
 * BigInteger.multiply; plain in-memory tests.
 */
class FastMultiplyTest {

    private static final int LIMB = 128;
    private static final int THRESHOLD = FastMultiply.THRESHOLD_BITS;

    // FastMultiply's operations on BigIntegers, so that BigInteger's own arithmetic is the reference.

    private static BigInteger byTransform(BigInteger a, BigInteger b) {
        LongInteger x = LongInteger.of(a);
        return FastMultiply.byTransform(x, a == b ? x : LongInteger.of(b)).toBigInteger();
    }

    private static BigInteger multiply(BigInteger a, BigInteger b) {
        LongInteger x = LongInteger.of(a);
        return FastMultiply.multiply(x, a == b ? x : LongInteger.of(b)).toBigInteger();
    }

    private static BigInteger square(BigInteger a) {
        return FastMultiply.square(LongInteger.of(a)).toBigInteger();
    }

    private static BigInteger[] productAndSum(BigInteger x, BigInteger y, BigInteger z, BigInteger u, BigInteger v,
                                              int separateLimbs) {
        LongInteger[] r = FastMultiply.productAndSum(LongInteger.of(x), LongInteger.of(y), LongInteger.of(z),
                LongInteger.of(u), LongInteger.of(v), separateLimbs);
        return new BigInteger[] {r[0].toBigInteger(), r[1].toBigInteger()};
    }

    private static BigInteger[] productAndSum(BigInteger x, BigInteger y, BigInteger z, BigInteger u, BigInteger v) {
        return productAndSum(x, y, z, u, v, FastMultiply.SEPARATE_LIMBS);
    }

    private static BigInteger middleBits(BigInteger a, BigInteger b, int from, int to) {
        return FastMultiply.middleBits(LongInteger.of(a), LongInteger.of(b), from, to).toBigInteger();
    }

    private static BigInteger cyclic(BigInteger a, BigInteger b, long m) {
        LongInteger x = LongInteger.of(a);
        return FastMultiply.cyclic(x, a == b ? x : LongInteger.of(b), m).toBigInteger();
    }

    private static BigInteger mersenne(BigInteger a, long m) {
        return FastMultiply.mersenne(LongInteger.of(a), m).toBigInteger();
    }

    /** Both the public entry and the transform path (forced, so small sizes are covered too). */
    private static void assertExact(BigInteger a, BigInteger b) {
        BigInteger expected = a.multiply(b);
        assertThat(byTransform(a, b)).as("transform %d x %d bits", a.bitLength(), b.bitLength())
                .isEqualTo(expected);
        assertThat(multiply(a, b)).as("multiply %d x %d bits", a.bitLength(), b.bitLength())
                .isEqualTo(expected);
        assertThat(multiply(b, a)).isEqualTo(expected);
    }

    private static void assertSquareExact(BigInteger a) {
        BigInteger expected = a.multiply(a);
        assertThat(byTransform(a, a)).as("transform square %d bits", a.bitLength()).isEqualTo(expected);
        assertThat(square(a)).as("square %d bits", a.bitLength()).isEqualTo(expected);
        assertThat(multiply(a, a)).isEqualTo(expected);
    }

    /** A random number of exactly the given bit length (top bit set), randomly signed. */
    private static BigInteger random(int bits, Random random) {
        if (bits == 0) {
            return BigInteger.ZERO;
        }
        BigInteger x = new BigInteger(bits - 1, random).setBit(bits - 1);
        return random.nextBoolean() ? x : x.negate();
    }

    static IntStream randomSizes() {
        Random random = new Random(42);
        return IntStream.concat(
                IntStream.of(1, 2, 63, 64, 65, 127, 128, 129, 1000, 5000),
                random.ints(40, 1, 400_000));
    }

    @ParameterizedTest
    @MethodSource("randomSizes")
    void randomOperandsOfManySizes(int bits) {
        Random random = new Random(bits);
        assertExact(random(bits, random), random(bits, random));
        assertExact(random(bits, random), random(1 + random.nextInt(bits), random));
        assertSquareExact(random(bits, random));
    }

    /**
     * Product lengths of L - 1, L and L + 1 limbs for every transform length L = 2^k, 3·2^k and 5·2^k up
     * to 2^17, which covers the switch from one row to the six-step split at 2^12, its first
     * uneven split at 2^13, and the parallel transforms from 2^15, plus balanced and unbalanced
     * operand splits of each length.
     */
    static Stream<int[]> transformLengthEdges() {
        return IntStream.rangeClosed(0, 17).boxed()
                .flatMap(k -> IntStream.of(1 << k, 3 << k, 5 << k).filter(length -> length <= 1 << 17).boxed())
                .flatMap(length -> IntStream.of(-1, 0, 1)
                .map(d -> length + d).filter(limbs -> limbs >= 2).distinct().boxed()
                .flatMap(limbs -> Stream.of(new int[] {limbs / 2, limbs - limbs / 2},
                        new int[] {1, limbs - 1})));
    }

    @ParameterizedTest
    @MethodSource("transformLengthEdges")
    void productLengthsAroundEveryTransformLength(int[] limbs) {
        Random random = new Random(limbs[0] * 31L + limbs[1]);
        // Top limb set to all ones so the product really needs limbs[0] + limbs[1] limbs.
        BigInteger a = random(limbs[0] * LIMB, random).or(BigInteger.ONE.shiftLeft(limbs[0] * LIMB).subtract(
                BigInteger.ONE.shiftLeft((limbs[0] - 1) * LIMB)));
        BigInteger b = random(limbs[1] * LIMB, random).abs().or(BigInteger.ONE.shiftLeft(limbs[1] * LIMB).subtract(
                BigInteger.ONE.shiftLeft((limbs[1] - 1) * LIMB)));
        assertExact(a, b);
    }

    @ParameterizedTest
    @MethodSource("thresholdEdges")
    void operandsAroundTheFallbackThreshold(int bits) {
        Random random = new Random(bits);
        assertExact(random(bits, random), random(bits, random));
        assertExact(random(bits, random), random(3 * THRESHOLD, random));
        assertSquareExact(random(bits, random));
    }

    /**
     * {L, L + e, 1}: products of L + e limbs that are formed wrapped at the transform length L,
     * for L = 2^k, 3·2^k and 5·2^k (one of them long enough for the parallel transforms), with
     * e = 1, 2, L/64 and the largest excess that still wraps; and {L, L + e + 1, 0} just past it.
     */
    static Stream<int[]> wrappedLengths() {
        return IntStream.of(1 << 10, 3 << 9, 5 << 8, 5 << 11, 1 << 15).boxed().flatMap(length -> {
            int most = 1;
            while (NttConvolution.wrapLength(length + most + 1) == length) {
                most++;
            }
            return Stream.of(new int[] {length, length + 1, 1}, new int[] {length, length + 2, 1},
                    new int[] {length, length + length / 64, 1}, new int[] {length, length + most, 1},
                    new int[] {length, length + most + 1, 0});
        });
    }

    /**
     * Random and all-ones operands (the largest coefficients and carries), an operand whose low
     * limbs, those that undo the wrap, are all zero, and a square, against BigInteger.
     */
    @ParameterizedTest
    @MethodSource("wrappedLengths")
    void productsJustLongerThanATransformLengthAreFormedThereAndUnwrapped(int[] lengths) {
        int limbs = lengths[1];
        assertThat(NttConvolution.wrapLength(limbs) == lengths[0]).as("wrapped at %d", lengths[0])
                .isEqualTo(lengths[2] == 1);
        Random random = new Random(limbs);
        int la = limbs / 2;
        int lb = limbs - la;
        int excess = limbs - lengths[0];
        assertExact(random(la * LIMB, random), random(lb * LIMB, random));
        assertExact(ones(la), ones(lb));
        assertExact(random((la - excess - 1) * LIMB, random).shiftLeft((excess + 1) * LIMB), random(lb * LIMB, random));
        assertSquareExact(random(lb * LIMB, random));
        assertSquareExact(ones(lb));
    }

    /**
     * A merge's x·y and x·z + u·v where the sum (one limb longer than its products, for the carry)
     * wraps at a transform length and x·y fits in it, so only one of the two is unwrapped; and
     * all-ones operands, whose sum carries into its extra limb.
     */
    @Test
    void productAndSumWithTheSumAlone() {
        Random random = new Random(23);
        int length = 3 << 11;
        int lx = length / 2;
        BigInteger x = random(lx * LIMB, random);
        BigInteger y = random((length - lx) * LIMB, random);
        BigInteger z = random((length - lx + 4) * LIMB, random).abs();
        BigInteger u = random((lx - 8) * LIMB, random).abs();
        BigInteger v = random((length - lx + 3) * LIMB, random).abs();
        assertThat(NttConvolution.wrapLength(length + 5)).isEqualTo(length);
        if (x.signum() < 0) {
            z = z.negate();
        }
        assertProductAndSumExact(x, y, z, u, v);
        assertProductAndSumExact(ones(lx), ones(length - lx), ones(length - lx + 4), ones(lx), ones(length - lx + 4));
    }

    /** The number whose limbs are all ones. */
    private static BigInteger ones(int limbs) {
        return BigInteger.ONE.shiftLeft(limbs * LIMB).subtract(BigInteger.ONE);
    }

    static IntStream thresholdEdges() {
        return IntStream.of(THRESHOLD, FastMultiply.PRODUCT_THRESHOLD_BITS)
                .flatMap(t -> IntStream.of(t - LIMB - 1, t - 1, t, t + 1, t + LIMB));
    }

    static IntStream carrySizes() {
        return IntStream.of(1, 63, 64, 65, 127, 128, 129, 4096 * LIMB, THRESHOLD, 300_000, 1 << 20);
    }

    @ParameterizedTest
    @MethodSource("carrySizes")
    void maximalCarries(int k) {
        BigInteger powerOfTwo = BigInteger.ONE.shiftLeft(k);
        BigInteger allOnes = powerOfTwo.subtract(BigInteger.ONE);
        assertSquareExact(allOnes);
        assertSquareExact(powerOfTwo);
        assertExact(allOnes, powerOfTwo);
        assertExact(allOnes, allOnes.shiftRight(k / 3));
        assertExact(allOnes.negate(), allOnes.add(BigInteger.TWO));
    }

    /**
     * (2^K - 1)(2^K + 2^320 + 1) has long runs of all-ones limbs, so carries ripple across the
     * chunks that are recombined in parallel; the exact product is built from shifts.
     */
    @Test
    void carriesRippleAcrossRecombinationChunks() {
        int k = LIMB << 17;
        BigInteger a = BigInteger.ONE.shiftLeft(k).subtract(BigInteger.ONE);
        BigInteger b = BigInteger.ONE.shiftLeft(k).add(BigInteger.ONE.shiftLeft(320)).add(BigInteger.ONE);
        assertThat(multiply(a, b)).isEqualTo(a.shiftLeft(k).add(a.shiftLeft(320)).add(a));
    }

    @Test
    void zeroOneAndSigns() {
        Random random = new Random(7);
        BigInteger big = random(5 * THRESHOLD, random).abs();
        for (BigInteger small : new BigInteger[] {BigInteger.ZERO, BigInteger.ONE, BigInteger.ONE.negate()}) {
            assertExact(big, small);
            assertSquareExact(small);
        }
        BigInteger other = random(2 * THRESHOLD, random).abs();
        assertThat(multiply(big.negate(), other)).isEqualTo(big.multiply(other).negate());
        assertThat(multiply(big, other.negate())).isEqualTo(big.multiply(other).negate());
        assertThat(multiply(big.negate(), other.negate())).isEqualTo(big.multiply(other));
        assertThat(square(big.negate())).isEqualTo(big.multiply(big));
        assertThat(multiply(big, BigInteger.ZERO)).isZero();
    }

    @Test
    void singleLimbOperands() {
        Random random = new Random(11);
        BigInteger maxLimb = BigInteger.ONE.shiftLeft(LIMB).subtract(BigInteger.ONE);
        assertExact(maxLimb, maxLimb);
        assertExact(maxLimb, random(3 * THRESHOLD, random));
        assertExact(BigInteger.valueOf(Long.MIN_VALUE), random(2 * THRESHOLD, random));
        assertSquareExact(BigInteger.valueOf(Long.MIN_VALUE));
    }

    @Test
    void veryUnbalancedOperands() {
        Random random = new Random(13);
        BigInteger huge = random(3_000_000, random);
        assertExact(huge, random(THRESHOLD, random));
        assertExact(huge, random(THRESHOLD - 1, random));
        assertExact(huge, random(65, random));
        assertExact(random(THRESHOLD + 7, random), random(1_000_000, random));
    }

    @Test
    void largeOperands() {
        Random random = new Random(17);
        assertExact(random(2_000_000, random), random(2_000_000, random));
        BigInteger a = random(12_000_000, random);
        BigInteger b = random(12_000_000, random);
        assertThat(multiply(a, b)).isEqualTo(a.parallelMultiply(b));
        // An equal but distinct operand takes the two-transform path, checking squaring against it.
        BigInteger copy = new BigInteger(a.toByteArray());
        assertThat(square(a)).isEqualTo(multiply(a, copy));
    }

    private static void assertProductAndSumExact(BigInteger x, BigInteger y, BigInteger z, BigInteger u,
                                                 BigInteger v) {
        BigInteger[] qt = productAndSum(x, y, z, u, v);
        assertThat(qt[0]).as("x·y, %d x %d bits", x.bitLength(), y.bitLength()).isEqualTo(x.multiply(y));
        assertThat(qt[1]).as("x·z + u·v, %d x %d + %d x %d bits", x.bitLength(), z.bitLength(), u.bitLength(),
                v.bitLength()).isEqualTo(x.multiply(z).add(u.multiply(v)));
    }

    static IntStream productAndSumSizes() {
        Random random = new Random(43);
        return IntStream.concat(IntStream.of(THRESHOLD - 1, THRESHOLD, 3 * THRESHOLD, 1_500_000),
                random.ints(12, THRESHOLD, 300_000));
    }

    /** Random operand sizes around a common one, as in a merge: P smaller than Q and T. */
    @ParameterizedTest
    @MethodSource("productAndSumSizes")
    void productAndSumOfRandomOperandsOfEverySignPattern(int bits) {
        Random random = new Random(bits);
        for (int pattern = 0; pattern < 8; pattern++) {
            BigInteger x = random(bits, random).abs();
            BigInteger y = random(bits + random.nextInt(2 * LIMB), random);
            BigInteger z = random(bits - random.nextInt(2 * LIMB), random).abs();
            BigInteger u = random((int) (0.6 * bits) + random.nextInt(LIMB), random).abs();
            BigInteger v = random(bits, random).abs();
            // Bits of the pattern negate x, z and u: both terms of the sum agree in sign, or not.
            assertProductAndSumExact((pattern & 1) == 0 ? x : x.negate(), y, (pattern & 2) == 0 ? z : z.negate(),
                    (pattern & 4) == 0 ? u : u.negate(), v);
        }
    }

    /**
     * All-ones operands make the sum of the two products carry into one limb more than either
     * product has, here with products exactly one power-of-two transform long and with a
     * three-times-power-of-two one.
     */
    @Test
    void productAndSumCarriesIntoAnExtraLimb() {
        for (int limbs : new int[] {1 << 9, 3 << 8, 1 << 15}) {
            BigInteger ones = BigInteger.ONE.shiftLeft(LIMB * limbs).subtract(BigInteger.ONE);
            assertProductAndSumExact(ones, ones, ones, ones, ones);
            assertProductAndSumExact(ones.negate(), ones, ones, ones.negate(), ones);
        }
    }

    /** The two results formed one after the other, as the longest merges do, at sizes a test can check. */
    @ParameterizedTest
    @MethodSource("productAndSumSizes")
    void productAndSumFormedSeparately(int bits) {
        Random random = new Random(bits);
        BigInteger x = random(bits, random);
        BigInteger y = random(bits + LIMB, random);
        BigInteger z = random(bits - LIMB, random).abs();
        BigInteger u = random(bits / 2, random).abs();
        BigInteger v = random(bits, random).abs();
        if (x.signum() < 0) {
            z = z.negate();
        }
        BigInteger[] qt = productAndSum(x, y, z, u, v, 1);
        assertThat(qt[0]).isEqualTo(x.multiply(y));
        assertThat(qt[1]).isEqualTo(x.multiply(z).add(u.multiply(v)));
    }

    @Test
    void productAndSumWithZeroOperands() {
        Random random = new Random(19);
        BigInteger a = random(3 * THRESHOLD, random);
        BigInteger b = random(3 * THRESHOLD, random);
        assertProductAndSumExact(a, b, BigInteger.ZERO, a, b);
        assertProductAndSumExact(a, b, a, BigInteger.ZERO, b);
        assertProductAndSumExact(BigInteger.ZERO, b, a, a, b);
    }

    static Stream<int[]> middleBitsCases() {
        Random random = new Random(44);
        Stream<int[]> edges = Stream.of(
                new int[] {100, 100, 0, 200}, new int[] {THRESHOLD, THRESHOLD, THRESHOLD, 2 * THRESHOLD},
                new int[] {64 * 4096, 64 * 2048, 64 * 2048, 64 * 4096 - 1},
                new int[] {3_000_000, 1_200_000, 1_200_000, 2_600_000});
        // Sizes as the decimal conversion uses them: a fraction times a power of five whose
        // length is where the kept bits start, plus arbitrary windows.
        Stream<int[]> conversion = random.ints(10, THRESHOLD, 600_000).mapToObj(bits -> {
            int five = bits / 3 + random.nextInt(bits / 4);
            return new int[] {bits, five, five, bits - random.nextInt(bits / 8)};
        });
        Stream<int[]> windows = random.ints(10, THRESHOLD, 400_000).mapToObj(bits -> {
            int other = THRESHOLD + random.nextInt(bits);
            int from = random.nextInt(bits + other);
            return new int[] {bits, other, from, from + 1 + random.nextInt(bits + other - from)};
        });
        return Stream.of(edges, conversion, windows).flatMap(s -> s);
    }

    /** Exact, or one unit more as documented, against the full product. */
    @ParameterizedTest
    @MethodSource("middleBitsCases")
    void middleBitsAreTheProductsBitsOrOneMore(int[] sizes) {
        Random random = new Random(sizes[0] + 31L * sizes[2]);
        BigInteger a = random(sizes[0], random).abs();
        BigInteger b = random(sizes[1], random).abs();
        int from = sizes[2];
        int to = sizes[3];
        BigInteger window = BigInteger.ONE.shiftLeft(to - from);
        BigInteger exact = a.multiply(b).shiftRight(from).mod(window);
        assertThat(middleBits(a, b, from, to))
                .as("bits [%d, %d) of %d x %d bits", from, to, a.bitLength(), b.bitLength())
                .isIn(exact, exact.add(BigInteger.ONE).mod(window));
    }

    /** All-ones operands: every wrapped coefficient is maximal and the carries are longest. */
    @Test
    void middleBitsOfAllOnesOperands() {
        BigInteger a = BigInteger.ONE.shiftLeft(64 * 3000).subtract(BigInteger.ONE);
        BigInteger b = BigInteger.ONE.shiftLeft(64 * 1000).subtract(BigInteger.ONE);
        for (int from : new int[] {64 * 1000, 64 * 1000 + 5, 64 * 1500}) {
            int to = 64 * 3000;
            BigInteger window = BigInteger.ONE.shiftLeft(to - from);
            BigInteger exact = a.multiply(b).shiftRight(from).mod(window);
            assertThat(middleBits(a, b, from, to)).isIn(exact, exact.add(BigInteger.ONE).mod(window));
        }
    }

    /**
     * The one-more case, forced: a·b ≡ -1 mod 2^from, so the wrapped-around top part, however
     * small, carries into bit {@code from}; to = |a| = 4096 limbs makes the wrap length 4096 limbs.
     */
    @Test
    void aWrapThatCarriesGivesExactlyOneMore() {
        int from = 64 * 1000;
        int to = 64 * 4096;
        BigInteger modulus = BigInteger.ONE.shiftLeft(from);
        BigInteger b = new BigInteger(30_000, new Random(45)).setBit(29_999).setBit(0);
        BigInteger a = b.modInverse(modulus).negate().mod(modulus).setBit(to - 1);
        BigInteger window = BigInteger.ONE.shiftLeft(to - from);
        BigInteger exact = a.multiply(b).shiftRight(from).mod(window);
        assertThat(middleBits(a, b, from, to)).isEqualTo(exact.add(BigInteger.ONE).mod(window));
    }

    static Stream<int[]> cyclicCases() {
        Random random = new Random(46);
        // {|a|, |b|, minimum modulus width}: balanced and unbalanced, operands longer than the
        // modulus (folded first), widths at and just past transform lengths, and small ones.
        Stream<int[]> edges = Stream.of(
                new int[] {THRESHOLD, THRESHOLD, THRESHOLD + 64}, new int[] {100, 90, 128},
                new int[] {LIMB * 4096, LIMB * 4096, LIMB * 4096}, new int[] {LIMB * 4096, LIMB * 4096, LIMB * 4096 + 1},
                new int[] {300_000, 40_000, 100_000}, new int[] {250_000, 250_000, 260_000});
        Stream<int[]> randoms = random.ints(12, THRESHOLD, 500_000).mapToObj(bits -> {
            int other = THRESHOLD + random.nextInt(bits);
            return new int[] {bits, other, Math.max(bits, other) / 2 + random.nextInt(bits + other)};
        });
        return Stream.concat(edges, randoms);
    }

    /** The wrapped product against the full one reduced modulo 2^m - 1; squares included. */
    @ParameterizedTest
    @MethodSource("cyclicCases")
    void cyclicProductIsTheProductModuloTwoToTheMMinusOne(int[] sizes) {
        Random random = new Random(sizes[0] + 17L * sizes[2]);
        BigInteger a = random(sizes[0], random).abs();
        BigInteger b = random(sizes[1], random).abs();
        int m = Math.toIntExact(FastMultiply.cyclicBits(sizes[2]));
        assertThat(m).isGreaterThanOrEqualTo(sizes[2]);
        BigInteger modulus = BigInteger.ONE.shiftLeft(m).subtract(BigInteger.ONE);
        assertThat(cyclic(a, b, m)).as("%d x %d bits mod 2^%d - 1", sizes[0], sizes[1], m)
                .isEqualTo(a.multiply(b).mod(modulus));
        assertThat(cyclic(a, a, m)).isEqualTo(a.multiply(a).mod(modulus));
        // A width that is no transform length takes the full product, still reduced correctly.
        assertThat(cyclic(a, b, m - 1)).isEqualTo(a.multiply(b).mod(modulus.shiftRight(1)));
    }

    /** 2^m - 1 itself and its multiples reduce to 0, the one residue with two representations. */
    @Test
    void mersenneResidues() {
        int m = Math.toIntExact(FastMultiply.cyclicBits(LIMB * 1024));
        BigInteger modulus = BigInteger.ONE.shiftLeft(m).subtract(BigInteger.ONE);
        assertThat(mersenne(modulus, m)).isZero();
        assertThat(mersenne(modulus.multiply(BigInteger.valueOf(12345)), m)).isZero();
        assertThat(mersenne(modulus.subtract(BigInteger.ONE), m)).isEqualTo(modulus.subtract(BigInteger.ONE));
        assertThat(mersenne(BigInteger.ONE.shiftLeft(3 * m + 5), m)).isEqualTo(BigInteger.valueOf(32));
        assertThat(cyclic(modulus, modulus, m)).isZero();
        BigInteger allOnes = BigInteger.ONE.shiftLeft(m - 3).subtract(BigInteger.ONE);
        assertThat(cyclic(allOnes, allOnes, m)).isEqualTo(allOnes.multiply(allOnes).mod(modulus));
    }
}
