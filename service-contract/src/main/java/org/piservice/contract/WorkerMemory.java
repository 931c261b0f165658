package org.piservice.contract;

import java.util.List;
import java.util.function.LongUnaryOperator;

/**
 * How a worker's memory is shared, and so how many digits it computes. A job of up to
 * {@value #IN_PROCESS_DIGITS} digits is computed in the worker's own JVM, whose engine the
 * SnapStart init has compiled, in the part of its heap the worker does not keep for itself
 * ({@value #SERVICE_HEAP_MB} MB). A larger one runs in a child JVM whose heap is what the engine's
 * memory model gives its digits (pi-core's {@code PiProcess}), beside the worker's JVM
 * ({@value #WORKER_FOOTPRINT_MB} MB at most) and the child's own code and tables
 * ({@value #CHILD_OVERHEAD_MB} MB): a JVM started once for jobs of every size lets garbage fill its
 * heap before it collects, so at 10^8 digits the worker's JVM held 4.0-4.2 GB where it and a child
 * hold 1.06 GB (docs/PERFORMANCE.md). In a function too small for a child to hold more than the worker's
 * own heap (below about 2,100 MB), every job is computed in the worker's JVM, as far as its heap holds.
 *
 * <p>The deployment sizes {@code MAX_DIGITS} by this from the function's memory (infra-cdk), and
 * the worker limits each job by it from the heap its JVM really has.
 */
public final class WorkerMemory {

    /** The largest job computed in the worker's own JVM. */
    public static final int IN_PROCESS_DIGITS = 3_000_000;
    /** The worker JVM's heap limit, a share of the function's memory; the rest holds its code, metaspace and threads. */
    public static final int HEAP_PERCENT = 80;
    /** Heap the worker holds beside the engine: the SDK clients and one upload part. */
    public static final int SERVICE_HEAP_MB = 56;
    /**
     * The worker JVM's resident memory, at most, with the serial collector ({@link #jvmOptions}):
     * 292 MiB at its peak after three computations of {@value #IN_PROCESS_DIGITS} digits beside the
     * SDK clients, 298 MiB after ten, in a JVM with a 4.2 GB heap limit (G1 touched 620 MiB); the
     * rest is for what that measurement did not exercise, the SDK's connections and an upload.
     */
    public static final int WORKER_FOOTPRINT_MB = 384;
    /**
     * A child JVM's resident memory beside its heap (code, metaspace, threads, the collector's
     * tables): 74-80 MiB for 3·10^6 to 3·10^7 digits.
     */
    public static final int CHILD_OVERHEAD_MB = 96;

    private static final long MB = 1024L * 1024L;

    private WorkerMemory() {
    }

    /** The heap a function of {@code memoryMb} gets at most, by its {@code MaxRAMPercentage}. */
    public static long heapBytes(int memoryMb) {
        return memoryMb * MB * HEAP_PERCENT / 100;
    }

    /** The part of a worker's heap of {@code heapBytes} that computations may fill; 0 when none. */
    public static long engineHeapBytes(long heapBytes) {
        return Math.max(0L, heapBytes - SERVICE_HEAP_MB * MB);
    }

    /** The heap a child JVM may have in a function of {@code memoryBytes}; 0 when none fits. */
    public static long childHeapBytes(long memoryBytes) {
        return Math.max(0L, memoryBytes - (WORKER_FOOTPRINT_MB + CHILD_OVERHEAD_MB) * MB);
    }

    /**
     * The most digits a worker computes in its own JVM: {@link #IN_PROCESS_DIGITS}, or all its heap
     * holds in a function too small for a child JVM to hold more.
     *
     * @param memoryBytes  the function's memory
     * @param heapBytes    the worker JVM's heap limit
     * @param digitsInHeap the engine's memory model: the most digits a heap of so many bytes holds
     */
    public static long inProcessDigits(long memoryBytes, long heapBytes, LongUnaryOperator digitsInHeap) {
        long inHeap = digitsInHeap.applyAsLong(engineHeapBytes(heapBytes));
        return digitsInHeap.applyAsLong(childHeapBytes(memoryBytes)) > inHeap ? Math.min(IN_PROCESS_DIGITS, inHeap) : inHeap;
    }

    /** The most digits a worker computes, in its own JVM or in a child; the parameters as {@link #inProcessDigits}. */
    public static long maxDigits(long memoryBytes, long heapBytes, LongUnaryOperator digitsInHeap) {
        return Math.max(inProcessDigits(memoryBytes, heapBytes, digitsInHeap),
                digitsInHeap.applyAsLong(childHeapBytes(memoryBytes)));
    }

    /**
     * The options of the worker's JVM this sharing counts on. The serial collector keeps the heap
     * near what the worker holds; the heap limit matters only where it is below {@link #IN_PROCESS_DIGITS}'s need.
     */
    public static List<String> jvmOptions() {
        return List.of("-XX:+UseSerialGC", "-XX:MaxRAMPercentage=" + HEAP_PERCENT);
    }
}
