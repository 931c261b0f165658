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
        assertThat(speedup(oneVcpu / 2)).isCloseTo(0.5, within(0.01));
    }

    @Test
    void twoVcpusCountAsTheMeasuredSpeedupAndNoMore() {
        int twoVcpus = ComputeTimeModel.TWO_VCPU_MB;
        assertThat(ComputeTimeModel.forLambdaMemory(twoVcpus - 1)).isEqualTo(ComputeTimeModel.DEFAULT);
        for (int memory : new int[] {twoVcpus, 5120, 10_240}) {
            assertThat(speedup(memory)).as("%d MB", memory)
                    .isCloseTo(ComputeTimeModel.TWO_VCPU_SPEEDUP, within(0.01));
        }
    }

    private static double speedup(int memoryMb) {
        long digits = 100_000_000;
        return ComputeTimeModel.DEFAULT.estimate(digits).toMillis()
                / (double) ComputeTimeModel.forLambdaMemory(memoryMb).estimate(digits).toMillis();
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
    void noBudgetAdmitsMoreThanTheLargestMeasuredRun() {
        ComputeTimeModel fastest = ComputeTimeModel.forLambdaMemory(10_240);
        assertThat(fastest.estimate(ComputeTimeModel.MEASURED_DIGITS)).isLessThan(Duration.ofSeconds(720));
        assertThat(fastest.maxDigitsWithin(Duration.ofSeconds(720))).isEqualTo(ComputeTimeModel.MEASURED_DIGITS);
        assertThat(fastest.maxDigitsWithin(Duration.ofDays(1))).isEqualTo(ComputeTimeModel.MEASURED_DIGITS);
    }

    @Test
    void aBudgetBelowTheFixedCostAdmitsNothing() {
        assertThat(ComputeTimeModel.DEFAULT.maxDigitsWithin(Duration.ofMillis(500))).isZero();
    }
}
