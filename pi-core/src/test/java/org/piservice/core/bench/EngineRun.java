package org.piservice.core.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.apfloat.Apfloat;
import org.apfloat.ApfloatContext;
import org.apfloat.ApfloatMath;
import org.piservice.core.PiDigits;

/**
 * One timed run of one Java engine in a fresh JVM, started by {@link Benchmark}: computes π to the
 * given number of decimals, writes them to a discarding sink, then prints
 * {@code <seconds> <peak RSS KiB>} on standard output.
 */
public final class EngineRun {

    /** What the worker computes before its SnapStart snapshot (EnginePriming in worker-lambda). */
    private static final int PRIMING_DIGITS = 1_000_000;
    private static final int PRIMING_RUNS = 3;

    private EngineRun() {
    }

    public static void main(String[] args) throws IOException {
        String engine = args[0];
        int digits = Integer.parseInt(args[1]);
        for (int run = 0; engine.equals("pi-core-primed") && run < PRIMING_RUNS; run++) {
            PiDigits.write(PRIMING_DIGITS, OutputStream.nullOutputStream());
        }
        long started = System.nanoTime();
        switch (engine) {
            case "pi-core", "pi-core-primed" -> PiDigits.write(digits, OutputStream.nullOutputStream());
            case "apfloat" -> apfloat(digits);
            default -> throw new IllegalArgumentException("unknown engine " + engine);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf(Locale.ROOT, "%.3f %d%n", seconds, peakRssKiB());
    }

    private static void apfloat(int digits) throws IOException {
        ApfloatContext context = ApfloatContext.getContext();
        // Keep every number in memory (the default spills numbers over a few MiB to files in the
        // working directory); should it still need a file, it goes to the temp folder.
        context.setMemoryThreshold(Long.MAX_VALUE);
        context.setProperty(ApfloatContext.FILE_PATH, System.getProperty("java.io.tmpdir") + "/");
        Apfloat pi = ApfloatMath.pi(digits + 1L);
        try (Writer out = Writer.nullWriter()) {
            pi.writeTo(out, true);
        }
    }

    /** VmHWM of this process, from /proc (Linux); -1 elsewhere. */
    static long peakRssKiB() throws IOException {
        return peakRssKiB(Path.of("/proc/self/status"));
    }

    static long peakRssKiB(Path status) throws IOException {
        if (!Files.isReadable(status)) {
            return -1;
        }
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        return -1;
    }
}
