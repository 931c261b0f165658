package org.piservice.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.piservice.core.mul.LongInteger;

/** Newton division and square root against the JDK's, on sizes where the Newton path is taken. */
class NewtonTest {

    private final Newton engine = new Newton(Multiplier.DEFAULT);
    /** The Newton operations on BigIntegers, so that BigInteger's own division and root are the reference. */
    private final BigNewton newton = new BigNewton();

    private final class BigNewton {
        BigInteger floorDiv(BigInteger a, BigInteger b) {
            // Prepared for one bit more than the quotient has, as the engine prepares T.
            long quotientBits = Math.max(1, a.bitLength() - b.bitLength() + 2);
            return floorDiv(a, b, quotientBits);
        }

        BigInteger floorDiv(BigInteger a, BigInteger b, long preparedQuotientBits) {
            return engine.floorDiv(LongInteger.of(a), engine.divisor(LongInteger.of(b), preparedQuotientBits))
                    .toBigInteger();
        }

        BigInteger floorSqrt(BigInteger a) {
            return engine.floorSqrt(LongInteger.of(a)).toBigInteger();
        }

        BigInteger correctQuotient(BigInteger a, BigInteger b, BigInteger q) {
            return engine.correctQuotient(LongInteger.of(a), LongInteger.of(b), LongInteger.of(q)).toBigInteger();
        }

        BigInteger correctSqrt(BigInteger a, BigInteger s) {
            return engine.correctSqrt(LongInteger.of(a), LongInteger.of(s)).toBigInteger();
        }

        BigInteger reciprocal(BigInteger d, int p) {
            return engine.reciprocal(LongInteger.of(d), p).toBigInteger();
        }

        BigInteger quotient(BigInteger a, BigInteger b) {
            long quotientBits = a.bitLength() - b.bitLength() + 1;
            return engine.quotient(LongInteger.of(a), engine.divisor(LongInteger.of(b), quotientBits), quotientBits)
                    .toBigInteger();
        }

        BigInteger inverseSqrt(BigInteger a, int p) {
            return engine.inverseSqrt(LongInteger.of(a), p).toBigInteger();
        }
    }
    private final Random random = new Random(20261128);

    @Test
    void floorDivisionIsExact() {
        for (int i = 0; i < 40; i++) {
            BigInteger b = operand(2_000 + random.nextInt(60_000));
            BigInteger a = operand(b.bitLength() + random.nextInt(80_000));
            assertThat(newton.floorDiv(a, b)).isEqualTo(a.divide(b));
            // A divisor prepared for shorter quotients still divides exactly (its reciprocal is computed again).
            assertThat(newton.floorDiv(a, b, 1)).isEqualTo(a.divide(b));
        }
    }

    @Test
    void floorDivisionAtEdges() {
        BigInteger b = BigInteger.ONE.shiftLeft(20_000).subtract(BigInteger.ONE);
        for (BigInteger a : new BigInteger[] {
                b.multiply(b), b.multiply(b).subtract(BigInteger.ONE), b.multiply(b).add(b).subtract(BigInteger.ONE),
                BigInteger.ONE.shiftLeft(40_000), b.subtract(BigInteger.ONE), BigInteger.ZERO}) {
            assertThat(newton.floorDiv(a, b)).isEqualTo(a.divide(b));
        }
    }

    @Test
    void floorSquareRootIsExact() {
        for (int i = 0; i < 40; i++) {
            BigInteger a = operand(8_000 + random.nextInt(100_000));
            assertThat(newton.floorSqrt(a)).isEqualTo(a.sqrt());
        }
        BigInteger s = BigInteger.ONE.shiftLeft(30_000).add(BigInteger.TWO);
        BigInteger square = s.multiply(s);
        assertThat(newton.floorSqrt(square)).isEqualTo(s);
        assertThat(newton.floorSqrt(square.subtract(BigInteger.ONE))).isEqualTo(s.subtract(BigInteger.ONE));
        assertThat(newton.floorSqrt(BigInteger.valueOf(10005).shiftLeft(60_000))).isEqualTo(BigInteger.valueOf(10005).shiftLeft(60_000).sqrt());
    }

    /**
     * Roots of a small number times a power of two, as π needs √10005: the Newton steps then
     * form y^2 modulo 2^m - 1 only as wide as the part that does not cancel.
     */
    @Test
    void floorSquareRootOfSmallNumbersTimesPowersOfTwo() {
        for (long small : new long[] {10005, 2, 3, 12345, 999_999_937}) {
            for (int shift : new int[] {100_000, 300_001, 500_000}) {
                BigInteger a = BigInteger.valueOf(small).shiftLeft(shift);
                assertThat(newton.floorSqrt(a)).as("sqrt(%d·2^%d)", small, shift).isEqualTo(a.sqrt());
            }
        }
    }

    /**
     * Estimates a few units off, and far off: the remainder check modulo 2^m - 1 accepts only the
     * exact quotient and root, and the exact correction repairs the rest.
     */
    @Test
    void estimatesAreCorrectedWhateverTheirError() {
        BigInteger b = operand(60_000);
        BigInteger a = operand(120_000);
        BigInteger q = a.divide(b);
        BigInteger a2 = operand(130_000);
        BigInteger s = a2.sqrt();
        for (BigInteger off : new BigInteger[] {BigInteger.ZERO, BigInteger.ONE, BigInteger.TWO,
                BigInteger.ONE.shiftLeft(40), BigInteger.ONE.shiftLeft(100), BigInteger.ONE.shiftLeft(50_000)}) {
            assertThat(newton.correctQuotient(a, b, q.add(off))).as("q + %s", off).isEqualTo(q);
            assertThat(newton.correctQuotient(a, b, q.subtract(off))).as("q - %s", off).isEqualTo(q);
            assertThat(newton.correctSqrt(a2, s.add(off))).as("s + %s", off).isEqualTo(s);
            assertThat(newton.correctSqrt(a2, s.subtract(off))).as("s - %s", off).isEqualTo(s);
        }
        // Exact quotients and roots, remainder 0, and the largest remainders.
        assertThat(newton.correctQuotient(q.multiply(b), b, q)).isEqualTo(q);
        assertThat(newton.correctQuotient(q.multiply(b).add(b).subtract(BigInteger.ONE), b, q)).isEqualTo(q);
        assertThat(newton.correctSqrt(s.multiply(s), s)).isEqualTo(s);
        assertThat(newton.correctSqrt(s.add(BigInteger.ONE).pow(2).subtract(BigInteger.ONE), s)).isEqualTo(s);
    }

    /**
     * The iterations themselves, not just the corrected results: a broken step would still give
     * exact results through the corrections, only slowly. Sizes reach the wrapped products.
     */
    @Test
    void newtonEstimatesAreWithinAUnit() {
        for (int bits : new int[] {50_000, 200_000, 400_000}) {
            BigInteger d = operand(bits);
            for (int p : new int[] {bits / 2, bits, 2 * bits}) {
                BigInteger exact = BigInteger.ONE.shiftLeft(d.bitLength() + p).divide(d);
                assertThat(newton.reciprocal(d, p).subtract(exact).abs()).as("1/d, %d bits at %d", bits, p)
                        .isLessThanOrEqualTo(BigInteger.ONE);
            }
            for (int quotientBits : new int[] {bits / 3, bits, 2 * bits}) {
                BigInteger a = operand(bits + quotientBits);
                assertThat(newton.quotient(a, d).subtract(a.divide(d)).abs()).as("a/d, %d by %d bits", a.bitLength(), bits)
                        .isLessThanOrEqualTo(BigInteger.TWO);
            }
            BigInteger a = BigInteger.valueOf(10005).shiftLeft(bits);
            int even = a.bitLength() + a.bitLength() % 2;
            BigInteger exact = BigInteger.ONE.shiftLeft(2 * bits + even).divide(a).sqrt();
            assertThat(newton.inverseSqrt(a, bits).subtract(exact).abs()).as("1/sqrt(a), %d bits", bits)
                    .isLessThanOrEqualTo(BigInteger.ONE);
        }
    }

    private BigInteger operand(int bits) {
        return new BigInteger(bits, random).setBit(bits - 1);
    }
}
