package org.piservice.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.piservice.core.PiDigits;

class EnginePrimingTest {

    private final List<Integer> computed = new ArrayList<>();
    private final PiWriter engine = (digits, out, progress, cancelled) -> computed.add(digits);

    @ParameterizedTest
    @ValueSource(strings = {"snap-start", "provisioned-concurrency"})
    void computesAtThePrimingSizeInInitsThatNoJobWaitsFor(String initializationType) {
        // WHEN the worker is built in an init that happens before any job arrives
        boolean primed = EnginePriming.primeIfAheadOfJobs(initializationType, engine, 100_000_000);

        // THEN the engine ran, often enough for the JIT to settle and large enough to reach its
        // parallel transforms
        assertThat(primed).isTrue();
        assertThat(computed).hasSize(PiDigits.PRIMING_RUNS).containsOnly(PiDigits.PRIMING_DIGITS);
    }

    @Test
    void staysWithinTheDeploymentsDigitLimit() {
        // WHEN a deployment that accepts at most 50,000 digits (and has memory for those) primes
        EnginePriming.primeIfAheadOfJobs("snap-start", engine, 50_000);

        // THEN it computes no more than its jobs ever will
        assertThat(computed).hasSize(PiDigits.PRIMING_RUNS).containsOnly(50_000);
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"on-demand", "", "SNAP-START"})
    void leavesOtherInitsAlone(String initializationType) {
        // WHEN the worker is built on demand (a job is waiting), locally, or in a test
        boolean primed = EnginePriming.primeIfAheadOfJobs(initializationType, engine, 100_000_000);

        // THEN nothing is computed ahead of that job
        assertThat(primed).isFalse();
        assertThat(computed).isEmpty();
    }
}
