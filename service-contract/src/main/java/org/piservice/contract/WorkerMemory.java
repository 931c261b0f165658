package org.piservice.contract;

/**
 * How many digits fit in the worker's heap: the deployment sizes {@code MAX_DIGITS} by it from
 * the function's memory (infra-cdk), and the worker limits each computation by it from the heap
 * its JVM really has ({@code Runtime.maxMemory()}). The heap is the JVM's {@value #HEAP_PERCENT}%
 * of the function's memory ({@code -XX:MaxRAMPercentage}), not all of it: the rest holds the JVM's
 * own code, metaspace and threads.
 */
public final class WorkerMemory {

    /** The worker JVM's {@code -XX:MaxRAMPercentage}. */
    public static final int HEAP_PERCENT = 80;
    /** The engine's working set per digit: the binary-splitting terms, the result and its decimal conversion. */
    public static final int BYTES_PER_DIGIT = 40;
    /** Heap taken before any digit: the SDK clients, the engine's tables, one upload part. */
    public static final int BASE_HEAP_MB = 96;

    private static final long MB = 1024L * 1024L;

    private WorkerMemory() {
    }

    /** The heap a function of {@code memoryMb} gets at most, by its {@code MaxRAMPercentage}. */
    public static long heapBytes(int memoryMb) {
        return memoryMb * MB * HEAP_PERCENT / 100;
    }

    /** The most digits a computation may have in a heap of {@code heapBytes}; 0 when none fit. */
    public static long maxDigits(long heapBytes) {
        return Math.max(0L, (heapBytes - BASE_HEAP_MB * MB) / BYTES_PER_DIGIT);
    }

    /** The JVM option that gives the worker the heap this model counts on. */
    public static String jvmOption() {
        return "-XX:MaxRAMPercentage=" + HEAP_PERCENT;
    }
}
