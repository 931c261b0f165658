package org.piservice.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.piservice.core.mul.LongInteger;

/**
 * Plain unit tests of the conversion's leaves, and of its halves converted side by side; π's
 * digits are checked through PiDigitsTest.
 */
class DecimalConverterTest {

    @Test
    void halvesWithinHalvesConvertedOnOtherThreadsAreWrittenInOrder() {
        // 1/7 = 0.142857 142857...: long enough that right halves of right halves go to other threads.
        int digits = 8_500_000;
        long bits = DecimalConverter.bitsFor(digits, PiEngine.DEFAULT_GUARD_BITS);
        LongInteger seventh = LongInteger.of(BigInteger.ONE.shiftLeft((int) bits).divide(BigInteger.valueOf(7)));
        ByteArrayOutputStream sink = new ByteArrayOutputStream(digits);
        Computation computation = new Computation(PiProgress.NONE, () -> false);
        DecimalConverter converter = new DecimalConverter(Multiplier.FAST, computation, sink, 0, digits, 0, 1);

        try (ForkJoinPool pool = new ForkJoinPool(2)) {
            pool.invoke(ForkJoinTask.adapt(() -> converter.write(seventh, bits, digits, 1)));
        }

        byte[] expected = "142857".repeat(digits / 6 + 1).substring(0, digits).getBytes(StandardCharsets.US_ASCII);
        assertThat(converter.written()).isEqualTo(digits);
        assertThat(sink.size()).isEqualTo(digits);
        assertThat(Arrays.mismatch(sink.toByteArray(), expected)).as("the first digit that differs").isEqualTo(-1);
    }

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
