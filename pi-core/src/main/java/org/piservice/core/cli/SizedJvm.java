package org.piservice.core.cli;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.piservice.core.HeapModel;

/**
 * Runs a computation in a child JVM whose heap is what {@link HeapModel} says the digits need.
 * A JVM left to its default heap (a quarter of the machine's memory) grows into it rather than
 * collecting, so 10^8 digits held 4.7 GB where 1 GB is enough; a jar cannot set its own heap. The
 * child has the model's options ({@link HeapModel#jvmOptions}). The second JVM start
 * pays for itself from about 10^5 digits: on a 2-core machine, medians of five cold runs, 10^5
 * digits took 0.77 s relaunched against 0.76 s in the launching JVM, 3·10^5 took 1.04 s against
 * 1.16 s and 10^6 1.81 s against 2.10 s (the default collector touches a larger young generation),
 * with peak RSS 76, 79 and 100 MiB against 139, 225 and 390 MiB.
 *
 * <p>Nothing is relaunched when the heap is already the caller's choice (an option such as
 * {@code -Xmx} on the command line, or the child itself), or below those sizes, where the second
 * start would show.
 */
final class SizedJvm {

    /** Below this many digits one JVM start costs more than the sized heap saves. */
    static final int FROM_DIGITS = 100_000;
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
        List<String> command = new ArrayList<>();
        command.add(java);
        command.addAll(jvmOptions);
        command.addAll(HeapModel.DEFAULT.jvmOptions(parsed.digits()));
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
