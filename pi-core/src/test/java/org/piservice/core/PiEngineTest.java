package org.piservice.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The engine's certification of digits: starved of guard bits, it must retry, never guess. */
class PiEngineTest {

    private static final String REFERENCE = "3." + MachinPi.decimals(1000);

    @Test
    void digitsBeforeTheFeynmanPointAreRecomputedWithMorePrecision() throws IOException {
        // Decimals 762..767 are 999999: cut after 761, 16 guard bits cannot tell ...999999 from ...000000.
        PiEngine engine = new PiEngine(Multiplier.JDK, 16);
        assertThat(write(engine, 761)).isEqualTo(REFERENCE.substring(0, 763));
        assertThat(engine.attempts()).isGreaterThan(1);

        assertThat(write(engine, 700)).isEqualTo(REFERENCE.substring(0, 702));
        assertThat(engine.attempts()).isEqualTo(1);
    }

    @Test
    void retriesResumeAfterTheDigitsAlreadyWritten() throws IOException {
        // Two chunks are written before the third turns out ambiguous, twice.
        PiEngine engine = new PiEngine(Multiplier.JDK, 8);
        assertThat(write(engine, 761)).isEqualTo(REFERENCE.substring(0, 763));
        assertThat(engine.attempts()).isEqualTo(3);
    }

    @Test
    void withAlmostNoGuardBitsEverySizeIsStillExact() throws IOException {
        PiEngine engine = new PiEngine(Multiplier.JDK, 1);
        for (int digits = 1; digits <= 1000; digits += 7) {
            assertThat(write(engine, digits)).as("%d digits", digits).isEqualTo(REFERENCE.substring(0, digits + 2));
        }
    }

    @Test
    void withAlmostNoGuardBitsASizeConvertedOnSeveralThreadsIsStillExact() throws IOException {
        // From 2^20 digits the conversion hands right halves to other threads, and retries skip what was written
        int digits = 3 << 20;
        PiEngine starved = new PiEngine(Multiplier.FAST, 1);
        assertThat(write(starved, digits)).isEqualTo(write(new PiEngine(Multiplier.FAST, PiEngine.DEFAULT_GUARD_BITS), digits));
        assertThat(starved.attempts()).isGreaterThan(1);
    }

    @Test
    void fastMultiplicationAgreesWithTheJdksAtRandomSizes() throws IOException {
        Random random = new Random(5);
        for (int i = 0; i < 6; i++) {
            int digits = 20_000 + random.nextInt(180_000);
            assertThat(write(new PiEngine(Multiplier.FAST, PiEngine.DEFAULT_GUARD_BITS), digits))
                    .as("%d digits", digits)
                    .isEqualTo(write(new PiEngine(Multiplier.JDK, PiEngine.DEFAULT_GUARD_BITS), digits));
        }
    }

    private static String write(PiEngine engine, int digits) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        engine.write(digits, out, new Computation(PiProgress.NONE, () -> false));
        return out.toString(StandardCharsets.US_ASCII);
    }
}
