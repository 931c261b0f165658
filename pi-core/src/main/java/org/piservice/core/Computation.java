package org.piservice.core;

import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;

/**
 * What one call of {@link PiDigits#write} shares between its phases and threads: the caller's
 * cancellation flag and a throttled, monotonic progress report.
 */
final class Computation {

    /** Progress is reported in steps of at least this much, so callers can do I/O in the callback. */
    private static final double REPORT_STEP = 0.01;

    private final PiProgress progress;
    private final BooleanSupplier cancelled;
    private double reported = -1;
    private String reportedPhase = "";

    Computation(PiProgress progress, BooleanSupplier cancelled) {
        this.progress = progress;
        this.cancelled = cancelled;
    }

    /** Throws when the caller cancelled. */
    void checkCancelled() {
        if (cancelled.getAsBoolean()) {
            throw new CancellationException("pi computation cancelled");
        }
    }

    synchronized void report(double fraction, String phase) {
        double clamped = Math.min(1.0, Math.max(reported, fraction));
        boolean newPhase = !phase.equals(reportedPhase);
        if (newPhase || clamped >= reported + REPORT_STEP || (clamped == 1.0 && reported < 1.0)) {
            reported = clamped;
            reportedPhase = phase;
            progress.update(clamped, phase);
        }
    }
}
