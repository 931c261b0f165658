package org.piservice.worker;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Set;
import org.piservice.core.PiDigits;

/**
 * Computes π a few times during an init that no job waits for, so that the engine's arithmetic is
 * compiled (C2) before the first job instead of during it, at pi-core's priming size
 * ({@link PiDigits#PRIMING_DIGITS}, or the deployment's limit when that is lower): a 10^7-digit job
 * then takes about half the time it takes cold (the benchmark's engine {@code pi-core-primed}, see
 * docs/PERFORMANCE.md). The two runs take 11-13 s on two cores and 18 s on one, well within the
 * 130 s that a SnapStart init may take. It helps the jobs computed in the worker's own JVM, not
 * those of a child JVM ({@code WorkerMemory}). With SnapStart the init runs once per published
 * version and every worker restored from its snapshot starts with the compiled code; with
 * provisioned concurrency every pre-initialized worker does. An on-demand init (and the local run,
 * and tests) skips it: there a job is waiting, and priming would only delay it.
 */
final class EnginePriming {

    /** The values of {@code AWS_LAMBDA_INITIALIZATION_TYPE} for inits that happen before any job arrives. */
    static final Set<String> AHEAD_OF_JOBS = Set.of("snap-start", "provisioned-concurrency");

    private EnginePriming() {
    }

    /**
     * Runs the engine if {@code initializationType} is an init ahead of jobs, at no more than
     * {@code maxDigits}; returns whether it did.
     */
    static boolean primeIfAheadOfJobs(String initializationType, PiWriter engine, int maxDigits) {
        if (initializationType == null || !AHEAD_OF_JOBS.contains(initializationType)) {
            return false;
        }
        int digits = Math.min(PiDigits.PRIMING_DIGITS, maxDigits);
        try {
            for (int run = 0; run < PiDigits.PRIMING_RUNS; run++) {
                engine.write(digits, OutputStream.nullOutputStream(), (fraction, phase) -> { }, () -> false);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("priming wrote to a null stream, which cannot fail", e);
        }
        return true;
    }
}
