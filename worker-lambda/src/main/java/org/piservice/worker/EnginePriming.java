package org.piservice.worker;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Set;

/**
 * Computes π a few times during an init that no job waits for, so that the engine's arithmetic is
 * compiled (C2) before the first job instead of during it: a 10^6-digit job then takes about half
 * as long, a 10^7-digit one about a sixth less (the benchmark's engine {@code pi-core-primed}, see
 * docs/PERFORMANCE.md). It helps the jobs computed in the worker's own JVM, not those of a child JVM
 * ({@code WorkerMemory}). With SnapStart the init runs once per published version and
 * every worker restored from its snapshot starts with the compiled code; with provisioned
 * concurrency every pre-initialized worker does. An on-demand init (and the local run, and tests)
 * skips it: there a job is waiting, and priming would only delay it.
 */
final class EnginePriming {

    /** The values of {@code AWS_LAMBDA_INITIALIZATION_TYPE} for inits that happen before any job arrives. */
    static final Set<String> AHEAD_OF_JOBS = Set.of("snap-start", "provisioned-concurrency");

    /**
     * Large enough that the products reach the transforms split across cores (4 Mibit and up),
     * where large jobs spend most of their time; a deployment that accepts fewer digits primes with
     * its own limit, which its memory is sized for.
     */
    static final int DIGITS = 1_000_000;
    /**
     * The JIT keeps recompiling with better profiles over the first runs; after three, a job runs
     * about as fast as in a warm JVM. They take about 4 s on two cores, well within the 130 s that
     * a SnapStart init may take.
     */
    static final int RUNS = 3;

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
        int digits = Math.min(DIGITS, maxDigits);
        try {
            for (int run = 0; run < RUNS; run++) {
                engine.write(digits, OutputStream.nullOutputStream(), (fraction, phase) -> { }, () -> false);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("priming wrote to a null stream, which cannot fail", e);
        }
        return true;
    }
}
