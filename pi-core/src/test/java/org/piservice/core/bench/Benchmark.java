package org.piservice.core.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.piservice.core.PiProcess;

/**
 * Times pi-core against apfloat and, when installed, CLN's {@code pi} program, in one invocation:
 * every run is a fresh child process (a cold JVM, as in the command-line tool), the engines take
 * turns within each repetition so they share the machine's noise, and the table gives medians,
 * min–max, ratios and peak RSS. Not a test: run it on purpose, see docs/PERFORMANCE.md. The
 * engines {@code pi-core-primed} and {@code apfloat-primed} (not run by default) are timed after
 * the untimed runs a worker makes before its SnapStart snapshot ({@code PiDigits.PRIMING_DIGITS}),
 * in the same JVM; a primed engine's ratio to apfloat is to {@code apfloat-primed} when that was
 * run too.
 *
 * <pre>
 * Benchmark [--reps N] [--engines pi-core,pi-core-primed,apfloat,apfloat-primed,cln] [--jvm-args "-Xmx8g"] DIGITS...
 * </pre>
 */
public final class Benchmark {

    private static final Path CLN_PI = Path.of("/usr/bin/pi");

    private final int reps;
    private final List<String> engines;
    private final List<String> jvmArgs;

    private Benchmark(int reps, List<String> engines, List<String> jvmArgs) {
        this.reps = reps;
        this.engines = engines;
        this.jvmArgs = jvmArgs;
    }

    public static void main(String[] args) throws Exception {
        int reps = 5;
        List<String> engines = new ArrayList<>(List.of("pi-core", "apfloat", "cln"));
        List<String> jvmArgs = List.of("-Xmx12g");
        List<Integer> sizes = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                case "--engines" -> engines = new ArrayList<>(Arrays.asList(args[++i].split(",")));
                case "--jvm-args" -> jvmArgs = Arrays.asList(args[++i].trim().split("\\s+"));
                default -> sizes.add(Integer.parseInt(args[i].replace("_", "")));
            }
        }
        if (sizes.isEmpty()) {
            sizes = List.of(100_000, 1_000_000, 10_000_000);
        }
        if (engines.contains("cln") && !Files.isExecutable(CLN_PI)) {
            System.out.println("CLN's pi is not installed (apt-get install pi): skipping it");
            engines.remove("cln");
        }
        System.out.printf(Locale.ROOT, "%d cores, %d repetitions, JVM %s %s%n",
                Runtime.getRuntime().availableProcessors(), reps, System.getProperty("java.version"), jvmArgs);
        new Benchmark(reps, engines, jvmArgs).run(sizes);
    }

    private void run(List<Integer> sizes) throws IOException, InterruptedException {
        List<String> table = new ArrayList<>();
        table.add("| digits | engine | median s | min–max s | vs apfloat | vs CLN | peak RSS MiB |");
        table.add("|---|---|---|---|---|---|---|");
        for (int digits : sizes) {
            Map<String, List<Sample>> samples = new LinkedHashMap<>();
            for (int rep = 0; rep < reps; rep++) {
                for (String engine : engines) {
                    Sample sample = measure(engine, digits);
                    samples.computeIfAbsent(engine, e -> new ArrayList<>()).add(sample);
                    System.out.printf(Locale.ROOT, "%,d digits, %s, run %d: %.2f s, %d MiB%n",
                            digits, engine, rep + 1, sample.seconds(), sample.peakRssKiB() / 1024);
                }
            }
            Double cln = samples.containsKey("cln") ? median(samples.get("cln")) : null;
            for (var entry : samples.entrySet()) {
                List<Sample> runs = entry.getValue();
                double median = median(runs);
                // Warm against warm: a primed engine is compared with primed apfloat when there is one.
                String apfloatPeer = entry.getKey().endsWith(EngineRun.PRIMED)
                        && samples.containsKey("apfloat" + EngineRun.PRIMED) ? "apfloat" + EngineRun.PRIMED : "apfloat";
                Double apfloat = samples.containsKey(apfloatPeer) ? median(samples.get(apfloatPeer)) : null;
                table.add(String.format(Locale.ROOT, "| %,d | %s | %.2f | %.2f–%.2f | %s | %s | %d |",
                        digits, entry.getKey(), median,
                        runs.stream().mapToDouble(Sample::seconds).min().orElseThrow(),
                        runs.stream().mapToDouble(Sample::seconds).max().orElseThrow(),
                        ratio(median, apfloat), ratio(median, cln),
                        runs.stream().mapToLong(Sample::peakRssKiB).max().orElseThrow() / 1024));
            }
        }
        System.out.println();
        table.forEach(System.out::println);
    }

    private Sample measure(String engine, int digits) throws IOException, InterruptedException {
        if (engine.equals("cln")) {
            return measureCln(digits);
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(PiProcess.ENGINE_JVM_OPTIONS); // cold runs as the command-line tool's children
        command.addAll(jvmArgs);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), EngineRun.class.getName(),
                engine, String.valueOf(digits)));
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
        if (process.waitFor() != 0) {
            throw new IllegalStateException(engine + " failed at " + digits + " digits: " + output);
        }
        String[] fields = output.split("\\s+");
        return new Sample(Double.parseDouble(fields[0]), Long.parseLong(fields[1]));
    }

    /**
     * CLN's {@code pi N} prints N significant digits (N - 1 decimals) and a newline; its peak RSS is
     * sampled from /proc while it runs (VmHWM only grows, so the last sample is the peak to within
     * the last few milliseconds).
     */
    private static Sample measureCln(int digits) throws IOException, InterruptedException {
        long started = System.nanoTime();
        Process process = new ProcessBuilder(CLN_PI.toString(), String.valueOf(digits + 1L))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        Path status = Path.of("/proc", String.valueOf(process.pid()), "status");
        long peak = -1;
        while (!process.waitFor(5, TimeUnit.MILLISECONDS)) {
            try {
                peak = Math.max(peak, EngineRun.peakRssKiB(status));
            } catch (IOException | NumberFormatException e) {
                // The process ended between the check and the read.
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        if (process.exitValue() != 0) {
            throw new IllegalStateException("pi failed at " + digits + " digits");
        }
        return new Sample(seconds, peak);
    }

    private static double median(List<Sample> samples) {
        double[] sorted = samples.stream().mapToDouble(Sample::seconds).sorted().toArray();
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static String ratio(double median, Double peer) {
        return peer == null ? "–" : String.format(Locale.ROOT, "%.2f", median / peer);
    }

    private record Sample(double seconds, long peakRssKiB) { }
}
