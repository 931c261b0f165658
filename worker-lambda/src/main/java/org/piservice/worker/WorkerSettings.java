package org.piservice.worker;

import com.sun.management.HotSpotDiagnosticMXBean;
import com.sun.management.OperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import org.piservice.contract.JobDelivery;
import org.piservice.contract.WorkerMemory;
import org.piservice.core.ComputeTimeModel;
import org.piservice.jobs.CallDeadline;

/**
 * The worker's timing and retry policy.
 *
 * @param heartbeatInterval how often a running job records that its worker is alive, and its progress
 * @param staleAfter how old a heartbeat must be before another worker may take the job over; the
 *        deployed worker uses {@link JobDelivery#STALE_AFTER}, which the api counts on too
 * @param maxAttempts claims of a job before it is failed for good; the deployed worker uses
 *        {@link JobDelivery#MAX_ATTEMPTS}, which the queue's delivery limit leaves room for
 * @param cleanupReserve time kept back at the end of an invocation, when the computation stops,
 *        for the S3 call then in flight, the upload's abort, the {@code finishReserve} and the
 *        answer; the deployed worker uses {@link JobDelivery#CLEANUP_RESERVE}, which the
 *        deployment's capacity counts on: an S3 call's budget ({@link WorkerClients#BUDGETS}),
 *        {@link WorkerClients#FINISH_RESERVE} and {@link CallDeadline#ANSWER_RESERVE}, 25 + 13 + 1 s
 *        of its 40
 * @param finishReserve the time kept, before the invocation's last {@link CallDeadline#ANSWER_RESERVE},
 *        for the calls that record how its job ended and when its message comes back
 *        ({@link CallDeadline#finishing}): every other AWS call of the job's own thread ends before
 *        it, so that a hung S3 call and the upload's abort cannot take that time (the heartbeats,
 *        on their own thread, are bounded by their budgets alone)
 * @param timeModel the estimate of a computation's length, to refuse what cannot finish in time
 * @param heapBytes the JVM's own maximum heap ({@code -Xmx}, from {@link WorkerMemory#jvmOptions}),
 *        not the function's memory; computations in this JVM may fill what {@link WorkerMemory} leaves of it
 * @param memoryBytes the function's memory, which holds this JVM and the child JVM of a larger
 *        computation ({@link WorkerMemory}); outside Lambda, the machine's
 */
public record WorkerSettings(
        Duration heartbeatInterval,
        Duration staleAfter,
        int maxAttempts,
        Duration cleanupReserve,
        Duration finishReserve,
        ComputeTimeModel timeModel,
        long heapBytes,
        long memoryBytes) {

    public static final WorkerSettings DEFAULT = new WorkerSettings(
            Duration.ofSeconds(3), JobDelivery.STALE_AFTER, JobDelivery.MAX_ATTEMPTS, JobDelivery.CLEANUP_RESERVE,
            WorkerClients.FINISH_RESERVE, ComputeTimeModel.DEFAULT,
            Long.parseLong(ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                    .getVMOption("MaxHeapSize").getValue()),
            ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getTotalMemorySize());

    /**
     * The defaults, with the time model and the memory those of the function when Lambda says what
     * its memory is ({@code AWS_LAMBDA_FUNCTION_MEMORY_SIZE}).
     */
    public static WorkerSettings fromEnvironment() {
        String memory = System.getenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE");
        if (memory == null) {
            return DEFAULT;
        }
        int memoryMb = Integer.parseInt(memory.strip());
        return new WorkerSettings(DEFAULT.heartbeatInterval, DEFAULT.staleAfter, DEFAULT.maxAttempts,
                DEFAULT.cleanupReserve, DEFAULT.finishReserve, ComputeTimeModel.forLambdaMemory(memoryMb),
                DEFAULT.heapBytes, memoryMb * 1024L * 1024L);
    }

    /** The most digits one computation may have, in this JVM or in a child ({@link WorkerMemory}). */
    public long memoryDigits() {
        return WorkerMemory.maxDigits(memoryBytes, heapBytes);
    }

    /** Whether a computation of {@code digits} runs in this JVM rather than in a child. */
    public boolean inProcess(long digits) {
        return digits <= WorkerMemory.inProcessDigits(memoryBytes, heapBytes);
    }

    public WorkerSettings {
        if (staleAfter.compareTo(heartbeatInterval.multipliedBy(3)) < 0) {
            throw new IllegalArgumentException("staleAfter must be at least three heartbeat intervals");
        }
        if (heapBytes < 1 || memoryBytes < 1) {
            throw new IllegalArgumentException("heapBytes and memoryBytes must be positive");
        }
        // The computation must stop before the other calls' deadline, or its upload could not end.
        if (finishReserve.plus(CallDeadline.ANSWER_RESERVE).compareTo(cleanupReserve) > 0) {
            throw new IllegalArgumentException("The cleanup reserve must hold the finishing calls' reserve and "
                    + CallDeadline.ANSWER_RESERVE.toMillis() + " ms to answer: " + cleanupReserve + " < " + finishReserve);
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1");
        }
    }
}
