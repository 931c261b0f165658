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

    public Duration estimate(int digits) {
        double seconds = fixedSeconds + secondsPerMillionDigits * Math.pow(digits / 1e6, exponent);
        return Duration.ofMillis((long) Math.ceil(seconds * 1000));
    }
}
