package org.piservice.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

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
    void theChildHasTheCallersOptionsThenTheModels() {
        List<String> command = PiProcess.command(5_000_000, List.of("-XX:ActiveProcessorCount=1"));

        assertThat(command.getFirst()).isEqualTo(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        int engine = PiProcess.ENGINE_JVM_OPTIONS.size();
        assertThat(command.subList(1, 1 + engine)).isEqualTo(PiProcess.ENGINE_JVM_OPTIONS);
        List<String> model = HeapModel.DEFAULT.jvmOptions(5_000_000);
        assertThat(command.subList(1 + engine, 1 + engine + model.size())).isEqualTo(model);
        assertThat(command.get(1 + engine + model.size())).as("the caller's options come last: they win")
                .isEqualTo("-XX:ActiveProcessorCount=1");
        assertThat(command).endsWith(PiProcess.class.getName(), "5000000", Long.toString(ProcessHandle.current().pid()));
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
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process caller = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                Caller.class.getName(), "100000000").redirectErrorStream(true).start();
        try {
            ProcessHandle child = awaitChild(caller.toHandle());

            caller.destroyForcibly(); // SIGKILL: the caller runs no code of its own on the way out

            assertThat(caller.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(child.onExit().get(20, TimeUnit.SECONDS).isAlive()).as("the orphaned child").isFalse();
        } finally {
            caller.destroyForcibly();
            caller.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
        }
    }

    private static ProcessHandle awaitChild(ProcessHandle caller) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            List<ProcessHandle> children = caller.children().toList();
            if (!children.isEmpty()) {
                return children.getFirst();
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the caller started no child JVM");
    }

    /** A JVM that computes in a child and would wait for it to the end. */
    public static final class Caller {
        public static void main(String[] args) throws IOException {
            PiProcess.write(Integer.parseInt(args[0]), OutputStream.nullOutputStream(), PiProgress.NONE, () -> false);
        }
    }
}
