package org.piservice.core.cli;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.piservice.core.HeapModel;
import org.piservice.core.PiDigits;
import org.piservice.core.PiProcess;
import org.piservice.core.PiProgress;

/**
 * {@code java -jar pi-core.jar N [--out FILE] [--progress]}: prints π to N decimals.
 *
 * <p>Standard output gets the digits and a newline, for the terminal; {@code --out} writes exactly
 * the digits, as the service stores them, and writes the file only once they are all computed. Exit
 * codes: 0 done, 1 the output could not be written or the computation failed, 2 bad arguments (one
 * line on standard error, never a stack trace).
 *
 * <p>From {@value #CHILD_FROM_DIGITS} digits on, the computation runs in a child JVM whose heap is
 * what the memory model gives the digits ({@link PiProcess}), with this JVM's command-line
 * options, unless they set the heap themselves (so do computations of any size when this JVM lacks
 * the Vector API's module, which a jar cannot ask for; the child then keeps a heap its caller set): a JVM left to
 * its default heap (a quarter of the machine's memory) grows into it rather than collecting, so
 * 10^8 digits held 4.7 GB where 1 GB is enough, and a jar cannot set its own heap. The second JVM
 * start pays for itself from about 10^5 digits: on a 2-core machine, medians of five cold runs,
 * 10^5 digits took 0.77 s relaunched against 0.76 s in the launching JVM, 3·10^5 took 1.04 s
 * against 1.16 s and 10^6 1.81 s against 2.10 s (the default collector touches a larger young
 * generation), with peak RSS 76, 79 and 100 MiB against 139, 225 and 390 MiB.
 */
public final class PiCommand {

    static final int OK = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;
    static final String USAGE_LINE = "usage: java -jar pi-core.jar DIGITS [--out FILE] [--progress] | --help";
    static final String HELP = USAGE_LINE + "\n"
            + "Prints 3. and the first DIGITS decimals of pi (truncated), 1 <= DIGITS <= " + PiDigits.MAX_DIGITS
            + ", and a newline.\n"
            + "  --out FILE   write exactly the digits, without the newline, to FILE, once they are all\n"
            + "               computed\n"
            + "  --progress   report progress on standard error\n"
            + "Exit status: 0 done, 1 the digits could not be computed or written, 2 bad arguments.\n";
    /** Below this many digits one JVM start costs more than the sized heap saves. */
    static final int CHILD_FROM_DIGITS = 100_000;
    /** At most this many bytes of the target's name go into its part file's, whose own additions take 20 more. */
    private static final int NAME_IN_PART_BYTES = 200;
    /** A file's type in its mode, and the type of a pipe (POSIX's {@code S_IFMT}, {@code S_IFIFO}). */
    private static final int S_IFMT = 0170000;
    private static final int S_IFIFO = 0010000;
    /** Links followed to find whether a name leads to standard output: Linux's own limit. */
    private static final int MAX_LINKS = 40;

    private final OutputStream stdout;
    private final PrintStream stderr;
    private final List<String> jvmOptions;
    private final boolean vectorModule;
    private final long memoryBytes;

    /** As on a machine whose memory holds any heap the model gives. */
    PiCommand(OutputStream stdout, PrintStream stderr, List<String> jvmOptions, boolean vectorModule) {
        this(stdout, stderr, jvmOptions, vectorModule, Long.MAX_VALUE);
    }

    /**
     * @param jvmOptions this JVM's command-line options ({@link #commandLineOptions}), which a child JVM gets too
     * @param vectorModule whether this JVM resolved the Vector API's module ({@link PiProcess#hasVectorModule})
     * @param memoryBytes the machine's memory (or its container's), which the model's heap must fit in
     */
    PiCommand(OutputStream stdout, PrintStream stderr, List<String> jvmOptions, boolean vectorModule, long memoryBytes) {
        this.stdout = stdout;
        this.stderr = stderr;
        this.jvmOptions = List.copyOf(jvmOptions);
        this.vectorModule = vectorModule;
        this.memoryBytes = memoryBytes;
    }

    public static void main(String[] args) {
        // Not System.out, a PrintStream that drops write errors: a full disk or a closed pipe
        // must stop the computation and end the run with status 1, not 0.
        long memory = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize();
        List<String> options = commandLineOptions(ManagementFactory.getRuntimeMXBean().getInputArguments(),
                System.getenv());
        int status = new PiCommand(new FileOutputStream(FileDescriptor.out), System.err, options,
                PiProcess.hasVectorModule(), memory).run(args);
        System.exit(status);
    }

    /**
     * The options this JVM was given on its command line, of all those it was started with
     * ({@code inputArguments}): these are the ones a child JVM gets. Those of the environment's
     * variables were meant for every JVM started there (a container's heap, a monitoring agent),
     * and come first ({@code JAVA_TOOL_OPTIONS}, then {@code JDK_JAVA_OPTIONS}, which the launcher
     * puts before the command line's) or last ({@code _JAVA_OPTIONS}); a debugger's agent and a
     * remote JMX agent's ports stay with this JVM, as a child would find the port taken and not start.
     */
    static List<String> commandLineOptions(List<String> inputArguments, Map<String, String> environment) {
        List<String> options = new ArrayList<>(inputArguments);
        for (String variable : PiProcess.LEADING_OPTIONS_VARIABLES) {
            List<String> given = tokens(environment.get(variable));
            List<String> start = options.subList(0, Math.min(given.size(), options.size()));
            if (start.equals(given)) {
                start.clear();
            }
        }
        List<String> last = tokens(environment.get(PiProcess.TRAILING_OPTIONS_VARIABLE));
        List<String> end = options.subList(Math.max(0, options.size() - last.size()), options.size());
        if (end.equals(last)) {
            end.clear();
        }
        options.removeIf(option -> option.startsWith("-agentlib:jdwp") || option.startsWith("-Xrunjdwp")
                || option.startsWith("-Dcom.sun.management.jmxremote.port=")
                || option.startsWith("-Dcom.sun.management.jmxremote.rmi.port="));
        return options;
    }

    /**
     * The options in an environment variable's value, as the JVM and its launcher read them:
     * separated by white space, which quotes (single or double, themselves dropped) keep within one.
     */
    static List<String> tokens(String value) {
        List<String> tokens = new ArrayList<>();
        if (value == null) {
            return tokens;
        }
        StringBuilder token = null;
        char quote = 0;
        for (char c : value.toCharArray()) {
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    token.append(c);
                }
            } else if (Character.isWhitespace(c)) {
                if (token != null) {
                    tokens.add(token.toString());
                    token = null;
                }
            } else {
                if (token == null) {
                    token = new StringBuilder();
                }
                if (c == '\'' || c == '"') {
                    quote = c;
                } else {
                    token.append(c);
                }
            }
        }
        if (token != null) {
            tokens.add(token.toString());
        }
        return tokens;
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
        if (!parsed.help() && inChildJvm(parsed.digits()) && !heapChosen()
                && HeapModel.DEFAULT.memoryBytes(parsed.digits()) > memoryBytes) {
            // Refused now, not after minutes of computing in a heap the machine cannot give
            long fit = HeapModel.DEFAULT.maxDigits(memoryBytes - HeapModel.NON_HEAP_BYTES);
            String fits = fit > 0 ? "at most " + fit + " digits fit" : "no computation fits in a sized JVM";
            if (vectorModule && fit < CHILD_FROM_DIGITS) {
                fits += "; fewer than " + CHILD_FROM_DIGITS + " are computed in this JVM, not sized";
            }
            stderr.printf(Locale.ROOT, "pi-core: %d digits need %d MiB of memory (a heap of %d MiB and %d MiB beside"
                            + " it), more than this machine's %d MiB; %s%n", parsed.digits(),
                    mebibytes(HeapModel.DEFAULT.memoryBytes(parsed.digits())),
                    mebibytes(HeapModel.DEFAULT.heapBytes(parsed.digits())), HeapModel.NON_HEAP_BYTES >> 20,
                    memoryBytes >> 20, fits);
            return FAILED;
        }
        long started = System.nanoTime();
        try {
            if (parsed.help()) {
                OutputStream out = new Output(stdout, "standard output");
                out.write(HELP.getBytes(StandardCharsets.UTF_8));
                out.flush();
                return OK;
            }
            if (parsed.out() == null || isStandardOutput(parsed.out())) {
                OutputStream out = new BufferedOutputStream(new Output(stdout, "standard output"), 1 << 16);
                compute(parsed, out);
                if (parsed.out() == null) {
                    out.write('\n');
                }
                out.flush();
            } else {
                writeFile(parsed);
            }
        } catch (Output.Failed e) {
            stderr.println("pi-core: cannot write " + e.target + ": " + reason(e.getCause()));
            return FAILED;
        } catch (PiProcess.OutOfMemoryException e) {
            stderr.println("pi-core: the computation ran out of memory: " + e.getMessage());
            return FAILED;
        } catch (IOException e) {
            stderr.println("pi-core: the computation failed: " + reason(e));
            return FAILED;
        } catch (RuntimeException | Error e) {
            // Where the heap was chosen by the caller, this JVM computes, and it may be too small.
            stderr.println(causes(e).anyMatch(OutOfMemoryError.class::isInstance)
                    ? "pi-core: this JVM ran out of memory computing " + parsed.digits()
                            + " digits; leave its heap (-Xmx) to the tool, which sizes it, or make it larger"
                    : "pi-core: the computation failed: " + e);
            return FAILED;
        }
        if (parsed.progress()) {
            stderr.printf(Locale.ROOT, "done: %d digits in %.1f s%n", parsed.digits(),
                    (System.nanoTime() - started) / (double) TimeUnit.SECONDS.toNanos(1));
        }
        return OK;
    }

    /**
     * Computes the digits into a file of this run's own, then puts them in the target: a run that
     * fails or is stopped while it computes leaves the target as it was, never a plausible prefix of
     * π that looks like a result. A new file is the run's file, put in place under the target's
     * name: whole at once, and without a second copy of the digits on the disk. Anything that exists
     * (a file, a link, a device, a pipe) is copied into, so that it stays what it is, with its owners,
     * links, permissions and access lists, none of which a rename could keep whole.
     */
    private void writeFile(Arguments parsed) throws IOException {
        Path target = parsed.out().toAbsolutePath();
        String name = target.toString();
        if (Files.isDirectory(target)) {
            throw new Output.Failed(name, new IOException("it is a folder"));
        }
        if (!Files.isDirectory(target.getParent())) {
            throw new Output.Failed(name, new IOException("no folder " + target.getParent()));
        }
        if (Files.exists(target) && !Files.isWritable(target)) {
            throw new Output.Failed(name, new IOException("it is read-only"));
        }
        Path part = partFile(target);
        part.toFile().deleteOnExit(); // Ctrl-C runs the JVM's exit hooks
        try {
            try (OutputStream out = new Output(open(part, name, StandardOpenOption.TRUNCATE_EXISTING), name)) {
                compute(parsed, out);
            }
            if (!placedAsNewFile(part, target)) {
                copyInto(target, part);
            }
        } finally {
            try {
                Files.deleteIfExists(part);
            } catch (IOException e) {
                // the run's own outcome is what to report; the part file is this run's own, and hidden
            }
        }
    }

    /**
     * Copies the digits into the {@code target} that exists. Should that fail (a full disk), the
     * target, which holds a prefix of π now, is emptied where it is a file, so that it cannot pass
     * for a result, and the digits are kept under a name the error gives, rather than deleted;
     * but for a pipe, whose reader may stop early by design ({@code head}).
     */
    private static void copyInto(Path target, Path part) throws IOException {
        boolean opened = false;
        try (OutputStream out = new Output(open(target, target.toString()), target.toString())) {
            opened = true;
            Files.copy(part, out);
        } catch (IOException e) {
            if (isPipe(target)) {
                throw e;
            }
            Throwable cause = e instanceof Output.Failed failed ? failed.getCause() : e;
            String emptied = opened && Files.isRegularFile(target) ? empty(target) : "";
            String name = part.getFileName().toString();
            Path kept = part.resolveSibling(name.substring(name.startsWith(".") ? 1 : 0, name.length() - ".part".length())
                    + ".txt");
            try {
                // Moved, the part is out of the way of its deletion at exit, which names the path.
                Files.move(part, kept);
            } catch (IOException moveFailed) {
                throw new Output.Failed(target.toString(), new IOException(reason(cause) + emptied
                        + ", and the digits could not be kept: " + reason(moveFailed), cause));
            }
            throw new Output.Failed(target.toString(),
                    new IOException(reason(cause) + emptied + ", and the digits are whole in " + kept, cause));
        }
    }

    private static boolean isPipe(Path target) {
        try {
            return ((Integer) Files.getAttribute(target, "unix:mode") & S_IFMT) == S_IFIFO;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return false;
        }
    }

    /** Empties the file {@code target}, and says so (or that it could not). */
    private static String empty(Path target) {
        try (FileChannel file = FileChannel.open(target, StandardOpenOption.WRITE)) {
            file.truncate(0);
            return "; it was emptied";
        } catch (IOException e) {
            return "; it holds only some of the digits";
        }
    }

    /**
     * A new file for the computed digits: beside a plain target, or one that does not exist yet,
     * where it takes the target's disk and can replace it, with the permissions a new file gets
     * there (a folder that refuses it refuses the target too, now, not after the computing); in
     * the temporary folder for anything else (a link, a device, a file in a folder this user may
     * not write).
     */
    private static Path partFile(Path target) throws Output.Failed {
        Path folder = target.getParent();
        boolean beside = !Files.exists(target, LinkOption.NOFOLLOW_LINKS)
                || Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS) && Files.isWritable(folder);
        try {
            if (!beside) {
                return Files.createTempFile("pi-core-", ".part");
            }
            while (true) {
                Path part = folder.resolve("." + shortened(target.getFileName().toString()) + "."
                        + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36) + ".part");
                try {
                    return Files.createFile(part);
                } catch (FileAlreadyExistsException taken) {
                    // another run's; draw again
                }
            }
        } catch (IOException e) {
            throw new Output.Failed(target.toString(), e);
        }
    }

    /**
     * {@code name} cut to {@link #NAME_IN_PART_BYTES}: file systems take names of 255 bytes, and a
     * target's name may be that long itself.
     */
    private static String shortened(String name) {
        int end = name.length();
        while (name.substring(0, end).getBytes(StandardCharsets.UTF_8).length > NAME_IN_PART_BYTES) {
            end = name.offsetByCodePoints(end, -1);
        }
        return name.substring(0, end);
    }

    /**
     * Makes {@code part}, beside a {@code target} that does not exist, that file too (the caller
     * deletes the part's own name): on the disk first, so that a crash leaves no empty file under
     * the target's name.
     *
     * @return false when the part is not beside the target, the target exists (made meanwhile
     *     too), or it can be neither linked nor moved there: the caller copies the digits in
     */
    private static boolean placedAsNewFile(Path part, Path target) throws Output.Failed {
        if (!target.getParent().equals(part.getParent()) || Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        try (FileChannel digits = FileChannel.open(part, StandardOpenOption.WRITE)) {
            digits.force(true);
        } catch (IOException e) {
            throw new Output.Failed(target.toString(), e);
        }
        try {
            // A link, not a rename: a rename would replace a file made meanwhile under the name,
            // which is the user's, and copied into instead.
            Files.createLink(target, part);
            return true;
        } catch (FileAlreadyExistsException madeMeanwhile) {
            return false;
        } catch (IOException | UnsupportedOperationException noHardLinks) {
            // (FAT, many network and FUSE file systems) A move, which refuses a name that exists
            // but for a moment's race: still whole at once, and no second copy.
            try {
                Files.move(part, target);
                return true;
            } catch (IOException e) {
                return false;
            }
        }
    }

    /**
     * Whether {@code target} names this process's standard output, or links to a name of it: written
     * through the stream the process inherited, since opened again it would truncate a file the
     * shell appends to ({@code --out /dev/stdout >> file}). Names, not file identity: a file that
     * standard output also goes to ({@code --out f > f}) is still a file, written only once whole.
     * Each name is read with its folder resolved on the disk (a linked folder, {@code ..}) but not
     * the name itself, which for {@code /proc/self/fd/1} would be the file behind it.
     */
    static boolean isStandardOutput(Path target) {
        Path name = target.toAbsolutePath();
        for (int links = 0; links <= MAX_LINKS && name.getParent() != null; links++) {
            Path real;
            try {
                real = name.getParent().toRealPath().resolve(name.getFileName());
            } catch (IOException e) {
                return false;
            }
            if (namesStandardOutput(real)) {
                return true;
            }
            if (!Files.isSymbolicLink(real)) {
                return false;
            }
            try {
                name = real.resolveSibling(Files.readSymbolicLink(real));
            } catch (IOException e) {
                return false;
            }
        }
        return false;
    }

    /** {@code /dev/stdout}, or file descriptor 1 of this process or one of its threads under {@code /proc}. */
    private static boolean namesStandardOutput(Path real) {
        if (real.equals(Path.of("/dev/stdout"))) {
            return true;
        }
        Path folder = real.getParent();
        if (folder == null || folder.getParent() == null || !real.endsWith("1") || !folder.endsWith("fd")) {
            return false;
        }
        Path process = Path.of("/proc", Long.toString(ProcessHandle.current().pid()));
        Path owner = folder.getParent();
        return owner.equals(process) || process.resolve("task").equals(owner.getParent());
    }

    private static OutputStream open(Path file, String name, StandardOpenOption... options) throws Output.Failed {
        try {
            return Files.newOutputStream(file, options);
        } catch (IOException e) {
            throw new Output.Failed(name, e);
        }
    }

    /** An I/O failure in words, without the exception's class name. */
    private static String reason(Throwable e) {
        return switch (e) {
            case AccessDeniedException denied -> "permission denied";
            case NoSuchFileException missing -> "no such file or folder";
            case FileSystemException other when other.getReason() != null -> other.getReason();
            default -> e.getMessage() != null ? e.getMessage() : e.toString();
        };
    }

    private static Stream<Throwable> causes(Throwable e) {
        return Stream.iterate(e, Objects::nonNull, Throwable::getCause).limit(10);
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
        return !vectorModule || digits >= CHILD_FROM_DIGITS && !heapChosen();
    }

    /** {@code bytes} in MiB, rounded up. */
    private static long mebibytes(long bytes) {
        return (bytes + (1 << 20) - 1) >> 20;
    }

    /** Whether this JVM's options set the heap, which a child JVM then keeps instead of the model's. */
    private boolean heapChosen() {
        return PiProcess.choosesHeap(jvmOptions);
    }

    /** The digits' destination, whose failures are told apart from the computation's. */
    private static final class Output extends FilterOutputStream {
        private final String target;

        Output(OutputStream out, String target) {
            super(out);
            this.target = target;
        }

        @Override
        public void write(int b) throws Failed {
            tagged(() -> out.write(b));
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws Failed {
            tagged(() -> out.write(bytes, offset, length));
        }

        @Override
        public void flush() throws Failed {
            tagged(out::flush);
        }

        @Override
        public void close() throws Failed {
            tagged(out::close);
        }

        private void tagged(IoCall call) throws Failed {
            try {
                call.run();
            } catch (IOException e) {
                throw new Failed(target, e);
            }
        }

        private interface IoCall {
            void run() throws IOException;
        }

        static final class Failed extends IOException {
            final String target;

            Failed(String target, IOException cause) {
                super(cause);
                this.target = target;
            }
        }
    }

    record Arguments(int digits, Path out, boolean progress, boolean help) {

        static Arguments parse(String[] args) {
            // Asked for anywhere, help is what the user wants, whatever else is wrong
            if (Arrays.stream(args).anyMatch(arg -> arg.equals("--help") || arg.equals("-h"))) {
                return new Arguments(0, null, false, true);
            }
            Integer digits = null;
            Path out = null;
            boolean progress = false;
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                switch (arg) {
                    case "--progress" -> progress = true;
                    case "--out" -> {
                        if (i + 1 >= args.length || args[i + 1].startsWith("-")) {
                            throw new IllegalArgumentException(
                                    "--out needs a file name (write ./-name for one that starts with -)");
                        }
                        out = path(out, args[++i]);
                    }
                    default -> {
                        if (arg.startsWith("--out=")) {
                            out = path(out, arg.substring("--out=".length()));
                        } else if (arg.startsWith("-") && !arg.matches("-\\d+")) {
                            throw new IllegalArgumentException("unknown option " + arg);
                        } else if (digits != null) {
                            throw new IllegalArgumentException("more than one digit count: '" + arg + "'");
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
                throw new IllegalArgumentException("the number of digits must be a whole number, got '" + arg + "'");
            }
            long value;
            try {
                value = Long.parseLong(arg);
            } catch (NumberFormatException e) {
                value = Long.MAX_VALUE;
            }
            if (value < 1 || value > PiDigits.MAX_DIGITS) {
                throw new IllegalArgumentException(
                        "the number of digits must be between 1 and " + PiDigits.MAX_DIGITS + ", got '" + arg + "'");
            }
            return (int) value;
        }

        private static Path path(Path before, String name) {
            if (before != null) {
                throw new IllegalArgumentException("more than one --out");
            }
            if (name.isEmpty()) {
                throw new IllegalArgumentException("--out needs a file name");
            }
            try {
                return Path.of(name);
            } catch (InvalidPathException e) {
                throw new IllegalArgumentException("bad file name '" + name + "'");
            }
        }
    }
}
