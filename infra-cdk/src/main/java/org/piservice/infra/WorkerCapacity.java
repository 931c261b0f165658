package org.piservice.infra;

import java.time.Duration;
import org.piservice.core.ComputeTimeModel;

/**
 * How many digits one worker invocation can finish, so that the deployed {@code MAX_DIGITS} never
 * promises a job the worker cannot complete inside its Lambda timeout at its memory size.
 *
 * <p>Time is pi-core's own {@link ComputeTimeModel}, the estimate the worker refuses jobs by, at the
 * CPU share Lambda gives the function's memory. The largest job may use {@value #TIME_SHARE} of the
 * timeout, leaving the rest for the cold start, the tail of the S3 upload and recording the result.
 * Memory must hold the JVM and SDK clients plus a working set of {@value #BYTES_PER_DIGIT} bytes per
 * digit (the binary-splitting terms, the result and its decimal conversion).
 */
public final class WorkerCapacity {

    static final double TIME_SHARE = 0.8;
    static final int BASE_MEMORY_MB = 320;
    static final int BYTES_PER_DIGIT = 40;

    private WorkerCapacity() {
    }

    /** The largest digit count a worker with this memory and timeout finishes, by this model. */
    public static long maxDigits(int memoryMb, int timeoutSeconds) {
        Duration budget = Duration.ofMillis((long) (timeoutSeconds * 1000 * TIME_SHARE));
        long byTime = ComputeTimeModel.forLambdaMemory(memoryMb).maxDigitsWithin(budget);
        long byMemory = Math.max(0L, (memoryMb - BASE_MEMORY_MB) * 1024L * 1024L / BYTES_PER_DIGIT);
        return Math.min(byTime, byMemory);
    }
}
