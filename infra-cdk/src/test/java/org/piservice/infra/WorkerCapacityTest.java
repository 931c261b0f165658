package org.piservice.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** Plain unit test of the worker's time/memory model; no synthesis. */
class WorkerCapacityTest {

    @Test
    void theLargestJobTakesAtMostTheComputingShareOfTheTimeout() {
        for (int memory : new int[] {512, 1769, 2048, 4096, 10_240}) {
            for (int timeout : new int[] {60, 300, 900}) {
                long digits = WorkerCapacity.maxDigits(memory, timeout);
                assertThat(WorkerCapacity.computeSeconds(digits, memory))
                        .as("%d MB, %d s", memory, timeout)
                        .isLessThanOrEqualTo(WorkerCapacity.TIME_SHARE * timeout * 1.0001);
            }
        }
    }

    @Test
    void moreTimeOrMemoryNeverLowersTheLimit() {
        assertThat(WorkerCapacity.maxDigits(2048, 900)).isGreaterThan(WorkerCapacity.maxDigits(2048, 300));
        assertThat(WorkerCapacity.maxDigits(1769, 900)).isGreaterThan(WorkerCapacity.maxDigits(885, 900));
        // One vCPU at 1,769 MB: beyond that the single-threaded engine is not faster.
        assertThat(WorkerCapacity.maxDigits(10_240, 900)).isEqualTo(WorkerCapacity.maxDigits(1769, 900));
    }

    @Test
    void smallFunctionsAreLimitedByMemory() {
        assertThat(WorkerCapacity.maxDigits(256, 900)).isZero();
        assertThat(WorkerCapacity.maxDigits(350, 900))
                .isEqualTo((350L - WorkerCapacity.BASE_MEMORY_MB) * 1024 * 1024 / WorkerCapacity.BYTES_PER_DIGIT);
    }

    @Test
    void theEstimateIsTheWorkersOwnOnOneVcpuAndSlowerOnLess() {
        // the worker's ComputeTimeModel: 1 s + 30 s x (digits / 10^6)^1.3
        assertThat(WorkerCapacity.computeSeconds(1_000_000, 1769)).isCloseTo(31.0, within(1e-9));
        assertThat(WorkerCapacity.computeSeconds(10_000_000, 2048)).isCloseTo(1 + 30 * Math.pow(10, 1.3), within(1e-9));
        assertThat(WorkerCapacity.computeSeconds(1_000_000, 1769 / 2)).isCloseTo(62.0, within(0.1));
    }
}
