package org.piservice.contract;

import java.util.List;
import org.piservice.core.HeapModel;

/**
 * How a worker's memory is shared, and so how many digits it computes. In a function large enough,
 * the worker's JVM has a small heap ({@value #WORKER_HEAP_MB} MB) and computes jobs of up to
 * {@value #IN_PROCESS_DIGITS} digits in it, with the engine the SnapStart init has compiled; a larger
 * job runs in a child JVM whose heap is what the engine's memory model gives its digits (pi-core's
 * {@code PiProcess}), beside the worker's JVM and the child's own code and tables. A JVM with a
 * large heap fills it with garbage before it collects: with a 4 GB limit, the worker's JVM held
 * 4.0-4.2 GB at 10^8 digits where it and a child hold 1.06 GB, and grew by 70 MB with each job of
 * 3·10^6 digits it uploaded (the serial collector extends the old generation rather than collect
 * it; 52 MB were live after eight). In a function too small for a child to hold more digits than
 * the worker's own heap (below about 2,400 MB), the worker's JVM has {@value #HEAP_PERCENT} % of
 * the memory (less in the smallest functions, see {@link #heapBytes}) and computes every job itself.
 *
 * <p>The deployment gives the worker's JVM its heap by this ({@link #jvmOptions}) and sizes
 * {@code MAX_DIGITS} by it (infra-cdk); the worker limits each job by it from the heap its JVM
 * really has.
 */
public final class WorkerMemory {

    /**
     * The largest job computed in the worker's own JVM when a child JVM takes the larger ones: primed,
     * 10^7 digits took 3.6-4.4 s there with a 256 MB heap, and 6.1-7.1 s in a child JVM, cold
     * (docs/PERFORMANCE.md, Primed JVMs).
     */
    public static final int IN_PROCESS_DIGITS = 10_000_000;
    /** The worker JVM's heap beside a child JVM: its own objects and jobs of up to {@value #IN_PROCESS_DIGITS} digits. */
    public static final int WORKER_HEAP_MB = 256;
    /** The worker JVM's heap where no child JVM runs, a share of the function's memory. */
    public static final int HEAP_PERCENT = 80;
    /** Heap the worker holds beside the engine: the SDK clients and one upload part. */
    public static final int SERVICE_HEAP_MB = 56;
    /**
     * The worker JVM's resident memory beside its heap (code, metaspace, threads, the SDK's native
     * memory): with a {@value #WORKER_HEAP_MB} MB heap and the serial collector, its peak RSS was 400
     * MiB over fifteen computations of 3·10^6 digits, or eight of 10^7, uploaded to an S3 emulator,
     * and then a 10^8-digit upload from a child.
     */
    public static final int WORKER_NON_HEAP_MB = 176;

    /** Lambda's memory sizes, for any function. */
    public static final int LAMBDA_MIN_MB = 128;
    public static final int LAMBDA_MAX_MB = 10_240;
    private static final long MB = 1024L * 1024L;

    private WorkerMemory() {
    }

    /**
     * The worker JVM's heap in a function of {@code memoryMb}: {@value #WORKER_HEAP_MB} MB where a
     * child JVM then holds more digits than its share would, else the share: {@value #HEAP_PERCENT} %
     * of the memory, but no more than leaves {@value #WORKER_NON_HEAP_MB} MB beside it (below about
     * 880 MB, where a heap filled to its limit would have Lambda kill the function); 0 in a function
     * too small for either.
     */
    public static long heapBytes(int memoryMb) {
        long memory = memoryMb * MB;
        // whole MB, as -Xmx gives it
        long share = Math.max(0, Math.min(memoryMb * HEAP_PERCENT / 100, memoryMb - WORKER_NON_HEAP_MB)) * MB;
        long small = Math.min(share, WORKER_HEAP_MB * MB);
        return maxDigits(memory, small) > maxDigits(memory, share) ? small : share;
    }

    /** The part of a worker's heap of {@code heapBytes} that computations may fill; 0 when none. */
    public static long engineHeapBytes(long heapBytes) {
        return Math.max(0L, heapBytes - SERVICE_HEAP_MB * MB);
    }

    /** The heap a child JVM may have beside a worker JVM whose heap is {@code heapBytes}; 0 when none fits. */
    public static long childHeapBytes(long memoryBytes, long heapBytes) {
        return Math.max(0L, memoryBytes - heapBytes - WORKER_NON_HEAP_MB * MB - HeapModel.NON_HEAP_BYTES);
    }

    /**
     * The most digits a worker computes in its own JVM: {@link #IN_PROCESS_DIGITS} when a child JVM
     * holds more than its heap, else all its heap holds.
     *
     * @param memoryBytes  the function's memory
     * @param heapBytes    the worker JVM's heap limit
     */
    public static long inProcessDigits(long memoryBytes, long heapBytes) {
        long inHeap = HeapModel.DEFAULT.maxDigits(engineHeapBytes(heapBytes));
        return childDigits(memoryBytes, heapBytes) > inHeap ? Math.min(IN_PROCESS_DIGITS, inHeap) : inHeap;
    }

    /** The most digits a worker computes, in its own JVM or in a child; the parameters as {@link #inProcessDigits}. */
    public static long maxDigits(long memoryBytes, long heapBytes) {
        return Math.max(inProcessDigits(memoryBytes, heapBytes), childDigits(memoryBytes, heapBytes));
    }

    private static long childDigits(long memoryBytes, long heapBytes) {
        return HeapModel.DEFAULT.maxDigits(childHeapBytes(memoryBytes, heapBytes));
    }

    /**
     * The options of the worker's JVM in a function of {@code memoryMb}: its heap ({@link #heapBytes})
     * and the serial collector, the one the engine's model was fitted with.
     */
    public static List<String> jvmOptions(int memoryMb) {
        return List.of("-Xmx" + heapBytes(memoryMb) / MB + "m", HeapModel.COLLECTOR);
    }
}
