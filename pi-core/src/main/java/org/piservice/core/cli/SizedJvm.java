package org.piservice.core.cli;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.piservice.core.HeapModel;

/**
 * Runs a large computation in a child JVM whose heap is what {@link HeapModel} says the digits need.
 * A JVM left to its default heap (a quarter of the machine's memory) grows into it rather than
 * collecting, so 10^8 digits held 4.7 GB where 1 GB is enough; a jar cannot set its own heap, and
 * one extra JVM start costs far less than such a computation. The serial collector, because
 * the heap holds a few hundred large arrays: it has the least overhead beside them, and its pauses
 * copy little.
 *
 * <p>Nothing is relaunched when the heap is already the caller's choice (an option such as
 * {@code -Xmx} on the command line, or the child itself), or when the computation is small
 * enough that the default heap is never approached and the second start would show.
 */
final class SizedJvm {

    /** Below this many digits the JVM's default heap and start-up win. */
    static final int FROM_DIGITS = 2_000_000;
    /** Options that set the heap; the child has one of them, so it never relaunches itself. */
    private static final List<String> HEAP_OPTIONS = List.of("-Xmx", "-XX:MaxHeapSize", "-XX:MaxRAM");

    private SizedJvm() {
    }

    /**
     * The child JVM's command for these arguments, or none when this JVM should compute them
     * itself (including arguments the command will reject: it says why).
     */
    static List<String> command(String[] args, List<String> jvmOptions, String java, String classPath) {
        PiCommand.Arguments parsed;
        try {
            parsed = PiCommand.Arguments.parse(args);
        } catch (IllegalArgumentException e) {
            return List.of();
        }
        if (parsed.help() || parsed.digits() < FROM_DIGITS
                || jvmOptions.stream().anyMatch(o -> HEAP_OPTIONS.stream().anyMatch(o::startsWith))) {
            return List.of();
        }
        long heapMb = (HeapModel.DEFAULT.heapBytes(parsed.digits()) + (1 << 20) - 1) >> 20;
        List<String> command = new ArrayList<>();
        command.add(java);
        command.addAll(jvmOptions);
        command.add("-Xmx" + heapMb + "m");
        command.add("-XX:+UseSerialGC");
        command.add("-cp");
        command.add(classPath);
        command.add(PiCommand.class.getName());
        command.addAll(List.of(args));
        return command;
    }

    /** Runs the arguments in a sized child JVM and returns its exit status, or none (see above). */
    static OptionalInt run(String[] args) {
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> command = command(args, ManagementFactory.getRuntimeMXBean().getInputArguments(), java,
                System.getProperty("java.class.path"));
        if (command.isEmpty()) {
            return OptionalInt.empty();
        }
        try {
            return OptionalInt.of(new ProcessBuilder(command).inheritIO().start().waitFor());
        } catch (IOException e) {
            return OptionalInt.empty(); // no child JVM: compute here, in the default heap
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalInt.of(PiCommand.INTERRUPTED);
        }
    }
}
