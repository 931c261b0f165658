package org.piservice.infra;

/**
 * How many digits one worker invocation can finish, so that the deployed {@code MAX_DIGITS} never
 * promises a job the worker cannot complete inside its Lambda timeout at its memory size.
 *
 * <p>The model is deliberately simple and conservative. Engine time grows as a power of the digit
 * count, calibrated on the slowest engine measured for this project (JDK {@code BigInteger}
 * Chudnovsky: about 8.4 s for 10^6 digits and 150 to 180 s for 10^7 on one core, so the exponent is
 * about 1.3); a faster engine only adds headroom. Lambda gives a function CPU in proportion to its
 * memory, one full vCPU at {@value #MB_PER_VCPU} MB, and the engine is assumed to use one core, so
 * more memory than that buys no speed. Only {@value #TIME_SHARE} of the timeout is spent on
 * computing: the rest is left for the cold start, the tail of the S3 upload and slower hardware.
 * Memory must hold the JVM and SDK clients plus a working set of {@value #BYTES_PER_DIGIT} bytes per
 * digit (the binary-splitting terms, the result and its decimal conversion).
 */
public final class WorkerCapacity {

    static final double SECONDS_PER_MILLION_DIGITS = 8.4;
    static final double GROWTH_EXPONENT = 1.3;
    static final int MB_PER_VCPU = 1769;
    static final double TIME_SHARE = 0.5;
    static final int BASE_MEMORY_MB = 320;
    static final int BYTES_PER_DIGIT = 24;

    private WorkerCapacity() {
    }

    /** Estimated seconds to compute {@code digits} digits on a worker with {@code memoryMb} MB. */
    public static double computeSeconds(long digits, int memoryMb) {
        double cpuShare = Math.min(1.0, (double) memoryMb / MB_PER_VCPU);
        return SECONDS_PER_MILLION_DIGITS * Math.pow(digits / 1e6, GROWTH_EXPONENT) / cpuShare;
    }

    /** The largest digit count a worker with this memory and timeout finishes, by this model. */
    public static long maxDigits(int memoryMb, int timeoutSeconds) {
        double cpuShare = Math.min(1.0, (double) memoryMb / MB_PER_VCPU);
        double budgetSeconds = timeoutSeconds * TIME_SHARE * cpuShare;
        long byTime = (long) (1e6 * Math.pow(budgetSeconds / SECONDS_PER_MILLION_DIGITS, 1 / GROWTH_EXPONENT));
        long byMemory = Math.max(0L, (memoryMb - BASE_MEMORY_MB) * 1024L * 1024L / BYTES_PER_DIGIT);
        return Math.min(byTime, byMemory);
    }
}
