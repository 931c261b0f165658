package org.piservice.core.mul;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** LongInteger's arithmetic against BigInteger's, at sizes both can hold; plain in-memory tests. */
class LongIntegerTest {

    private final Random random = new Random(20261202);

    /** Zero, ±1, word edges, all-ones and powers of two, and random values of many lengths and signs. */
    private List<BigInteger> values() {
        List<BigInteger> values = new ArrayList<>();
        for (BigInteger v : new BigInteger[] {BigInteger.ZERO, BigInteger.ONE, BigInteger.TWO,
                BigInteger.valueOf(Long.MAX_VALUE), BigInteger.valueOf(Long.MIN_VALUE)}) {
            values.add(v);
            values.add(v.negate());
        }
        for (int bits : new int[] {63, 64, 65, 127, 128, 129, 1000, 4096}) {
            BigInteger power = BigInteger.ONE.shiftLeft(bits);
            values.add(power);
            values.add(power.subtract(BigInteger.ONE));
            values.add(power.subtract(BigInteger.ONE).negate());
            values.add(power.negate());
        }
        for (int i = 0; i < 40; i++) {
            BigInteger v = new BigInteger(1 + random.nextInt(3000), random);
            values.add(random.nextBoolean() ? v : v.negate());
        }
        return values;
    }

    @Test
    void roundTripsAndReadsLikeBigInteger() {
        for (BigInteger v : values()) {
            LongInteger x = LongInteger.of(v);
            assertThat(x.toBigInteger()).isEqualTo(v);
            assertThat(x.signum()).isEqualTo(v.signum());
            assertThat(x.bitLength()).as("bit length of %s", v).isEqualTo(v.abs().bitLength());
            assertThat(x.getLowestSetBit()).isEqualTo(v.getLowestSetBit());
            assertThat(x.negate().toBigInteger()).isEqualTo(v.negate());
            assertThat(x.abs().toBigInteger()).isEqualTo(v.abs());
            assertThat(x.toString()).isEqualTo(v.toString());
        }
        for (long v : new long[] {0, 1, -1, Long.MAX_VALUE, Long.MIN_VALUE, 12345, -987654321}) {
            assertThat(LongInteger.valueOf(v).toBigInteger()).isEqualTo(BigInteger.valueOf(v));
        }
        assertThat(LongInteger.powerOfTwo(200).toBigInteger()).isEqualTo(BigInteger.ONE.shiftLeft(200));
    }

    @Test
    void sumsDifferencesAndComparisons() {
        List<BigInteger> values = values();
        for (BigInteger a : values) {
            for (BigInteger b : values) {
                LongInteger x = LongInteger.of(a);
                LongInteger y = LongInteger.of(b);
                assertThat(x.add(y).toBigInteger()).as("%s + %s", a, b).isEqualTo(a.add(b));
                assertThat(x.subtract(y).toBigInteger()).as("%s - %s", a, b).isEqualTo(a.subtract(b));
                assertThat(Integer.signum(x.compareTo(y))).isEqualTo(a.compareTo(b));
                assertThat(x.equals(y)).isEqualTo(a.equals(b));
                if (a.equals(b)) {
                    assertThat(x.hashCode()).isEqualTo(y.hashCode());
                }
            }
        }
    }

    /** Right shifts round towards negative infinity, as BigInteger's do; negative counts shift the other way. */
    @Test
    void shiftsLikeBigInteger() {
        for (BigInteger v : values()) {
            LongInteger x = LongInteger.of(v);
            for (int n : new int[] {0, 1, 5, 63, 64, 65, 127, 128, 1000, 2999, 3000, 5000}) {
                assertThat(x.shiftLeft(n).toBigInteger()).as("%s << %d", v, n).isEqualTo(v.shiftLeft(n));
                assertThat(x.shiftRight(n).toBigInteger()).as("%s >> %d", v, n).isEqualTo(v.shiftRight(n));
                assertThat(x.shiftLeft(-n).toBigInteger()).isEqualTo(v.shiftLeft(-n));
                assertThat(x.shiftRight(-n).toBigInteger()).isEqualTo(v.shiftRight(-n));
            }
        }
    }

    @Test
    void lowBitsOfNonNegativeValues() {
        for (BigInteger v : values()) {
            BigInteger a = v.abs();
            for (int bits : new int[] {0, 1, 63, 64, 65, 128, 1000, 4000}) {
                assertThat(LongInteger.of(a).low(bits).toBigInteger()).as("%s mod 2^%d", a, bits)
                        .isEqualTo(a.mod(BigInteger.ONE.shiftLeft(bits)));
            }
        }
    }

    /**
     * A square of 2^31 + 192 bits, beyond BigInteger's range, checked by the identity
     * (2^k - 1)^2 = 2^2k - 2^(k+1) + 1 and by its residue modulo 2^m - 1 for a narrow m,
     * which is formed from the operand's residue.
     */
    @Test
    void productsBeyondBigIntegerRange() {
        long k = (1L << 30) + 96;
        LongInteger ones = LongInteger.powerOfTwo(k).subtract(LongInteger.ONE);
        LongInteger square = FastMultiply.square(ones);
        assertThat(square.bitLength()).isGreaterThan(LongInteger.BIG_INTEGER_BITS);
        assertThat(square).isEqualTo(LongInteger.powerOfTwo(2 * k).subtract(LongInteger.powerOfTwo(k + 1))
                .add(LongInteger.ONE));
    }
}
