package org.piservice.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Plain unit test: the estimate the worker refuses jobs by and the deployment sizes MAX_DIGITS by. */
class ComputeTimeModelTest {

    @Test
    void lessMemoryMeansLessCpuAndMoreTime() {
        int oneVcpu = ComputeTimeModel.LAMBDA_MB_PER_VCPU;
        assertThat(ComputeTimeModel.forLambdaMemory(oneVcpu)).isEqualTo(ComputeTimeModel.DEFAULT);
        assertThat(ComputeTimeModel.forLambdaMemory(10_240)).isEqualTo(ComputeTimeModel.DEFAULT);
        double ratio = ComputeTimeModel.forLambdaMemory(oneVcpu / 2).estimate(1_000_000).toMillis()
                / (double) ComputeTimeModel.DEFAULT.estimate(1_000_000).toMillis();
        assertThat(ratio).isCloseTo(2.0, within(0.01));
    }

    @Test
    void maxDigitsWithinIsTheLargestCountThatFitsTheBudget() {
        for (int seconds : new int[] {2, 10, 60, 720}) {
            Duration budget = Duration.ofSeconds(seconds);
            long digits = ComputeTimeModel.DEFAULT.maxDigitsWithin(budget);

            assertThat(ComputeTimeModel.DEFAULT.estimate(digits)).isLessThanOrEqualTo(budget);
            assertThat(ComputeTimeModel.DEFAULT.estimate(digits + 1000)).isGreaterThan(budget);
        }
    }

    @Test
    void aBudgetBelowTheFixedCostAdmitsNothing() {
        assertThat(ComputeTimeModel.DEFAULT.maxDigitsWithin(Duration.ofMillis(500))).isZero();
    }
}
