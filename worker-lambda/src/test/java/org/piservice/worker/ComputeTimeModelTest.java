package org.piservice.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Plain unit test: the estimate the worker refuses jobs by. */
class ComputeTimeModelTest {

    @Test
    void tenMillionDigitsFitTheLambdaTimeoutOnOneVcpu() {
        Duration estimate = ComputeTimeModel.DEFAULT.estimate(10_000_000);

        assertThat(estimate).isBetween(Duration.ofSeconds(550), Duration.ofSeconds(650));
        assertThat(estimate).isLessThan(Duration.ofSeconds(900).minus(WorkerSettings.DEFAULT.cleanupReserve()));
    }

    @Test
    void lessMemoryMeansLessCpuAndMoreTime() {
        assertThat(ComputeTimeModel.forLambdaMemory(ComputeTimeModel.MB_PER_VCPU)).isEqualTo(ComputeTimeModel.DEFAULT);
        assertThat(ComputeTimeModel.forLambdaMemory(10_240)).isEqualTo(ComputeTimeModel.DEFAULT);
        double ratio = ComputeTimeModel.forLambdaMemory(ComputeTimeModel.MB_PER_VCPU / 2).estimate(1_000_000).toMillis()
                / (double) ComputeTimeModel.DEFAULT.estimate(1_000_000).toMillis();
        assertThat(ratio).isCloseTo(2.0, within(0.01));
    }
}
