package org.piservice.core;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * The decimal digits of π: {@code 3.} followed by exactly the requested number of decimals,
 * truncated (never rounded), written to a caller's stream without a trailing newline.
 *
 * <p>Chudnovsky series summed by binary splitting on all cores, Newton iterations for the square
 * root and the division, and a divide-and-conquer decimal conversion that writes digits as soon as
 * they are known. Every digit is certified against an error bound; where the bound cannot decide
 * (a long run of 0s or 9s), the engine recomputes with more precision before writing it.
 */
public final class PiDigits {

    /**
     * The engine's tested limit. Its numbers have no practical bound (2^37 bits, and transforms of
     * up to 10^11 bits), so this is set by what a run has checked against another program and by
     * memory: 10^9 digits take several GB. What a service allows is usually lower and set by time.
     */
    public static final int MAX_DIGITS = 1_000_000_000;

    /**
     * Digits a long-lived JVM computes, {@link #PRIMING_RUNS} times and untimed, before the jobs it
     * keeps (a worker before its snapshot, a benchmark's primed engine). The JIT recompiles the
     * engine with better profiles for several computations, and shorter ones do not get it there:
     * after three of 10^6 digits a 10^7-digit job took 4.3 s, after two of 10^7 3.8 s, and from a
     * JVM's fourth of 10^7 on 3.4 s (docs/PERFORMANCE.md, Primed JVMs). A JVM whose jobs are
     * smaller primes with its own limit instead.
     */
    public static final int PRIMING_DIGITS = 10_000_000;
    /** How many times {@link #PRIMING_DIGITS} are computed; a third gained less than the noise. */
    public static final int PRIMING_RUNS = 2;

    private PiDigits() {
    }

    /** Writes π to {@code digits} decimals; see {@link #write(int, OutputStream, PiProgress, BooleanSupplier)}. */
    public static void write(int digits, OutputStream out) throws IOException {
        write(digits, out, PiProgress.NONE, () -> false);
    }

    /**
     * Writes {@code 3.} and the first {@code digits} decimals of π to {@code out}: exactly
     * {@code digits + 2} ASCII bytes. The stream is flushed, not closed.
     *
     * @param progress  told of the progress, from 0 to 1.0 at the end (see {@link PiProgress})
     * @param cancelled polled often; when it answers true the computation stops
     * @throws IllegalArgumentException when digits is below 1 or above {@link #MAX_DIGITS}
     * @throws java.util.concurrent.CancellationException when cancelled; part of the digits may have
     *         been written
     * @throws IOException from the stream, as is
     */
    public static void write(int digits, OutputStream out, PiProgress progress, BooleanSupplier cancelled)
            throws IOException {
        checkDigits(digits);
        Objects.requireNonNull(out, "out");
        Objects.requireNonNull(progress, "progress");
        Objects.requireNonNull(cancelled, "cancelled");
        new PiEngine(Multiplier.DEFAULT, PiEngine.DEFAULT_GUARD_BITS)
                .write(digits, out, new Computation(progress, cancelled));
    }

    /** Throws the exception {@link #write} throws for a digit count out of range. */
    public static void checkDigits(int digits) {
        if (digits < 1 || digits > MAX_DIGITS) {
            throw new IllegalArgumentException(
                    "digits must be between 1 and " + MAX_DIGITS + ", got " + digits);
        }
    }
}
