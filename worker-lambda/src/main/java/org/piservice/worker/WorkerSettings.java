package org.piservice.worker;

import java.time.Duration;
import org.piservice.contract.JobDelivery;
import org.piservice.contract.WorkerMemory;
import org.piservice.core.ComputeTimeModel;
import org.piservice.core.HeapModel;

/**
 * The worker's timing and retry policy.
 *
 * @param heartbeatInterval how often a running job records that its worker is alive, and its progress
 * @param staleAfter how old a heartbeat must be before another worker may take the job over; the
 *        deployed worker uses {@link JobDelivery#STALE_AFTER}, which the api counts on too
 * @param maxAttempts claims of a job before it is failed for good; the deployed worker uses
 *        {@link JobDelivery#MAX_ATTEMPTS}, which the queue's delivery limit leaves room for
 * @param cleanupReserve time kept back at the end of an invocation to abort the upload and record
 *        the failure: both calls' budgets ({@link WorkerClients#BUDGETS})
 * @param timeModel the estimate of a computation's length, to refuse what cannot finish in time
 * @param heapBytes the JVM's own maximum heap, which its {@code MaxRAMPercentage} sets, not the
 *        function's memory; computations may fill what {@link WorkerMemory} leaves of it
 */
public record WorkerSettings(
        Duration heartbeatInterval,
        Duration staleAfter,
        int maxAttempts,
        Duration cleanupReserve,
        ComputeTimeModel timeModel,
        long heapBytes) {

    public static final WorkerSettings DEFAULT = new WorkerSettings(
            Duration.ofSeconds(3), JobDelivery.STALE_AFTER, JobDelivery.MAX_ATTEMPTS, Duration.ofSeconds(40),
            ComputeTimeModel.DEFAULT, Runtime.getRuntime().maxMemory());

    /**
     * The defaults, with the time model scaled to the function's memory when Lambda says what it is
     * ({@code AWS_LAMBDA_FUNCTION_MEMORY_SIZE}).
     */
    public static WorkerSettings fromEnvironment() {
        String memory = System.getenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE");
        if (memory == null) {
            return DEFAULT;
        }
        return new WorkerSettings(DEFAULT.heartbeatInterval, DEFAULT.staleAfter, DEFAULT.maxAttempts,
                DEFAULT.cleanupReserve, ComputeTimeModel.forLambdaMemory(Integer.parseInt(memory.strip())),
                DEFAULT.heapBytes);
    }

    /** The most digits one computation may hold in the heap. */
    public long heapDigits() {
        return HeapModel.DEFAULT.maxDigits(WorkerMemory.engineHeapBytes(heapBytes));
    }

    public WorkerSettings {
        if (staleAfter.compareTo(heartbeatInterval.multipliedBy(3)) < 0) {
            throw new IllegalArgumentException("staleAfter must be at least three heartbeat intervals");
        }
        if (heapBytes < 1) {
            throw new IllegalArgumentException("heapBytes must be positive");
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1");
        }
    }
}
