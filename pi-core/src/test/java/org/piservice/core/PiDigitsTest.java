package org.piservice.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Plain unit tests of the public API; the references come from other algorithms and programs. */
class PiDigitsTest {

    /** SHA-256 of "3." and the first 10^5 / 10^6 decimals, as printed by CLN's {@code pi} program. */
    private static final String SHA256_1E5 = "6fba00bd4d732bf518635d1e28e5292c8db6ee4c26285fe43d5ae9d104655cd9";
    private static final String SHA256_1E6 = "dd382ef6a0c1e8d920fb72f482d74826251ab97709520bc24f913cd8eb5fc839";

    @Test
    void everySizeUpTo2000MatchesMachinsFormula() throws IOException {
        String reference = "3." + MachinPi.decimals(2000);
        for (int digits = 1; digits <= 2000; digits++) {
            assertThat(pi(digits)).as("%d digits", digits).isEqualTo(reference.substring(0, digits + 2));
        }
    }

    @Test
    void hundredThousandDigitsMatchKnownHash() throws IOException {
        assertThat(sha256(bytes(100_000))).isEqualTo(SHA256_1E5);
    }

    @Test
    void millionDigitsMatchKnownHashAndEnding() throws IOException {
        byte[] digits = bytes(1_000_000);
        assertThat(digits).hasSize(1_000_002);
        assertThat(new String(digits, digits.length - 10, 10, StandardCharsets.US_ASCII)).isEqualTo("5779458151");
        assertThat(sha256(digits)).isEqualTo(SHA256_1E6);
    }

    @Test
    void theDigitsAreTheSameAtNarrowerVectorWidths() throws IOException {
        // The transforms' layout follows the JVM's preferred vector width: this machine's need not
        // be Lambda's, so the engine runs here at 16- and 32-byte vectors too (SSE's and AVX2's),
        // and at one lane, the layout's edge, which no host prefers and which runs a dozen times
        // slower here (10^6 digits in half a minute), so at a tenth of the digits.
        for (int bytes : new int[] {16, 32}) {
            assertThat(sha256(inChildJvm(1_000_000, bytes))).as("%d-byte vectors", bytes).isEqualTo(SHA256_1E6);
        }
        assertThat(sha256(inChildJvm(100_000, Double.BYTES))).as("one lane").isEqualTo(SHA256_1E5);
    }

    private static byte[] inChildJvm(int digits, int vectorBytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PiProcess.write(digits, List.of("-XX:MaxVectorSize=" + vectorBytes), out, (fraction, phase) -> { }, () -> false);
        return out.toByteArray();
    }

    @Test
    void theSinkGetsTheDigitsInPiecesOfBoundedSize() throws IOException {
        // Past 2·2^20 digits the conversion hands over a right half of a million digits at once.
        AtomicLong largest = new AtomicLong();
        ByteArrayOutputStream sink = new ByteArrayOutputStream() {
            @Override
            public void write(byte[] b, int off, int len) {
                largest.accumulateAndGet(len, Math::max);
                super.write(b, off, len);
            }
        };
        PiDigits.write(2_200_000, sink);
        byte[] digits = sink.toByteArray();

        assertThat(largest.get()).isPositive().isLessThanOrEqualTo(PiEngine.WRITE_BYTES);
        assertThat(digits).hasSize(2_200_002);
        assertThat(sha256(Arrays.copyOf(digits, 1_000_002))).isEqualTo(SHA256_1E6);
    }

    @Test
    void shorterResultsArePrefixesOfLongerOnes() throws IOException {
        // Sizes on both sides of the thresholds where the engine switches to threads.
        String longest = pi(45_001);
        for (int digits : new int[] {19_999, 20_000, 20_001, 30_000, 32_768, 44_999}) {
            assertThat(longest).startsWith(pi(digits));
        }
    }

    @Test
    void writesExactlyTheDigitsWithoutNewlineAndFlushes() throws IOException {
        AtomicLong flushed = new AtomicLong();
        ByteArrayOutputStream sink = new ByteArrayOutputStream() {
            @Override
            public void flush() {
                flushed.set(size());
            }
        };
        PiDigits.write(50, sink);
        assertThat(sink.toString(StandardCharsets.US_ASCII))
                .isEqualTo("3.14159265358979323846264338327950288419716939937510");
        assertThat(flushed).hasValue(52);
    }

    @Test
    void exceptionsOfTheSinkPropagateUnchanged() {
        IOException failure = new IOException("disk full");
        OutputStream failing = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw failure;
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                throw failure;
            }
        };
        assertThatThrownBy(() -> PiDigits.write(200_000, failing)).isSameAs(failure);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, Integer.MIN_VALUE, PiDigits.MAX_DIGITS + 1, Integer.MAX_VALUE})
    void rejectsSizesOutOfRangeStatingTheLimit(int digits) {
        assertThatThrownBy(() -> PiDigits.write(digits, OutputStream.nullOutputStream()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(String.valueOf(PiDigits.MAX_DIGITS))
                .hasMessageContaining(String.valueOf(digits));
    }

    @Test
    void acceptsTheLimitItself() {
        assertThatCode(() -> PiDigits.checkDigits(PiDigits.MAX_DIGITS)).doesNotThrowAnyException();
        assertThatCode(() -> PiDigits.checkDigits(1)).doesNotThrowAnyException();
    }

    @Test
    void progressRisesToOneThroughEveryPhase() throws IOException {
        List<Double> fractions = new ArrayList<>();
        List<String> phases = new ArrayList<>();
        PiDigits.write(300_000, OutputStream.nullOutputStream(), (fraction, phase) -> {
            fractions.add(fraction);
            if (!phases.contains(phase)) {
                phases.add(phase);
            }
        }, () -> false);
        assertThat(fractions).isSorted().last().isEqualTo(1.0);
        assertThat(fractions.getFirst()).isBetween(0.0, 0.1);
        assertThat(fractions).hasSizeBetween(10, 200);
        assertThat(phases).containsExactly("series", "division", "conversion");
    }

    @Test
    void cancellationStopsTheComputationSoon() {
        // Cancelled at 5 % of a 2·10^6-digit run, in the series, which looks at the flag at every
        // merge: it stops within 11-20 ms here, and a second leaves room for a loaded machine.
        AtomicLong cancelledAt = new AtomicLong();
        AtomicReference<Double> lastFraction = new AtomicReference<>(0.0);
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        assertThatThrownBy(() -> PiDigits.write(2_000_000, sink, (fraction, phase) -> {
            lastFraction.set(fraction);
            if (fraction > 0.05) {
                cancelledAt.compareAndSet(0, System.nanoTime());
            }
        }, () -> cancelledAt.get() != 0)).isInstanceOf(CancellationException.class);
        long stoppedAfterMillis = (System.nanoTime() - cancelledAt.get()) / 1_000_000;
        assertThat(stoppedAfterMillis).isLessThan(1000);
        assertThat(lastFraction.get()).isLessThan(0.15);
        assertThat(sink.size()).as("no digit written").isZero();
    }

    @Test
    void cancelledBeforeStartWritesNoDigits() {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        assertThatThrownBy(() -> PiDigits.write(10, sink, PiProgress.NONE, () -> true))
                .isInstanceOf(CancellationException.class);
        assertThat(sink.size()).isLessThanOrEqualTo(2);
    }

    static String pi(int digits) throws IOException {
        return new String(bytes(digits), StandardCharsets.US_ASCII);
    }

    static byte[] bytes(int digits) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(digits + 2);
        PiDigits.write(digits, out);
        return out.toByteArray();
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
