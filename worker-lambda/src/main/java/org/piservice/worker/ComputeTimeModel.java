package org.piservice.worker;

import java.time.Duration;

/**
 * How long pi-core takes for a number of digits, on the worker's CPU: {@code seconds = fixed +
 * perMillion * (digits / 10^6)^exponent}. The cost grows a little faster than linearly (the
 * multiplications are n log n, and binary splitting adds another log).
 *
 * <p>The default was measured with pi-core on a 2-core x86 machine (1e6 digits ≈ 14 s, 4e6 ≈ 85 s,
 * an exponent of ≈ 1.3) and doubled for a 1-vCPU Lambda: it errs on the slow side, so a job that the
 * model admits is very likely to finish, and one it refuses fails at once with a clear reason.
 */
public record ComputeTimeModel(double fixedSeconds, double secondsPerMillionDigits, double exponent) {

    public static final ComputeTimeModel DEFAULT = new ComputeTimeModel(1.0, 30.0, 1.3);

    /** Lambda gives a function one full vCPU at this memory size, and a share of one below it. */
    static final int MB_PER_VCPU = 1769;

    /**
     * The default model for a Lambda function of {@code memoryMb}: below one vCPU the computation
     * slows in proportion; above it the estimate stays (how much faster depends on how much of
     * the engine runs in parallel, so the model does not count on it).
     */
    public static ComputeTimeModel forLambdaMemory(int memoryMb) {
        double slowdown = MB_PER_VCPU / (double) Math.min(memoryMb, MB_PER_VCPU);
        return new ComputeTimeModel(DEFAULT.fixedSeconds * slowdown, DEFAULT.secondsPerMillionDigits * slowdown,
                DEFAULT.exponent);
    }

    public Duration estimate(int digits) {
        double seconds = fixedSeconds + secondsPerMillionDigits * Math.pow(digits / 1e6, exponent);
        return Duration.ofMillis((long) Math.ceil(seconds * 1000));
    }
}
