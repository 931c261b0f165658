package org.piservice.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Plain unit tests of the conversion's leaves; the whole conversion is checked through PiDigitsTest. */
class DecimalConverterTest {

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 8, 9, 10, 17, 18, 19, 27, 100, 255, DecimalConverter.CHUNK_DIGITS})
    void decimalMatchesBigIntegerZeroPadded(int count) {
        BigInteger limit = BigInteger.TEN.pow(count);
        Random random = new Random(count);
        for (int i = 0; i < 200; i++) {
            // Values of every length up to count digits, so the padding varies too.
            BigInteger value = new BigInteger(1 + random.nextInt(limit.bitLength()), random).mod(limit);
            assertThat(decimal(value, count)).isEqualTo(padded(value, count));
        }
        assertThat(decimal(BigInteger.ZERO, count)).isEqualTo("0".repeat(count));
        assertThat(decimal(limit.subtract(BigInteger.ONE), count)).isEqualTo("9".repeat(count));
        // Words that are all ones and powers of two are where a short division could slip.
        BigInteger ones = BigInteger.ONE.shiftLeft(limit.bitLength() - 1).subtract(BigInteger.ONE);
        assertThat(decimal(ones, count)).isEqualTo(padded(ones, count));
        BigInteger power = BigInteger.ONE.shiftLeft(limit.bitLength() - 2);
        assertThat(decimal(power, count)).isEqualTo(padded(power, count));
    }

    private static String decimal(BigInteger value, int count) {
        return new String(DecimalConverter.decimal(value, count), StandardCharsets.US_ASCII);
    }

    private static String padded(BigInteger value, int count) {
        String text = value.toString();
        return "0".repeat(count - text.length()) + text;
    }
}
