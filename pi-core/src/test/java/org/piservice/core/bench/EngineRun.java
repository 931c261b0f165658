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
 * {@code <seconds> <peak RSS KiB>} on standard output. An engine name ending in {@code -primed}
 * first runs that engine untimed in the same JVM, as a worker does before its snapshot
 * ({@link PiDigits#PRIMING_DIGITS}).
 */
public final class EngineRun {

    static final String PRIMED = "-primed";

    private EngineRun() {
    }

    public static void main(String[] args) throws IOException {
        String engine = args[0];
        int digits = Integer.parseInt(args[1]);
        String base = engine.endsWith(PRIMED) ? engine.substring(0, engine.length() - PRIMED.length()) : engine;
        for (int run = 0; !base.equals(engine) && run < PiDigits.PRIMING_RUNS; run++) {
            compute(base, PiDigits.PRIMING_DIGITS, true);
        }
        long started = System.nanoTime();
        compute(base, digits, false);
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf(Locale.ROOT, "%.3f %d%n", seconds, peakRssKiB());
    }

    private static void compute(String engine, int digits, boolean priming) throws IOException {
        switch (engine) {
            case "pi-core" -> PiDigits.write(digits, OutputStream.nullOutputStream());
            // apfloat keeps π and its series per radix and extends them on the next call: priming
            // in radix 16 runs the same code without giving the timed radix-10 run a head start.
            case "apfloat" -> apfloat(digits, priming ? 16 : 10);
            default -> throw new IllegalArgumentException("unknown engine " + engine);
        }
    }

    private static void apfloat(int digits, int radix) throws IOException {
        ApfloatContext context = ApfloatContext.getContext();
        // Keep every number in memory (the default spills numbers over a few MiB to files in the
        // working directory); should it still need a file, it goes to the temp folder.
        context.setMemoryThreshold(Long.MAX_VALUE);
        context.setProperty(ApfloatContext.FILE_PATH, System.getProperty("java.io.tmpdir") + "/");
        Apfloat pi = ApfloatMath.pi(digits + 1L, radix);
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
