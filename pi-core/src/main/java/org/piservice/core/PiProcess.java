package org.piservice.core;

import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@link PiDigits#write} in a child JVM whose heap is what {@link HeapModel} gives the digits, for a
 * caller whose own heap is not sized for the job: a service's JVM, started once for jobs of every
 * size, whose heap fills with garbage up to its limit before it collects (at 10^8 digits a JVM
 * with a 4 GB heap limit held 4.0-4.2 GB where the sized one holds under 1 GB).
 *
 * <p>The child writes the digits to its standard output, which is checked and copied to the caller's
 * stream as it comes, and its progress to its standard error. It stops when the caller cancels (the child is
 * killed) and when the calling process is gone: a computation left running for no one would hold
 * the machine's cores and memory to its end.
 */
public final class PiProcess {

    /** The Vector API's module, which the engine's transforms use (org.piservice.core.mul.NttPrime). */
    private static final String VECTOR_MODULE_NAME = "jdk.incubator.vector";
    /**
     * The JVM option that resolves that module: a JVM resolves an incubator module only when told
     * to, and a jar cannot tell it. Every JVM this project starts passes it.
     */
    public static final String VECTOR_MODULE = "--add-modules=" + VECTOR_MODULE_NAME;
    /** The class whose methods are the transforms' vector kernels. */
    static final String KERNELS = "org.piservice.core.mul.NttPrime";
    /**
     * The JIT options of a JVM that computes: the kernels go to C2 at a twentieth of the usual call
     * and loop counts. Until C2 compiles them, the Vector API runs as Java code that allocates for
     * every operation, and C2 takes first the methods that count up fastest, which such slow code
     * never does: at 10^7 digits the 5-point kernel ran that way for 5 s of an 8 s run.
     * {@code quiet} comes first, or the JVM would announce the command on standard output, which
     * carries the digits.
     */
    private static final List<String> JIT_OPTIONS = List.of("-XX:CompileCommand=quiet",
            "-XX:CompileCommand=CompileThresholdScaling," + KERNELS + "::*,0.05");
    /**
     * What every JVM that computes with pi-core is started with, in this order: this class's
     * children, the benchmark's, the worker's own (infra-cdk).
     */
    public static final List<String> ENGINE_JVM_OPTIONS = Stream.concat(Stream.of(VECTOR_MODULE),
            JIT_OPTIONS.stream()).toList();
    /**
     * What the child's JVM is started with before anything else: its own messages (unified logging,
     * whose warnings and errors go to standard output unless told otherwise, and the rest of its
     * output) go to standard error, for standard output carries the digits.
     */
    static final List<String> OUTPUT_OPTIONS = List.of("-Xlog:disable", "-Xlog:all=warning:stderr",
            "-XX:+DisplayVMOutputToStderr");
    /**
     * Options that set the largest heap, or the memory it is taken from: a caller that gives one
     * chose the heap, and the child does not get the model's.
     */
    private static final List<String> HEAP_OPTIONS = List.of("-Xmx", "-XX:MaxHeapSize", "-XX:MaxRAM");
    /**
     * The environment's variables of JVM options that the launcher puts before the command line's
     * options; they are meant for every JVM started there.
     */
    public static final List<String> LEADING_OPTIONS_VARIABLES = List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS");
    /** The environment's variable of JVM options that the launcher puts after the command line's. */
    public static final String TRAILING_OPTIONS_VARIABLE = "_JAVA_OPTIONS";
    /** Options that set a heap the JVM starts with, and the size they give: the model's largest heap must hold it. */
    private static final Pattern INITIAL_HEAP = Pattern.compile("(?:-Xms|-XX:InitialHeapSize=|-XX:MinHeapSize=)(\\d+)([kKmMgGtT]?)");
    /** The options that choose a collector: one of them replaces the model's. */
    private static final Pattern COLLECTOR = Pattern.compile("-XX:\\+Use(Serial|Parallel|G1|Z|Shenandoah|Epsilon)GC");
    /**
     * What the JVM's {@link OutOfMemoryError} says when the program needed more heap than it had, or
     * an array larger than any heap allows, and nothing else: another JVM with the same heap would
     * fail the same way, unlike one that lacked native memory, a thread or metaspace.
     */
    private static final List<String> HEAP_EXHAUSTED = List.of("Java heap space", "GC overhead limit exceeded",
            "Requested array size exceeds VM limit");
    /** The most of a crash's text on standard output read: its heading is about 1 KiB. */
    private static final int CRASH_REPORT_BYTES = 1 << 16;
    /** The most read to see whether output may be a crash's heading: its first two lines are shorter. */
    private static final int HEADING_BYTES = 512;
    /** The prefix of a progress line on the child's standard error: {@code progress FRACTION PHASE}. */
    static final String PROGRESS = "progress ";
    /** How often the caller's {@code cancelled} is polled while the child computes. */
    private static final long POLL_MILLIS = 50;
    /** As a shell reports a process ended by SIGINT; the child's status when its caller went away. */
    static final int CANCELLED = 130;

    private PiProcess() {
    }

    /** {@code builder}, its JVM not given the environment's options: they were meant for the caller's. */
    public static ProcessBuilder withoutEnvironmentOptions(ProcessBuilder builder) {
        LEADING_OPTIONS_VARIABLES.forEach(builder.environment()::remove);
        builder.environment().remove(TRAILING_OPTIONS_VARIABLE);
        return builder;
    }

    /**
     * As {@link PiDigits#write(int, OutputStream, PiProgress, BooleanSupplier)}, computed in a child
     * JVM: the same bytes, progress and cancellation. {@code progress} is called from another thread.
     *
     * @throws IOException from {@code out}, or when the child could not be started, failed (its exit
     *         status and what its standard error says went wrong), crashed (the signal, and where its
     *         report is) or was stopped by this JVM's shutdown
     * @throws RuntimeException what {@code progress} or {@code cancelled} threw, the child then stopped
     */
    public static void write(int digits, OutputStream out, PiProgress progress, BooleanSupplier cancelled)
            throws IOException {
        write(digits, List.of(), out, progress, cancelled);
    }

    /**
     * As {@link #write(int, OutputStream, PiProgress, BooleanSupplier)}, with options for the child
     * JVM after the model's (a command-line tool passes on its own, {@code -XX:ActiveProcessorCount}
     * for one): a heap or a collector they choose replaces the model's. Whatever else they make the
     * JVM write to its standard output (a log without a file, {@code -verbose:gc}) fails the write,
     * and does not reach {@code out}.
     */
    public static void write(int digits, List<String> jvmOptions, OutputStream out, PiProgress progress,
                             BooleanSupplier cancelled) throws IOException {
        PiDigits.checkDigits(digits);
        // The given options and the model's only.
        Process child = withoutEnvironmentOptions(new ProcessBuilder(command(digits, jvmOptions))).start();
        ChildErrors childErrors = new ChildErrors();
        Stop stop = new Stop(child);
        // A caller stopped by a signal that runs its exit hooks (SIGTERM, kill's default) takes the
        // child with it; the child itself would notice only at its next check, a minute later at most.
        Thread stopChild = new Thread(stop::stopForShutdown, "pi-process-stop");
        Thread errors = Thread.ofPlatform().daemon().name("pi-process-stderr")
                .unstarted(() -> readErrors(child, progress, childErrors, stop));
        Thread watch = Thread.ofPlatform().daemon().name("pi-process-cancel")
                .unstarted(() -> stopWhenCancelled(child, cancelled, stop));
        try {
            Runtime.getRuntime().addShutdownHook(stopChild);
            errors.start();
            watch.start();
            long written = copyDigits(child.getInputStream(), out, digits, () -> stop.stopped);
            out.flush();
            int status = child.waitFor();
            errors.join();
            if (stop.callbackFailure != null) {
                throw stop.callbackFailure;
            }
            if (stop.callerShuttingDown) {
                throw new IOException("the computation's JVM was stopped: this JVM is shutting down");
            }
            boolean whole = written == digits + 2L;
            if (stop.stopped) {
                if (!whole) {
                    throw new CancellationException("the computation was cancelled");
                }
                // stopped on its way out, after its last digit: the digits are whole all the same
            } else if (status != 0) {
                String message = "the computation's JVM " + ended(status) + ": " + childErrors.summary();
                throw childErrors.outOfMemory() ? new OutOfMemoryException(message) : new IOException(message);
            } else if (!whole) {
                throw new IOException("the computation's JVM ended after " + written + " of the " + (digits + 2L)
                        + " bytes of the digits");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while computing " + digits + " digits");
        } finally {
            child.destroyForcibly();
            watch.interrupt();
            try {
                Runtime.getRuntime().removeShutdownHook(stopChild);
            } catch (IllegalStateException e) {
                // the JVM is shutting down, and the hook has stopped the child
            }
        }
    }

    /**
     * Copies the child's standard output to {@code out}, each buffer once it is seen to continue
     * {@code 3.} and decimals, and no further than {@code digits}: anything else there is the JVM's
     * (a crash's report, or an option of the caller's that logs to standard output), and would corrupt
     * the digits. Once {@code stopped} says the child was stopped, a read that fails is the output's end.
     *
     * @return the bytes copied
     */
    static long copyDigits(InputStream in, OutputStream out, int digits, BooleanSupplier stopped) throws IOException {
        long expected = digits + 2L;
        byte[] buffer = new byte[1 << 16];
        long written = 0;
        for (int read = read(in, buffer, stopped); read >= 0; read = read(in, buffer, stopped)) {
            for (int i = 0; i < read; i++) {
                long at = written + i;
                byte b = buffer[i];
                boolean expectedByte = at == 0 ? b == '3' : at == 1 ? b == '.' : at < expected && b >= '0' && b <= '9';
                if (!expectedByte) {
                    throw foreignOutput(in, buffer, i, read, at, stopped);
                }
            }
            out.write(buffer, 0, read);
            written += read;
        }
        return written;
    }

    /**
     * The failure for what the child wrote from {@code buffer[from]} on, at byte {@code at} of its
     * output, instead of the digits: a crash, whose text a crashing JVM prints to its standard output
     * whatever options say (the signal, and the file that holds the whole report, at most
     * {@value #CRASH_REPORT_BYTES} bytes of it read), or the lines of an option that logs there. A
     * crash's heading comes in several writes, and a read may return only its first line ({@code #}):
     * the lines it may begin are read before judging.
     */
    private static IOException foreignOutput(InputStream in, byte[] buffer, int from, int to, long at,
                                             BooleanSupplier stopped) throws IOException {
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        text.write(buffer, from, to - from);
        int read;
        while (mayBeginCrashHeading(text.toByteArray()) && (read = read(in, buffer, stopped)) >= 0) {
            text.write(buffer, 0, read);
        }
        String start = text.toString(StandardCharsets.UTF_8);
        if (!(start.startsWith("#") && ChildErrors.CRASH_HEADINGS.stream().anyMatch(start::contains))) {
            return new IOException("the computation's JVM wrote something other than the digits to its standard"
                    + " output, at byte " + at + ": \"" + printable(text.toByteArray()) + "\" (a JVM option that"
                    + " logs to standard output, such as -verbose:gc or -Xlog without an output, must name"
                    + " stderr or a file)");
        }
        while (text.size() < CRASH_REPORT_BYTES && (read = read(in, buffer, stopped)) >= 0) {
            text.write(buffer, 0, read);
        }
        ChildErrors report = new ChildErrors();
        text.toString(StandardCharsets.UTF_8).lines().forEach(report::add);
        return new IOException("the computation's JVM crashed: " + report.summary());
    }

    /**
     * Whether {@code text} may be the start of a crash's heading whose second line, the one that says
     * it is a crash, is still to come: a first line of {@code #} alone.
     */
    private static boolean mayBeginCrashHeading(byte[] text) {
        int lineBreaks = 0;
        for (byte b : text) {
            lineBreaks += b == '\n' ? 1 : 0;
        }
        return text.length < HEADING_BYTES && lineBreaks < 2 && text[0] == '#' && (text.length == 1 || text[1] == '\n');
    }

    /**
     * The next bytes of the child's output; -1 at its end, which a stop also is: stopping the child
     * closes the stream, and a read that comes after that fails.
     */
    private static int read(InputStream in, byte[] buffer, BooleanSupplier stopped) throws IOException {
        try {
            return in.read(buffer);
        } catch (IOException e) {
            if (stopped.getAsBoolean()) {
                return -1;
            }
            throw e;
        }
    }

    /** Up to 80 characters of what the child wrote, up to the end of its first line. */
    private static String printable(byte[] output) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < output.length && text.length() < 80 && output[i] != '\n'; i++) {
            char c = (char) (output[i] & 0xFF);
            text.append(c >= ' ' && c < 0x7F ? c : '?');
        }
        return text.toString();
    }

    /** How a process that exited with {@code status} ended, in words. */
    private static String ended(int status) {
        // A process killed by a signal exits with 128 and the signal's number, as a shell reports it.
        return switch (status) {
            case 128 + 9 -> "was killed (SIGKILL, which the system's out-of-memory killer sends)";
            case 128 + 15 -> "was stopped (SIGTERM)";
            default -> "exited with status " + status;
        };
    }

    /** The child's command line. */
    static List<String> command(int digits, List<String> jvmOptions) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(OUTPUT_OPTIONS);
        command.addAll(ENGINE_JVM_OPTIONS);
        boolean heapChosen = choosesHeap(jvmOptions);
        boolean collectorChosen = jvmOptions.stream().anyMatch(PiProcess::choosesCollector);
        long initialHeap = jvmOptions.stream().mapToLong(PiProcess::initialHeapBytes).max().orElse(0);
        for (String option : HeapModel.DEFAULT.jvmOptions(digits)) {
            if (option.startsWith("-Xmx")) {
                if (!heapChosen) {
                    command.add(initialHeap > HeapModel.DEFAULT.heapBytes(digits) ? "-Xmx" + initialHeap : option);
                }
            } else if (!(collectorChosen && choosesCollector(option))) {
                command.add(option);
            }
        }
        command.addAll(jvmOptions); // last, so that they win over the model's
        command.add("-cp");
        command.add(classPath());
        command.add(PiProcess.class.getName());
        command.add(Integer.toString(digits));
        // By number: should the caller die before the child asks for its parent, the parent would be init.
        command.add(Long.toString(ProcessHandle.current().pid()));
        return command;
    }

    /** Whether {@code jvmOptions} set the heap's size, or the memory it is taken from. */
    public static boolean choosesHeap(List<String> jvmOptions) {
        return jvmOptions.stream().anyMatch(option -> HEAP_OPTIONS.stream().anyMatch(option::startsWith));
    }

    /** The initial heap {@code option} sets, in bytes; 0 when it sets none. */
    private static long initialHeapBytes(String option) {
        Matcher size = INITIAL_HEAP.matcher(option);
        if (!size.matches()) {
            return 0;
        }
        int shift = switch (Character.toLowerCase(size.group(2).isEmpty() ? ' ' : size.group(2).charAt(0))) {
            case 'k' -> 10;
            case 'm' -> 20;
            case 'g' -> 30;
            case 't' -> 40;
            default -> 0;
        };
        return Long.parseLong(size.group(1)) << shift;
    }

    private static boolean choosesCollector(String option) {
        return COLLECTOR.matcher(option).matches();
    }

    /** Whether this JVM resolved the Vector API's module, without which the engine cannot form long products. */
    public static boolean hasVectorModule() {
        return ModuleLayer.boot().findModule(VECTOR_MODULE_NAME).isPresent();
    }

    /**
     * The child ran out of its heap. The heap is sized for the digits, so the same computation
     * would fail the same way again: a caller should not retry it as it would a passing fault.
     */
    public static final class OutOfMemoryException extends IOException {
        OutOfMemoryException(String message) {
            super(message);
        }
    }

    /** Where this class was loaded from: a jar, a directory of classes, or a function's code folder. */
    private static String classPath() {
        try {
            return Path.of(PiProcess.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException("pi-core's location is not a file", e);
        }
    }

    /**
     * Hands the child's progress lines to {@code progress} and its other lines to {@code errors};
     * should {@code progress} throw, the child is stopped and the write ends with that exception, as
     * it would in this JVM.
     */
    private static void readErrors(Process child, PiProgress progress, ChildErrors errors, Stop stop) {
        try (BufferedReader lines = new BufferedReader(
                new InputStreamReader(child.getErrorStream(), StandardCharsets.UTF_8))) {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                String[] parts = line.split(" ", 3);
                double fraction = parts.length == 3 && line.startsWith(PROGRESS) ? parse(parts[1]) : Double.NaN;
                if (Double.isNaN(fraction)) {
                    errors.add(line.strip());
                } else if (!stop.stopped) {
                    try {
                        progress.update(fraction, parts[2]);
                    } catch (RuntimeException e) {
                        stop.callbackFailed(e);
                    }
                }
            }
        } catch (IOException e) {
            errors.add("its standard error could not be read: " + e.getMessage());
        }
    }

    /**
     * What the child's standard error (or a crash's heading, whose lines start with {@code #}, on its
     * standard output) says went wrong: its first line that is neither a warning, a log line below
     * error level nor a stack frame (the JVM's reason for not starting, or the uncaught exception),
     * with the line after it when it only says that the JVM could not start or that it crashed (the
     * signal, or the memory it lacked), and where a crash's report was written; an exception's innermost cause, which the
     * first line may lack (a fork/join task's error arrives rethrown without its message); and
     * whether any line reports the heap exhausted (not a thread, the code's metaspace or native
     * memory, which another attempt may find).
     */
    private static final class ChildErrors {
        /** The JVM's, then the line that says why: "of VM", or "of boot layer" (a module not found). */
        private static final String NOT_STARTED = "Error occurred during initialization of ";
        /**
         * The first lines of a crash's heading, each of whose lines starts with {@code #}: the line
         * after each names the signal, or the memory the JVM could not get.
         */
        static final List<String> CRASH_HEADINGS = List.of("A fatal error has been detected by the Java Runtime Environment:",
                "There is insufficient memory for the Java Runtime Environment to continue.");
        /** The crash report's line before the name of the file that holds the whole report. */
        private static final String REPORT_FILE = "An error report file with more information is saved as:";
        private String first;
        private String cause;
        private String report;
        private boolean reportNext;
        private boolean outOfMemory;

        synchronized void add(String line) {
            outOfMemory |= HEAP_EXHAUSTED.stream().anyMatch(said -> line.contains("OutOfMemoryError: " + said));
            String text = line.startsWith("#") ? line.substring(1).strip() : line;
            // A decorated unified-logging line starts with "[" (its time, level, tags): below error level
            // it is the caller's option's (-Xlog:gc:stderr), which logs on while the JVM fails. (The
            // JVM writes a line's decorations and text apart: text a progress line split off is not known.)
            if (text.isEmpty() || text.startsWith("WARNING:") || text.startsWith("[") && !text.contains("[error]")
                    || text.contains("VM warning:") || text.startsWith("at ") || text.startsWith("... ") && text.endsWith(" more")) {
                return;
            }
            if (reportNext) {
                report = text;
                reportNext = false;
            } else if (text.equals(REPORT_FILE)) {
                reportNext = true;
            } else if (first == null) {
                first = text;
            } else if (CRASH_HEADINGS.contains(first)) {
                first = first + " " + text;
            } else if (first.startsWith(NOT_STARTED) && !first.contains(": ")) {
                first = first + ": " + text;
            } else if (text.startsWith("Caused by: ")) {
                cause = text;
            }
        }

        synchronized boolean outOfMemory() {
            return outOfMemory;
        }

        synchronized String summary() {
            String summary = first == null ? "it said nothing" : first;
            summary = cause == null ? summary : summary + " (" + cause + ")";
            return report == null ? summary : summary + "; its report: " + report;
        }
    }

    private static double parse(String fraction) {
        try {
            return Double.parseDouble(fraction);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    /** Stops the child once {@code cancelled} says so, or throws (the write then ends with its exception). */
    private static void stopWhenCancelled(Process child, BooleanSupplier cancelled, Stop stop) {
        try {
            while (child.isAlive()) {
                boolean cancel;
                try {
                    cancel = cancelled.getAsBoolean();
                } catch (RuntimeException e) {
                    stop.callbackFailed(e);
                    return;
                }
                if (cancel) {
                    stop.cancel();
                    return;
                }
                Thread.sleep(POLL_MILLIS);
            }
        } catch (InterruptedException e) {
            // the computation ended
        }
    }

    /** Whether this side stopped the child, and why: a cancellation, a callback that threw, or this JVM's shutdown. */
    private static final class Stop {
        private final Process child;
        private volatile boolean stopped;
        private volatile RuntimeException callbackFailure;
        private volatile boolean callerShuttingDown;

        Stop(Process child) {
            this.child = child;
        }

        void cancel() {
            stopped = true;
            child.destroyForcibly();
        }

        void stopForShutdown() {
            callerShuttingDown = true;
            cancel();
        }

        synchronized void callbackFailed(RuntimeException e) {
            if (callbackFailure == null) {
                callbackFailure = e;
            }
            cancel();
        }
    }

    /**
     * Whether an {@link OutOfMemoryError}'s message says the program needed more heap than it had
     * (see {@link #HEAP_EXHAUSTED}), so that another attempt in a JVM alike would fail the same way.
     */
    public static boolean heapExhausted(String outOfMemoryMessage) {
        return outOfMemoryMessage != null && HEAP_EXHAUSTED.stream().anyMatch(outOfMemoryMessage::startsWith);
    }

    /**
     * The child: {@code PiProcess DIGITS CALLER_PID} writes the digits to standard output and progress
     * lines to standard error; it stops with status {@value #CANCELLED} once the caller is gone.
     */
    public static void main(String[] args) {
        int digits = Integer.parseInt(args[0]);
        // Completes when the caller ends, however it ends (SIGKILL included).
        CompletableFuture<ProcessHandle> callerGone = ProcessHandle.of(Long.parseLong(args[1]))
                .map(ProcessHandle::onExit).orElse(CompletableFuture.completedFuture(null));
        OutputStream out = new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16);
        try {
            // Each line in one write: the JVM's own log lines (a caller's -Xlog:gc:stderr) go to the
            // same descriptor, and would land inside a line written in parts, as printf writes.
            PiDigits.write(digits, out,
                    (fraction, phase) -> System.err.print(PROGRESS + fraction + " " + phase + System.lineSeparator()),
                    callerGone::isDone);
        } catch (CancellationException e) {
            System.exit(CANCELLED);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        System.exit(0);
    }
}
