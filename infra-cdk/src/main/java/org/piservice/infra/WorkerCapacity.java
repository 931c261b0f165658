package org.piservice.infra;

import java.time.Duration;
import org.piservice.contract.JobDelivery;
import org.piservice.contract.WorkerMemory;
import org.piservice.core.ComputeTimeModel;
import org.piservice.core.HeapModel;

/**
 * How many digits one worker invocation can finish, so that the deployed {@code MAX_DIGITS} never
 * promises a job the worker cannot complete inside its Lambda timeout at its memory size.
 *
 * <p>Time is pi-core's own {@link ComputeTimeModel}, the estimate the worker refuses jobs by, at the
 * CPU share Lambda gives the function's memory. The largest job may use {@value #TIME_SHARE} of the
 * timeout, leaving the rest for the cold start, the tail of the S3 upload and recording the result;
 * and no more than the worker starts, which keeps {@link JobDelivery#CLEANUP_RESERVE} back (and
 * loses {@link #START} to its start and claim), which is less for timeouts below 250 s.
 * Memory is pi-core's {@link HeapModel} on what {@link WorkerMemory} gives a computation of the
 * function's memory (in the worker's JVM or in a child JVM), the same limit the worker applies to
 * each computation at run time.
 */
public final class WorkerCapacity {

    static final double TIME_SHARE = 0.8;
    /** An invocation's time before it can start computing: a restore from the SnapStart snapshot and the claim. */
    static final Duration START = Duration.ofSeconds(10);

    private WorkerCapacity() {
    }

    /** The largest digit count a worker with this memory and timeout finishes, by this model. */
    public static long maxDigits(int memoryMb, int timeoutSeconds) {
        Duration timeout = Duration.ofSeconds(timeoutSeconds);
        Duration share = Duration.ofMillis((long) (timeout.toMillis() * TIME_SHARE));
        Duration startable = timeout.minus(JobDelivery.CLEANUP_RESERVE).minus(START);
        Duration budget = share.compareTo(startable) < 0 ? share : startable;
        long byTime = ComputeTimeModel.forLambdaMemory(memoryMb).maxDigitsWithin(budget);
        long byMemory = WorkerMemory.maxDigits(memoryMb * 1024L * 1024L, WorkerMemory.heapBytes(memoryMb));
        return Math.min(byTime, byMemory);
    }
}
