package org.piservice.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.piservice.contract.JobDelivery;
import org.piservice.contract.WorkerMemory;
import org.piservice.core.ComputeTimeModel;
import org.piservice.core.HeapModel;

/** Plain unit test of the worker's time/memory model; no synthesis. */
class WorkerCapacityTest {

    @Test
    void theLargestJobTakesAtMostTheComputingShareOfTheTimeoutAndStartsWithinTheWorkersReserve() {
        for (int memory : new int[] {512, 1769, 2048, 4096, 10_240}) {
            for (int timeout : new int[] {60, 120, 180, 300, 900}) {
                long digits = WorkerCapacity.maxDigits(memory, timeout);
                double seconds = ComputeTimeModel.forLambdaMemory(memory).estimate(digits).toMillis() / 1000.0;
                assertThat(seconds).as("%d MB, %d s", memory, timeout)
                        .isLessThanOrEqualTo(WorkerCapacity.TIME_SHARE * timeout * 1.0001);
                // the worker refuses a job whose estimate is more than its invocation's time left
                // less the cleanup reserve
                assertThat(seconds).as("%d MB, %d s", memory, timeout).isLessThanOrEqualTo(
                        timeout - JobDelivery.CLEANUP_RESERVE.toSeconds() - WorkerCapacity.START.toSeconds() + 0.001);
            }
        }
    }

    @Test
    void eachMemoryAdmitsWhatThePerformanceNotesSay() {
        // docs/PERFORMANCE.md, "What each worker memory admits at a 900 s timeout", to three figures
        assertThat(WorkerCapacity.maxDigits(1769, 900)).isCloseTo(154_000_000L, within(500_000L));
        assertThat(WorkerCapacity.maxDigits(3538, 900)).isCloseTo(346_000_000L, within(500_000L));
        assertThat(WorkerCapacity.maxDigits(5120, 900)).isCloseTo(500_000_000L, within(500_000L));
        assertThat(WorkerCapacity.maxDigits(10_240, 900)).isCloseTo(500_000_000L, within(500_000L));
    }

    @Test
    void moreTimeOrMemoryNeverLowersTheLimit() {
        assertThat(WorkerCapacity.maxDigits(4096, 900)).isGreaterThan(WorkerCapacity.maxDigits(4096, 300));
        assertThat(WorkerCapacity.maxDigits(1769, 900)).isGreaterThan(WorkerCapacity.maxDigits(885, 900));
        assertThat(WorkerCapacity.maxDigits(5120, 900)).isGreaterThan(WorkerCapacity.maxDigits(1769, 900));
        // The model counts two vCPUs at most and no more digits than it was measured at, so at
        // 10,240 MB the time model, not memory, is the limit.
        assertThat(WorkerCapacity.maxDigits(10_240, 900))
                .isEqualTo(WorkerCapacity.maxDigits(8192, 900))
                .isEqualTo(ComputeTimeModel.forLambdaMemory(10_240).maxDigitsWithin(Duration.ofSeconds(720)));
    }

    @Test
    void smallFunctionsAreLimitedByMemory() {
        assertThat(WorkerCapacity.maxDigits(112, 900)).isZero();
        assertThat(WorkerCapacity.maxDigits(350, 900))
                .isEqualTo(HeapModel.DEFAULT.maxDigits(
                        (350L - WorkerMemory.WORKER_NON_HEAP_MB - WorkerMemory.SERVICE_HEAP_MB) * 1024 * 1024));
    }
}
