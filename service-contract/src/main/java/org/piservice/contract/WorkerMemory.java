package org.piservice.contract;

/**
 * The worker's heap: the deployment gives the JVM {@value #HEAP_PERCENT}% of the function's memory
 * ({@code -XX:MaxRAMPercentage}; the rest holds the JVM's own code, metaspace and threads), and the
 * worker keeps {@value #SERVICE_HEAP_MB} MB of it for itself. What is left is the engine's, whose
 * digits pi-core's {@code HeapModel} bounds: the deployment sizes {@code MAX_DIGITS} by it from the
 * function's memory (infra-cdk), and the worker limits each computation by it from the heap its JVM
 * really has ({@code Runtime.maxMemory()}).
 */
public final class WorkerMemory {

    /** The worker JVM's {@code -XX:MaxRAMPercentage}. */
    public static final int HEAP_PERCENT = 80;
    /** Heap the worker holds beside the engine: the SDK clients and one upload part. */
    public static final int SERVICE_HEAP_MB = 56;

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

    /** The JVM option that gives the worker the heap this model counts on. */
    public static String jvmOption() {
        return "-XX:MaxRAMPercentage=" + HEAP_PERCENT;
    }
}
