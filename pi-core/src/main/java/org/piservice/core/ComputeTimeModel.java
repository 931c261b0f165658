package org.piservice.core;

import java.time.Duration;

/**
 * How long pi-core takes for a number of digits on one vCPU: {@code seconds = fixed + perMillion *
 * (digits / 10^6)^exponent}. The cost grows faster than linearly (the multiplications are n log n,
 * binary splitting adds another log, and the largest products outgrow the caches).
 *
 * <p>Measured with the command-line tool on one core of an x86 machine ({@code taskset -c 0 java
 * -jar pi-core.jar N}, JDK 25): 10^7 digits in 12.9–13.9 s, 10^8 in 143–144 s; 10^9 took 2,060 s
 * of CPU on two cores, which bounds its one-core time (at 10^8 two cores spent 147–151 s of CPU
 * against 143–144 s on one). The curve {@code 1 + 1.032 * (digits/10^6)^1.10} passes through that
 * bound and lies on or above every run (14.0 s at 10^7, 165 s at 10^8); the default adds half again
 * as a margin for a slower Lambda vCPU. docs/PERFORMANCE.md has the runs.
 *
 * <p>This is the one estimate of the engine's speed: the worker refuses a job it predicts cannot
 * finish in its invocation, and the deployment derives its {@code MAX_DIGITS} from the same numbers,
 * so the two can never disagree. With its margin, a job the model admits is very likely to finish,
 * and one it refuses fails at once with a clear reason.
 */
public record ComputeTimeModel(double fixedSeconds, double secondsPerMillionDigits, double exponent) {

    public static final ComputeTimeModel DEFAULT = new ComputeTimeModel(1.0, 1.55, 1.10);

    /** Lambda gives a function one full vCPU at this memory size, and a share of one below it. */
    public static final int LAMBDA_MB_PER_VCPU = 1769;

    /**
     * How much faster two cores finish than one: 10^8 digits on one core took 1.70 and 1.78 times
     * as long as on two, in two interleaved pairs (docs/PERFORMANCE.md); the lower one.
     */
    public static final double TWO_VCPU_SPEEDUP = 1.70;

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
        return new ComputeTimeModel(DEFAULT.fixedSeconds / speed, DEFAULT.secondsPerMillionDigits / speed,
                DEFAULT.exponent);
    }

    public Duration estimate(long digits) {
        return Duration.ofMillis((long) Math.ceil(seconds(digits) * 1000));
    }

    /** The largest digit count whose estimate stays within {@code budget}; 0 when none does. */
    public long maxDigitsWithin(Duration budget) {
        double spare = budget.toMillis() / 1000.0 - fixedSeconds;
        if (spare <= 0) {
            return 0;
        }
        if (secondsPerMillionDigits <= 0) {
            return Long.MAX_VALUE;
        }
        long digits = (long) (1e6 * Math.pow(spare / secondsPerMillionDigits, 1 / exponent));
        while (digits > 0 && seconds(digits) > budget.toMillis() / 1000.0) {
            digits--; // the closed form can land one above the budget through rounding
        }
        return digits;
    }

    private double seconds(long digits) {
        return fixedSeconds + secondsPerMillionDigits * Math.pow(digits / 1e6, exponent);
    }
}
