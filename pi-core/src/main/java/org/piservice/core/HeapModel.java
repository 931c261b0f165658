package org.piservice.core;

/**
 * The Java heap pi-core needs for a number of digits: {@code fixed + perDigit · digits}. Given
 * that much (with the serial collector), a computation finishes; given much more, the JVM lets
 * garbage grow into it instead of collecting, so a caller that sizes the heap from this model
 * keeps the process's memory near what the computation holds.
 *
 * <p>This is the one memory model of the engine: the command-line tool sizes its JVM by it, and the
 * worker and the deployment bound the digits of a computation by it (beside what the worker itself
 * holds, {@code WorkerMemory} in the service contract).
 *
 * <p>Fitted to the heaps with which {@code java -XX:+UseSerialGC -Xmx... -jar pi-core.jar N}
 * completed on a 2-core x86 machine: 2·10^6 digits in 40 MB, 10^7 in 120 MB (not in 100 MB),
 * 10^8 in 900 MB. The engine's memory hardly depends on the number of cores: the parts that run
 * side by side are the small ranges of the series, while its long products run one at a time.
 */
public record HeapModel(long fixedBytes, double bytesPerDigit) {

    public static final HeapModel DEFAULT = new HeapModel(40L << 20, 9.0);

    /** Heap bytes for a computation of {@code digits} decimals. */
    public long heapBytes(long digits) {
        return fixedBytes + (long) Math.ceil(bytesPerDigit * digits);
    }

    /** The most digits whose computation fits in {@code heapBytes}; 0 when none does. */
    public long maxDigits(long heapBytes) {
        long digits = Math.max(0, (long) ((heapBytes - fixedBytes) / bytesPerDigit));
        while (digits > 0 && heapBytes(digits) > heapBytes) {
            digits--; // the division can land one above through rounding
        }
        return digits;
    }
}
