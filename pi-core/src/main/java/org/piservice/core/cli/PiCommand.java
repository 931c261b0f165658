package org.piservice.core.cli;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.piservice.core.PiDigits;
import org.piservice.core.PiProcess;
import org.piservice.core.PiProgress;

/**
 * {@code java -jar pi-core.jar N [--out FILE] [--progress]}: prints π to N decimals.
 *
 * <p>Standard output gets the digits and a newline, for the terminal; {@code --out} writes exactly
 * the digits, as the service stores them. Exit codes: 0 done, 1 the output could not be written or
 * the computation failed, 2 bad arguments (one line on standard error, never a stack trace).
 *
 * <p>From {@value #CHILD_FROM_DIGITS} digits on, the computation runs in a child JVM whose heap is
 * what the memory model gives the digits ({@link PiProcess}), with this JVM's options, unless they
 * set the heap themselves (so do computations of any size when this JVM lacks the Vector API's
 * module, which a jar cannot ask for; the child then keeps a heap its caller set): a JVM left to
 * its default heap (a quarter of the machine's memory) grows into it rather than collecting, so
 * 10^8 digits held 4.7 GB where 1 GB is enough, and a jar cannot set its own heap. The second JVM
 * start pays for itself from about 10^5 digits: on a 2-core machine, medians of five cold runs,
 * 10^5 digits took 0.77 s relaunched against 0.76 s in the launching JVM, 3·10^5 took 1.04 s
 * against 1.16 s and 10^6 1.81 s against 2.10 s (the default collector touches a larger young
 * generation), with peak RSS 76, 79 and 100 MiB against 139, 225 and 390 MiB.
 */
public final class PiCommand {

    static final int OK = 0;
    static final int IO_ERROR = 1;
    static final int USAGE = 2;
    static final String USAGE_LINE = "usage: java -jar pi-core.jar DIGITS [--out FILE] [--progress]";
    /** Below this many digits one JVM start costs more than the sized heap saves. */
    static final int CHILD_FROM_DIGITS = 100_000;
    /** Options that set the heap: with one of them, the caller chose it, and this JVM computes. */
    private static final List<String> HEAP_OPTIONS = List.of("-Xmx", "-XX:MaxHeapSize", "-XX:MaxRAM");

    private final OutputStream stdout;
    private final PrintStream stderr;
    private final List<String> jvmOptions;
    private final boolean vectorModule;

    /**
     * @param jvmOptions this JVM's options, which a child JVM gets too
     * @param vectorModule whether this JVM resolved the Vector API's module ({@link PiProcess#hasVectorModule})
     */
    PiCommand(OutputStream stdout, PrintStream stderr, List<String> jvmOptions, boolean vectorModule) {
        this.stdout = stdout;
        this.stderr = stderr;
        this.jvmOptions = List.copyOf(jvmOptions);
        this.vectorModule = vectorModule;
    }

    public static void main(String[] args) {
        int status = new PiCommand(System.out, System.err, ManagementFactory.getRuntimeMXBean().getInputArguments(),
                PiProcess.hasVectorModule()).run(args);
        System.out.flush();
        System.exit(status);
    }

    /** Runs the command and returns its exit status. */
    int run(String[] args) {
        Arguments parsed;
        try {
            parsed = Arguments.parse(args);
        } catch (IllegalArgumentException e) {
            stderr.println("pi-core: " + e.getMessage() + " (" + USAGE_LINE + ")");
            return USAGE;
        }
        if (parsed.help()) {
            stderr.println(USAGE_LINE);
            stderr.println("Prints 3. and the first DIGITS decimals of pi (truncated), 1 <= DIGITS <= " + PiDigits.MAX_DIGITS + ".");
            stderr.println("  --out FILE   write exactly the digits to FILE instead of standard output");
            stderr.println("  --progress   report progress on standard error");
            return OK;
        }
        long started = System.nanoTime();
        try {
            if (parsed.out() == null) {
                OutputStream out = new BufferedOutputStream(stdout, 1 << 16);
                compute(parsed, out);
                out.write('\n');
                out.flush();
            } else {
                try (OutputStream out = Files.newOutputStream(parsed.out())) {
                    compute(parsed, out);
                }
            }
        } catch (IOException e) {
            stderr.println("pi-core: cannot write the digits: " + e);
            return IO_ERROR;
        }
        if (parsed.progress()) {
            stderr.printf(Locale.ROOT, "done: %d digits in %.1f s%n", parsed.digits(),
                    (System.nanoTime() - started) / (double) TimeUnit.SECONDS.toNanos(1));
        }
        return OK;
    }

    private void compute(Arguments parsed, OutputStream out) throws IOException {
        PiProgress progress = parsed.progress()
                ? (fraction, phase) -> stderr.printf(Locale.ROOT, "%3.0f%% %s%n", fraction * 100, phase)
                : PiProgress.NONE;
        if (inChildJvm(parsed.digits())) {
            PiProcess.write(parsed.digits(), jvmOptions, out, progress, () -> false);
        } else {
            PiDigits.write(parsed.digits(), out, progress, () -> false);
        }
    }

    /**
     * Whether {@code digits} are computed in a child JVM (see the class comment): always when this
     * JVM lacks the Vector API's module, as {@code java -jar} does unless told.
     */
    boolean inChildJvm(int digits) {
        return !vectorModule || digits >= CHILD_FROM_DIGITS
                && jvmOptions.stream().noneMatch(option -> HEAP_OPTIONS.stream().anyMatch(option::startsWith));
    }

    record Arguments(int digits, Path out, boolean progress, boolean help) {

        static Arguments parse(String[] args) {
            Integer digits = null;
            Path out = null;
            boolean progress = false;
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                switch (arg) {
                    case "-h", "--help" -> {
                        return new Arguments(0, null, false, true);
                    }
                    case "--progress" -> progress = true;
                    case "--out" -> {
                        if (i + 1 >= args.length) {
                            throw new IllegalArgumentException("--out needs a file name");
                        }
                        out = path(args[++i]);
                    }
                    default -> {
                        if (arg.startsWith("--out=")) {
                            out = path(arg.substring("--out=".length()));
                        } else if (arg.startsWith("-") && !arg.matches("-\\d+")) {
                            throw new IllegalArgumentException("unknown option " + arg);
                        } else if (digits != null) {
                            throw new IllegalArgumentException("more than one digit count: " + arg);
                        } else {
                            digits = digits(arg);
                        }
                    }
                }
            }
            if (digits == null) {
                throw new IllegalArgumentException("missing the number of digits");
            }
            return new Arguments(digits, out, progress, false);
        }

        private static int digits(String arg) {
            if (!arg.matches("[+-]?\\d+")) {
                throw new IllegalArgumentException("the number of digits must be a whole number, got " + arg);
            }
            long value;
            try {
                value = Long.parseLong(arg);
            } catch (NumberFormatException e) {
                value = Long.MAX_VALUE;
            }
            if (value < 1 || value > PiDigits.MAX_DIGITS) {
                throw new IllegalArgumentException(
                        "the number of digits must be between 1 and " + PiDigits.MAX_DIGITS + ", got " + arg);
            }
            return (int) value;
        }

        private static Path path(String name) {
            if (name.isEmpty()) {
                throw new IllegalArgumentException("--out needs a file name");
            }
            try {
                return Path.of(name);
            } catch (InvalidPathException e) {
                throw new IllegalArgumentException("bad file name " + name);
            }
        }
    }
}
