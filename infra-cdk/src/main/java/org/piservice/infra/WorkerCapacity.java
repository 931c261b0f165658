package org.piservice.infra;

/**
 * How many digits one worker invocation can finish, so that the deployed {@code MAX_DIGITS} never
 * promises a job the worker cannot complete inside its Lambda timeout at its memory size.
 *
 * <p>Time follows the worker's own estimate (its {@code ComputeTimeModel}, which it uses to refuse
 * a job that cannot finish): {@value #FIXED_SECONDS} s plus {@value #SECONDS_PER_MILLION_DIGITS} s
 * per million digits raised to the power {@value #GROWTH_EXPONENT}, on one full vCPU. That is pi-core
 * measured on a 2-core x86 machine and doubled, so it errs on the slow side. Lambda gives a function
 * CPU in proportion to its memory, one full vCPU at {@value #MB_PER_VCPU} MB; below that the job
 * takes longer in proportion, above it the estimate is not shortened (the gain depends on how much
 * of the engine runs in parallel). The largest job may use {@value #TIME_SHARE} of the timeout,
 * leaving the rest for the cold start, the tail of the S3 upload and recording the result.
 * Memory must hold the JVM and SDK clients plus a working set of {@value #BYTES_PER_DIGIT} bytes per
 * digit (the binary-splitting terms, the result and its decimal conversion).
 */
public final class WorkerCapacity {

    static final double FIXED_SECONDS = 1.0;
    static final double SECONDS_PER_MILLION_DIGITS = 30.0;
    static final double GROWTH_EXPONENT = 1.3;
    static final int MB_PER_VCPU = 1769;
    static final double TIME_SHARE = 0.8;
    static final int BASE_MEMORY_MB = 320;
    static final int BYTES_PER_DIGIT = 24;

    private WorkerCapacity() {
    }

    /** Estimated seconds to compute {@code digits} digits on a worker with {@code memoryMb} MB. */
    public static double computeSeconds(long digits, int memoryMb) {
        return (FIXED_SECONDS + SECONDS_PER_MILLION_DIGITS * Math.pow(digits / 1e6, GROWTH_EXPONENT))
                / cpuShare(memoryMb);
    }

    /** The largest digit count a worker with this memory and timeout finishes, by this model. */
    public static long maxDigits(int memoryMb, int timeoutSeconds) {
        double budgetSeconds = timeoutSeconds * TIME_SHARE * cpuShare(memoryMb) - FIXED_SECONDS;
        long byTime = budgetSeconds <= 0 ? 0
                : (long) (1e6 * Math.pow(budgetSeconds / SECONDS_PER_MILLION_DIGITS, 1 / GROWTH_EXPONENT));
        long byMemory = Math.max(0L, (memoryMb - BASE_MEMORY_MB) * 1024L * 1024L / BYTES_PER_DIGIT);
        return Math.min(byTime, byMemory);
    }

    private static double cpuShare(int memoryMb) {
        return Math.min(1.0, (double) memoryMb / MB_PER_VCPU);
    }
}
