package org.piservice.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The computation in a child JVM: its digits, its progress, and that no child outlives its use. */
class PiProcessTest {

    @AfterEach
    void noChildIsLeft() throws Exception {
        for (ProcessHandle child : ProcessHandle.current().children().toList()) {
            assertThat(child.onExit().get(10, TimeUnit.SECONDS).isAlive()).as("child " + child.pid()).isFalse();
        }
    }

    @Test
    void writesTheSameBytesAsTheEngineInThisJvmAndReportsProgress() throws IOException {
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        PiDigits.write(200_000, expected);
        ByteArrayOutputStream actual = new ByteArrayOutputStream();
        List<Double> progress = new CopyOnWriteArrayList<>();

        PiProcess.write(200_000, actual, (fraction, phase) -> progress.add(fraction), () -> false);

        assertThat(actual.toByteArray()).isEqualTo(expected.toByteArray());
        assertThat(progress).isNotEmpty().isSorted().last().isEqualTo(1.0);
    }

    @Test
    void theChildHasItsOutputOptionsTheEnginesTheModelsThenTheCallers() {
        List<String> command = PiProcess.command(5_000_000, List.of("-XX:ActiveProcessorCount=1"));

        List<String> expected = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        expected.addAll(PiProcess.OUTPUT_OPTIONS);
        expected.addAll(PiProcess.ENGINE_JVM_OPTIONS);
        expected.addAll(HeapModel.DEFAULT.jvmOptions(5_000_000));
        expected.add("-XX:ActiveProcessorCount=1"); // last, so that the caller's win
        assertThat(command.subList(0, expected.size())).isEqualTo(expected);
        assertThat(command).endsWith(PiProcess.class.getName(), "5000000", Long.toString(ProcessHandle.current().pid()));
    }

    @ParameterizedTest
    @CsvSource({"-XX:MaxRAMPercentage=50, -Xmx", "-XX:+UseParallelGC, -XX:+UseSerialGC"})
    void aHeapOrACollectorTheCallerChoosesReplacesTheModels(String option, String modelsOption) throws IOException {
        // The model's -Xmx would override the caller's share of the memory; two collectors would stop
        // the JVM from starting.
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        PiDigits.write(1000, expected);
        ByteArrayOutputStream actual = new ByteArrayOutputStream();

        PiProcess.write(1000, List.of(option), actual, PiProgress.NONE, () -> false);

        assertThat(actual.toByteArray()).isEqualTo(expected.toByteArray());
        assertThat(PiProcess.command(1000, List.of(option))).noneMatch(o -> o.startsWith(modelsOption));
    }

    @Test
    void anInitialHeapAboveTheModelsRaisesTheLargestHeapToIt() throws IOException {
        // The model gives 1000 digits 41 MiB; a JVM whose initial heap is larger than its largest does not start
        ByteArrayOutputStream actual = new ByteArrayOutputStream();

        PiProcess.write(1000, List.of("-Xms256m"), actual, PiProgress.NONE, () -> false);

        assertThat(actual.size()).isEqualTo(1002);
        assertThat(PiProcess.command(1000, List.of("-Xms256m"))).contains("-Xmx" + (256L << 20))
                .doesNotContain(HeapModel.DEFAULT.jvmOptions(1000).getFirst());
        assertThat(PiProcess.command(1000, List.of("-XX:InitialHeapSize=1g", "-Xms8m"))).contains("-Xmx" + (1L << 30));
        assertThat(PiProcess.command(1000, List.of("-Xms8m"))).contains(HeapModel.DEFAULT.jvmOptions(1000).getFirst());
    }

    @Test
    void theJvmsOwnErrorsGoToStandardErrorNotAmongTheDigits() throws IOException {
        // GIVEN a child JVM that reports an error through its log (whose default output is standard
        // output) and goes on
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        PiDigits.write(1000, expected);
        ByteArrayOutputStream actual = new ByteArrayOutputStream();

        PiProcess.write(1000, List.of("-XX:SharedArchiveFile=" + Path.of("no-such-archive.jsa").toAbsolutePath()),
                actual, PiProgress.NONE, () -> false);

        assertThat(actual.toByteArray()).isEqualTo(expected.toByteArray());
    }

    @Test
    void anOptionThatLogsToStandardOutputFailsTheWriteBeforeItsLinesReachTheStream() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        assertThatThrownBy(() -> PiProcess.write(1000, List.of("-verbose:gc"), out, PiProgress.NONE, () -> false))
                .isExactlyInstanceOf(IOException.class)
                .hasMessageStartingWith("the computation's JVM wrote something other than the digits to its standard output,"
                        + " at byte 0: \"[")
                .hasMessageContaining("[gc]").hasMessageContaining("must name stderr or a file");
        assertThat(out.size()).isZero();
    }

    @Test
    void theJitOptionsNameTheKernelsClass() throws Exception {
        assertThat(Class.forName(PiProcess.KERNELS).getDeclaredMethods())
                .anySatisfy(method -> assertThat(method.getName()).isEqualTo("dft5"));
    }

    @Test
    void cancellingStopsTheChild() {
        AtomicBoolean cancel = new AtomicBoolean();
        long started = System.nanoTime();

        assertThatThrownBy(() -> PiProcess.write(50_000_000, OutputStream.nullOutputStream(),
                (fraction, phase) -> cancel.set(true), cancel::get))
                .isInstanceOf(CancellationException.class);
        assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started)).isLessThan(20);
    }

    @Test
    void aCancellationThatComesAfterTheLastDigitLeavesTheDigitsWhole() throws IOException {
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        PiDigits.write(100_000, expected);
        CountDownLatch whole = new CountDownLatch(1);
        CountDownLatch cancelling = new CountDownLatch(1);
        ByteArrayOutputStream actual = new ByteArrayOutputStream() {
            @Override
            public synchronized void write(byte[] bytes, int offset, int length) {
                super.write(bytes, offset, length);
                if (size() == expected.size()) {
                    whole.countDown();
                    // the next read of the child's output comes after the stop
                    awaitQuietly(cancelling);
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
                }
            }
        };

        // a cancellation the child's watcher sees once the last digit has arrived, the child on its way out
        PiProcess.write(100_000, actual, PiProgress.NONE, () -> {
            awaitQuietly(whole);
            cancelling.countDown();
            return true;
        });

        assertThat(actual.toByteArray()).isEqualTo(expected.toByteArray());
    }

    @Test
    void aProgressCallbackThatThrowsEndsTheWriteWithItsExceptionAndStopsTheChild() {
        IllegalStateException thrown = new IllegalStateException("the caller's progress failed");

        assertThatThrownBy(() -> PiProcess.write(50_000_000, OutputStream.nullOutputStream(),
                (fraction, phase) -> {
                    throw thrown;
                }, () -> false))
                .isSameAs(thrown);
    }

    @Test
    void aCancellationCallbackThatThrowsEndsTheWriteWithItsExceptionAndStopsTheChild() {
        IllegalStateException thrown = new IllegalStateException("the caller's check failed");

        assertThatThrownBy(() -> PiProcess.write(50_000_000, OutputStream.nullOutputStream(), PiProgress.NONE, () -> {
            throw thrown;
        })).isSameAs(thrown);
    }

    @Test
    void aStreamThatFailsFailsTheWriteWithItsError() {
        OutputStream failing = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("disk full");
            }
        };

        assertThatThrownBy(() -> PiProcess.write(200_000, failing, PiProgress.NONE, () -> false))
                .isInstanceOf(IOException.class).hasMessage("disk full");
    }

    @Test
    void aChildThatRunsOutOfHeapFailsTheWriteWithTheErrorNotAStackFrame() {
        assertThatThrownBy(() -> PiProcess.write(2_000_000, List.of("-Xmx12m"), OutputStream.nullOutputStream(),
                PiProgress.NONE, () -> false))
                .isInstanceOf(PiProcess.OutOfMemoryException.class)
                .hasMessageStartingWith("the computation's JVM exited with status 1: Exception in thread \"main\" java.lang.OutOfMemoryError")
                .hasMessageEndingWith("(Caused by: java.lang.OutOfMemoryError: Java heap space)");
    }

    /**
     * With or without the caller's log of the collector's start on standard error, whose lines say
     * nothing of the failure. (Not a log of its work: the JVM writes a log line's decorations and
     * its text apart, and a progress line written between them would split it at random.)
     */
    @ParameterizedTest
    @NullSource
    @ValueSource(strings = "-Xlog:gc+init:stderr")
    void aChildThatStopsAtItsFirstOutOfMemoryErrorIsReportedOutOfMemory(String log) {
        List<String> options = Stream.of("-Xmx12m", "-XX:+ExitOnOutOfMemoryError", log).filter(Objects::nonNull).toList();
        assertThatThrownBy(() -> PiProcess.write(2_000_000, options, OutputStream.nullOutputStream(), PiProgress.NONE,
                () -> false))
                .isInstanceOf(PiProcess.OutOfMemoryException.class)
                .hasMessage("the computation's JVM exited with status 3: Terminating due to java.lang.OutOfMemoryError:"
                        + " Java heap space");
    }

    /** The rule the worker judges its own JVM's errors by too: only the heap's size would fail again. */
    @Test
    void onlyAnErrorThatSaysTheHeapWasTooSmallIsHeapExhaustion() {
        assertThat(PiProcess.heapExhausted("Java heap space")).isTrue();
        assertThat(PiProcess.heapExhausted("GC overhead limit exceeded")).isTrue();
        assertThat(PiProcess.heapExhausted("Requested array size exceeds VM limit")).isTrue();
        assertThat(PiProcess.heapExhausted("unable to create native thread: possibly out of memory")).isFalse();
        assertThat(PiProcess.heapExhausted("Metaspace")).isFalse();
        assertThat(PiProcess.heapExhausted(null)).isFalse();
    }

    @Test
    void aChildJvmThatSaysOnlyThatItCouldNotStartIsReportedWithTheLineAfter() {
        assertThatThrownBy(() -> PiProcess.write(1000, List.of("-XX:+UseParallelGC", "-XX:+UseG1GC"),
                OutputStream.nullOutputStream(), PiProgress.NONE, () -> false))
                .isExactlyInstanceOf(IOException.class)
                .hasMessage("the computation's JVM exited with status 1: Error occurred during initialization of VM:"
                        + " Multiple garbage collectors selected");
    }

    @Test
    void aChildJvmWithoutAModuleItNeedsIsReportedWithTheModule() {
        assertThatThrownBy(() -> PiProcess.write(1000, List.of("--add-modules=org.piservice.absent"),
                OutputStream.nullOutputStream(), PiProgress.NONE, () -> false))
                .isExactlyInstanceOf(IOException.class)
                .hasMessage("the computation's JVM exited with status 1: Error occurred during initialization of boot"
                        + " layer: java.lang.module.FindException: Module org.piservice.absent not found");
    }

    /** A real crash: the child is killed with SIGKILL, as the system's out-of-memory killer would. */
    @Test
    void aChildKilledWhileItComputesFailsTheWriteSayingSo() throws Exception {
        CompletableFuture<Void> write = CompletableFuture.runAsync(() -> {
            try {
                PiProcess.write(50_000_000, OutputStream.nullOutputStream(), PiProgress.NONE, () -> false);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        ProcessHandle child = awaitChild(ProcessHandle.current());

        child.destroyForcibly();

        assertThatThrownBy(() -> write.get(30, TimeUnit.SECONDS)).cause().cause()
                .isExactlyInstanceOf(IOException.class)
                .hasMessage("the computation's JVM was killed (SIGKILL, which the system's out-of-memory killer sends):"
                        + " it said nothing");
    }

    /** A real crash: the child's JVM gets a SIGSEGV it did not cause itself, and writes its crash report. */
    @Test
    void aChildJvmThatCrashesFailsTheWriteWithTheSignalAndWhereItsReportIs(@TempDir Path reports) throws Exception {
        CountDownLatch computing = new CountDownLatch(1);
        CompletableFuture<Void> write = CompletableFuture.runAsync(() -> {
            try {
                PiProcess.write(100_000_000, List.of("-XX:ErrorFile=" + reports.resolve("crash-%p.log"),
                        "-XX:-CreateCoredumpOnCrash"), OutputStream.nullOutputStream(),
                        (fraction, phase) -> computing.countDown(), () -> false);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        ProcessHandle child = awaitChild(ProcessHandle.current());
        // once its JVM has its own signal handlers in place, which a signal during its start would precede
        assertThat(computing.await(30, TimeUnit.SECONDS)).isTrue();

        assertThat(new ProcessBuilder("sh", "-c", "kill -SEGV " + child.pid()).start().waitFor()).isZero();

        assertThatThrownBy(() -> write.get(60, TimeUnit.SECONDS)).cause().isInstanceOf(UncheckedIOException.class)
                .cause().isInstanceOf(IOException.class)
                .hasMessageStartingWith("the computation's JVM crashed:"
                        + " A fatal error has been detected by the Java Runtime Environment: SIGSEGV")
                .hasMessageEndingWith("; its report: " + reports.resolve("crash-" + child.pid() + ".log"));
    }

    /** As a pipe gives them: a crashing JVM writes its heading a line, or less, at a time. */
    @Test
    void aCrashHeadingWhoseFirstReadHoldsOnlyItsFirstLineIsReadAsACrash() {
        InputStream output = reads("#", "\n", "# A fatal error has been detected by the Java Runtime Environment:",
                "\n#\n#  SIGSEGV (0xb) at pc=0x00007f0c2d3e4a5b, pid=4242, tid=4243\n#\n",
                "# An error report file with more information is saved as:\n# /tmp/hs_err_pid4242.log\n");

        assertThatThrownBy(() -> PiProcess.copyDigits(output, OutputStream.nullOutputStream(), 1000, () -> false))
                .isExactlyInstanceOf(IOException.class)
                .hasMessage("the computation's JVM crashed: A fatal error has been detected by the Java Runtime"
                        + " Environment: SIGSEGV (0xb) at pc=0x00007f0c2d3e4a5b, pid=4242, tid=4243;"
                        + " its report: /tmp/hs_err_pid4242.log");
    }

    /** A crash's heading starts with a line of "#" alone: other output fails at once, read no further. */
    @Test
    void outputThatCannotStartACrashHeadingFailsAtOnce() throws IOException {
        InputStream output = reads("# a line of a log\n", "3.1415926535");

        assertThatThrownBy(() -> PiProcess.copyDigits(output, OutputStream.nullOutputStream(), 1000, () -> false))
                .isExactlyInstanceOf(IOException.class)
                .hasMessageStartingWith("the computation's JVM wrote something other than the digits to its standard"
                        + " output, at byte 0: \"# a line of a log\" (a JVM option that logs to standard output");
        assertThat(output.readAllBytes()).asString().isEqualTo("3.1415926535");
    }

    @Test
    void aLineOfHashAloneThatNoCrashHeadingFollowsIsOtherOutput() {
        InputStream output = reads("#\n", "3.1415926535");

        assertThatThrownBy(() -> PiProcess.copyDigits(output, OutputStream.nullOutputStream(), 1000, () -> false))
                .isExactlyInstanceOf(IOException.class)
                .hasMessageStartingWith("the computation's JVM wrote something other than the digits to its standard"
                        + " output, at byte 0: \"#\" (a JVM option that logs to standard output");
    }

    @Test
    void aChildJvmThatCannotStartFailsTheWriteWithItsReason() {
        assertThatThrownBy(() -> PiProcess.write(1000, List.of("-Xmx1q"), OutputStream.nullOutputStream(),
                PiProgress.NONE, () -> false))
                .isExactlyInstanceOf(IOException.class)
                .hasMessage("the computation's JVM exited with status 1: Invalid maximum heap size: -Xmx1q");
    }

    /** A real crash: the caller's JVM is killed with SIGKILL while its child computes. */
    @Test
    void theChildStopsWhenItsCallerIsKilled() throws Exception {
        Process caller = startCaller();
        ProcessHandle child = null;
        try {
            child = awaitChild(caller.toHandle());

            caller.destroyForcibly(); // SIGKILL: the caller runs no code of its own on the way out

            assertThat(caller.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(child.onExit().get(20, TimeUnit.SECONDS).isAlive()).as("the orphaned child").isFalse();
        } finally {
            stop(caller, child);
        }
    }

    /** The caller's JVM stopped by SIGTERM, kill's default, which runs its exit hooks. */
    @Test
    void theChildStopsAsSoonAsItsCallerIsStoppedNotOnceTheCallerHasGone() throws Exception {
        Process caller = startCaller();
        ProcessHandle child = null;
        try {
            child = awaitChild(caller.toHandle());
            // once the caller's write is under way (a stop before it would find no child to take)
            BufferedReader output = new BufferedReader(new InputStreamReader(caller.getInputStream(), StandardCharsets.UTF_8));
            String line = output.readLine();
            while (line != null && !line.equals(Caller.COMPUTING)) {
                line = output.readLine();
            }
            assertThat(line).isEqualTo(Caller.COMPUTING);

            caller.destroy();

            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (running(child) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(running(child)).as("the child, 15 s after its caller was stopped").isFalse();
            // which the child did not notice itself: its caller is still there, in its slow exit hook
            assertThat(caller.isAlive()).isTrue();
        } finally {
            stop(caller, child);
        }
    }

    /** A stream whose reads return {@code pieces}, one each, as a pipe returns what each write put there. */
    private static InputStream reads(String... pieces) {
        List<byte[]> left = new ArrayList<>(Stream.of(pieces).map(p -> p.getBytes(StandardCharsets.UTF_8)).toList());
        return new InputStream() {
            @Override
            public int read() {
                throw new UnsupportedOperationException("read in buffers only");
            }

            @Override
            public int read(byte[] buffer, int offset, int length) {
                if (left.isEmpty()) {
                    return -1;
                }
                byte[] piece = left.removeFirst();
                System.arraycopy(piece, 0, buffer, offset, piece.length);
                return piece.length;
            }
        };
    }

    /** A JVM that computes 10^8 digits in a child, as {@link Caller}. */
    private static Process startCaller() throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Caller.class.getName(), "100000000")
                .redirectErrorStream(true).start();
    }

    /** Kills what a test left running: an orphaned child is no longer among its caller's descendants. */
    private static void stop(Process caller, ProcessHandle child) {
        caller.destroyForcibly();
        caller.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
        if (child != null) {
            child.destroyForcibly();
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(1, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Alive and not a zombie: an orphan killed on its way is one until the process that adopted it reaps it. */
    private static boolean running(ProcessHandle process) throws IOException {
        if (!process.isAlive()) {
            return false;
        }
        String fields;
        try {
            fields = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
        } catch (IOException e) {
            // Gone between the check and the read: the file vanishes (ENOENT) or its read fails (ESRCH).
            if (process.isAlive()) {
                throw e;
            }
            return false;
        }
        return !fields.substring(fields.lastIndexOf(')') + 2).startsWith("Z");
    }

    private static ProcessHandle awaitChild(ProcessHandle caller) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            // Until it has become the JVM, the child is a copy of its parent, then the JDK's spawn
            // helper: killed then, it makes the start fail, not the computation. Its command line is
            // the JVM's once the JVM runs.
            List<ProcessHandle> children = caller.children()
                    .filter(child -> child.info().arguments()
                            .filter(arguments -> List.of(arguments).contains(PiProcess.class.getName())).isPresent())
                    .toList();
            if (!children.isEmpty()) {
                return children.getFirst();
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the caller started no child JVM");
    }

    /**
     * A JVM that computes in a child and would wait for it to the end; it says when the child
     * computes, and stopped, it takes a minute in an exit hook of its own, as a caller with other
     * work to end may.
     */
    public static final class Caller {
        static final String COMPUTING = "computing";

        public static void main(String[] args) throws IOException {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    Thread.sleep(60_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
            AtomicBoolean said = new AtomicBoolean();
            PiProcess.write(Integer.parseInt(args[0]), OutputStream.nullOutputStream(), (fraction, phase) -> {
                if (!said.getAndSet(true)) {
                    System.out.println(COMPUTING);
                    System.out.flush();
                }
            }, () -> false);
        }
    }
}
