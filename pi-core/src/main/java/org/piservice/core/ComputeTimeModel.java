package org.piservice.core;

import java.time.Duration;

/**
 * How long pi-core takes for a number of digits on one vCPU: {@code seconds = fixed + perMillion *
 * (digits / 10^6)^exponent}. The cost grows faster than linearly (the multiplications are n log n,
 * binary splitting adds another log, and the largest products outgrow the caches).
 *
 * <p>Measured with the command-line tool on one core of an x86 machine ({@code taskset -c 0 java
 * -jar pi-core.jar N}, JDK 25, runs listed in docs/PERFORMANCE.md): 10^7 digits in 11.9–12.3 s,
 * 10^8 in 91.7–91.8 s, 5·10^8 in 553.6–578.2 s. {@link #MEASURED} passes through the slowest run
 * at 10^7 and the slowest at 5·10^8, and lies above the runs at 10^8 (116 s). Past its largest run
 * the curve is not an estimate: at 10^9 it gives 2.0 times its 5·10^8 time, where an earlier engine
 * took 2.5 times. So {@link #maxDigitsWithin} admits no more than {@link #MEASURED_DIGITS}, whatever
 * the budget. The default adds half again as a margin for a slower Lambda vCPU.
 *
 * <p>This is the one estimate of the engine's speed: the worker refuses a job it predicts cannot
 * finish in its invocation, and the deployment derives its {@code MAX_DIGITS} from the same numbers,
 * so the two can never disagree. With its margin, a job the model admits is very likely to finish,
 * and one it refuses fails at once with a clear reason.
 */
public record ComputeTimeModel(double fixedSeconds, double secondsPerMillionDigits, double exponent) {

    /** pi-core on one core of the machine measured. */
    private static final ComputeTimeModel MEASURED = new ComputeTimeModel(1.0, 1.112, 1.007);

    /** The largest computation the curve was measured at, and the most it admits. */
    public static final long MEASURED_DIGITS = 500_000_000;

    /**
     * How much slower than the measured core a Lambda vCPU may be: a margin, not a measurement. It
     * also covers the worker's JVM, whose heap is not sized to the job as the command-line tool's
     * is: 10-20 % slower on the measured machine (docs/PERFORMANCE.md).
     */
    private static final double VCPU_MARGIN = 1.5;

    public static final ComputeTimeModel DEFAULT = MEASURED.slowerBy(VCPU_MARGIN);

    /** Lambda gives a function one full vCPU at this memory size, and a share of one below it. */
    public static final int LAMBDA_MB_PER_VCPU = 1769;

    /**
     * How much faster two cores finish than one (docs/PERFORMANCE.md): the fastest one-core run
     * took 1.59 times as long as the slowest two-core run at 10^8 digits and 1.70 times at 5·10^8;
     * the lower.
     */
    public static final double TWO_VCPU_SPEEDUP = 1.59;

    /** The memory from which a function has two full vCPUs, and the model its fastest estimate. */
    public static final int TWO_VCPU_MB = 2 * LAMBDA_MB_PER_VCPU;

    /**
     * The default model for a Lambda function of {@code memoryMb}: below one vCPU the computation
     * slows in proportion; from two full vCPUs it runs {@link #TWO_VCPU_SPEEDUP} faster. Between
     * one and two, and beyond two, the model counts nothing more: how the engine uses a fraction
     * of a core, or more than two, has not been measured, and a job admitted on a guess would
     * fail at its timeout.
     */
    public static ComputeTimeModel forLambdaMemory(int memoryMb) {
        double speed = memoryMb < LAMBDA_MB_PER_VCPU ? memoryMb / (double) LAMBDA_MB_PER_VCPU
                : memoryMb >= TWO_VCPU_MB ? TWO_VCPU_SPEEDUP : 1;
        return DEFAULT.slowerBy(1 / speed);
    }

    private ComputeTimeModel slowerBy(double factor) {
        return new ComputeTimeModel(fixedSeconds * factor, secondsPerMillionDigits * factor, exponent);
    }

    public Duration estimate(long digits) {
        return Duration.ofMillis((long) Math.ceil(seconds(digits) * 1000));
    }

    /**
     * The largest digit count whose estimate stays within {@code budget}, at most
     * {@link #MEASURED_DIGITS}; 0 when none does.
     */
    public long maxDigitsWithin(Duration budget) {
        double spare = budget.toMillis() / 1000.0 - fixedSeconds;
        if (spare <= 0) {
            return 0;
        }
        if (secondsPerMillionDigits <= 0) {
            return MEASURED_DIGITS;
        }
        long digits = (long) Math.min(MEASURED_DIGITS, 1e6 * Math.pow(spare / secondsPerMillionDigits, 1 / exponent));
        while (digits > 0 && seconds(digits) > budget.toMillis() / 1000.0) {
            digits--; // the closed form can land one above the budget through rounding
        }
        return digits;
    }

    private double seconds(long digits) {
        return fixedSeconds + secondsPerMillionDigits * Math.pow(digits / 1e6, exponent);
    }
}
