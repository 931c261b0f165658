package org.piservice.core;

import java.util.List;

/**
 * The Java heap pi-core needs for a number of digits: {@code fixed + perDigit · digits}. Given
 * that much (with the serial collector), a computation finishes; given much more, the JVM lets
 * garbage grow into it instead of collecting, so a caller that sizes the heap from this model
 * keeps the process's memory near what the computation holds.
 *
 * <p>This is the one memory model of the engine: the command-line tool and {@link PiProcess} start
 * their JVMs with {@link #jvmOptions}, and the worker and the deployment bound the digits of a
 * computation by it ({@code WorkerMemory} in the service contract).
 *
 * <p>Fitted to the heaps with which {@code java -XX:+UseSerialGC -Xmx... -jar pi-core.jar N}
 * completed on a 2-core x86 machine: 2·10^6 digits in 40 MB, 10^7 in 120 MB (not in 100 MB),
 * 10^8 in 900 MB. The parts of the engine that run side by side are the ranges of the series
 * below an eighth of it, while its long products run one at a time; with more cores more of those
 * ranges run at once (up to one per core): a JVM told it has six completed 5·10^8 digits in the
 * model's heap too (docs/PERFORMANCE.md, Series).
 */
public record HeapModel(long fixedBytes, double bytesPerDigit) {

    public static final HeapModel DEFAULT = new HeapModel(40L << 20, 9.0);

    /**
     * What a JVM started with {@link #jvmOptions} holds beside its heap (code, metaspace, threads,
     * the collector's tables): its peak RSS less its heap was 74-80 MiB for 3·10^6 to 3·10^7 digits.
     */
    public static final long NON_HEAP_BYTES = 96L << 20;

    /**
     * The smallest array allocated directly in the old generation. The transforms' residues and the
     * products are megabytes each; copied out of the young generation at every minor collection
     * they took 3.2-3.7 s of pauses at 10^8 digits, allocated old 1.2-1.4 s, with peak RSS 921-971
     * MiB against 1,005-1,018 MiB and the wall time the same within the noise (three interleaved
     * pairs, 0.82-1.07 of the time; 10^6 and 10^7 unchanged).
     */
    static final String PRETENURE = "1m";

    /**
     * The old generation's size over the young one's. The arrays allocated old ({@link #PRETENURE})
     * are most of what a large computation holds, and the young generation cannot take them: with
     * the serial collector's default of 2 (the old generation two thirds of the heap), 4.3·10^8
     * digits ran out of memory in the model's heap, in the series' last merge, with a third of the
     * heap left to short-lived small values.
     */
    static final int NEW_RATIO = 4;

    /**
     * The collector of every JVM that computes: the serial one, because the heap holds a few
     * hundred large arrays: it has the least overhead beside them, and it is the collector the model
     * was fitted with (with the default generation sizes; {@link #NEW_RATIO} only gives the large
     * arrays more room).
     */
    public static final String COLLECTOR = "-XX:+UseSerialGC";

    /** The options of a JVM that computes {@code digits} decimals in the heap this model gives them. */
    public List<String> jvmOptions(long digits) {
        long heapMb = (heapBytes(digits) + (1 << 20) - 1) >> 20;
        return List.of("-Xmx" + heapMb + "m", COLLECTOR, "-XX:PretenureSizeThreshold=" + PRETENURE,
                "-XX:NewRatio=" + NEW_RATIO);
    }

    /** Heap bytes for a computation of {@code digits} decimals. */
    public long heapBytes(long digits) {
        return fixedBytes + (long) Math.ceil(bytesPerDigit * digits);
    }

    /** The memory a JVM started with {@link #jvmOptions} needs for {@code digits}: its heap and what it holds beside it. */
    public long memoryBytes(long digits) {
        return heapBytes(digits) + NON_HEAP_BYTES;
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
