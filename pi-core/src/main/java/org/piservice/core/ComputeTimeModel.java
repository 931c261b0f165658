package org.piservice.core;

import java.time.Duration;

/**
 * How long pi-core takes for a number of digits on one vCPU: {@code seconds = fixed + perMillion *
 * (digits / 10^6)^exponent}. The cost grows a little faster than linearly (the multiplications are
 * n log n, and binary splitting adds another log).
 *
 * <p>Measured with pi-core on one core of an x86 machine (JDK 25, C2, {@code
 * -XX:ActiveProcessorCount=1}, two runs each): 3·10^6 digits in 4.8–5.3 s, 10^7 in 19.0–19.6 s;
 * 10^8 took 223 s of CPU on two cores. That fits {@code 1.4 * (digits/10^6)^1.15}, and the
 * default adds half again as a margin for a slower Lambda vCPU.
 *
 * <p>This is the one estimate of the engine's speed: the worker refuses a job it predicts cannot
 * finish in its invocation, and the deployment derives its {@code MAX_DIGITS} from the same numbers,
 * so the two can never disagree. The constants come from the benchmark (see docs/PERFORMANCE.md),
 * with a margin: a job the model admits is very likely to finish, and one it refuses fails at once
 * with a clear reason.
 */
public record ComputeTimeModel(double fixedSeconds, double secondsPerMillionDigits, double exponent) {

    public static final ComputeTimeModel DEFAULT = new ComputeTimeModel(1.0, 2.1, 1.15);

    /** Lambda gives a function one full vCPU at this memory size, and a share of one below it. */
    public static final int LAMBDA_MB_PER_VCPU = 1769;

    /**
     * The default model for a Lambda function of {@code memoryMb}: below one vCPU the computation
     * slows in proportion; above it the estimate stays (how much faster depends on how much of
     * the engine runs in parallel, so the model does not count on it).
     */
    public static ComputeTimeModel forLambdaMemory(int memoryMb) {
        double slowdown = LAMBDA_MB_PER_VCPU / (double) Math.min(memoryMb, LAMBDA_MB_PER_VCPU);
        return new ComputeTimeModel(DEFAULT.fixedSeconds * slowdown, DEFAULT.secondsPerMillionDigits * slowdown,
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
