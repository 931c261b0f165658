package org.piservice.core.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.piservice.core.HeapModel;
import org.piservice.core.PiDigits;
import org.piservice.core.PiProcess;

/** The command line, run with captured streams; large computations in a child JVM. */
class PiCommandTest {

    private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();

    @Test
    void printsTheDigitsAndANewline() {
        assertThat(run("20")).isEqualTo(PiCommand.OK);
        assertThat(out()).isEqualTo("3.14159265358979323846\n");
        assertThat(err()).isEmpty();
    }

    @Test
    void writesExactlyTheDigitsToAFileAndReportsProgress(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("pi.txt");
        assertThat(run("--progress", "30000", "--out", file.toString())).isEqualTo(PiCommand.OK);
        assertThat(Files.size(file)).isEqualTo(30_002);
        assertThat(Files.readString(file)).startsWith("3.14159").doesNotContain("\n");
        assertThat(out()).isEmpty();
        assertThat(err()).contains("100% conversion").contains("done: 30000 digits in");
    }

    @Test
    void acceptsTheFileOptionWithAnEqualsSign(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("pi.txt");
        assertThat(run("--out=" + file, "5")).isEqualTo(PiCommand.OK);
        assertThat(Files.readString(file)).isEqualTo("3.14159");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "''                   | missing the number of digits",
        "abc                  | the number of digits must be a whole number, got 'abc'",
        "1.5                  | the number of digits must be a whole number, got '1.5'",
        "-3                   | the number of digits must be between 1 and",
        "0                    | the number of digits must be between 1 and",
        "99999999999999999999 | the number of digits must be between 1 and",
        "--fast 10            | unknown option --fast",
        "10 --out             | --out needs a file name",
        "10 20                | more than one digit count: '20'",
        "10 --out a --out b   | more than one --out",
        "10 --out --progress  | --out needs a file name",
    })
    void badArgumentsGiveOneUsageLineAndExitCode2(String args, String message) {
        String[] argv = args.isEmpty() ? new String[0] : args.split(" ");
        assertThat(run(argv)).isEqualTo(PiCommand.USAGE);
        assertThat(out()).isEmpty();
        assertThat(err()).startsWith("pi-core: " + message).contains(PiCommand.USAGE_LINE)
                .doesNotContain("Exception").endsWith("\n").hasLineCount(1);
    }

    @Test
    void tooLargeStatesTheLimit() {
        assertThat(run(String.valueOf(PiDigits.MAX_DIGITS + 1L))).isEqualTo(PiCommand.USAGE);
        assertThat(err()).contains("between 1 and " + PiDigits.MAX_DIGITS + ", got '" + (PiDigits.MAX_DIGITS + 1L) + "'");
    }

    @Test
    void anUnwritableFileIsReportedInWordsWithoutStackTrace(@TempDir Path dir) {
        Path missing = dir.resolve("missing/pi.txt");
        assertThat(run("10", "--out", missing.toString())).isEqualTo(PiCommand.FAILED);
        assertThat(err()).isEqualTo("pi-core: cannot write " + missing + ": no folder " + missing.getParent() + "\n");

        stderr.reset();
        assertThat(run("10", "--out", dir.toString())).isEqualTo(PiCommand.FAILED);
        assertThat(err()).isEqualTo("pi-core: cannot write " + dir + ": it is a folder\n");
    }

    @Test
    void aFolderThatRefusesNewFilesIsReportedBeforeAnythingIsComputed(@TempDir Path dir) throws Exception {
        Path folder = Files.createDirectory(dir.resolve("refusing"));
        refuseNewFiles(folder, true);
        try {
            Path file = folder.resolve("pi.txt");
            assertThat(run("--progress", "1000", "--out", file.toString())).isEqualTo(PiCommand.FAILED);
            assertThat(err()).startsWith("pi-core: cannot write " + file + ": ").doesNotContain("%").hasLineCount(1);
            assertThat(file).doesNotExist();
        } finally {
            refuseNewFiles(folder, false);
        }
    }

    /**
     * Makes {@code folder} refuse new files, or take them again: by its permissions, or for root,
     * whom they do not stop, by the immutable attribute, as a read-only disk would.
     */
    private static void refuseNewFiles(Path folder, boolean refuse) throws Exception {
        if (!"root".equals(System.getProperty("user.name"))) {
            Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString(refuse ? "r-x------" : "rwx------"));
            return;
        }
        int status;
        try {
            status = new ProcessBuilder("chattr", refuse ? "+i" : "-i", folder.toString()).inheritIO().start().waitFor();
        } catch (IOException noChattr) {
            status = -1;
        }
        // Without the tool, the capability or a file system that keeps the attribute, root cannot be refused
        Assumptions.assumeTrue(status == 0, "chattr cannot make " + folder + " immutable here");
    }

    @Test
    void digitsThatCannotBeCopiedIntoTheFileAreKeptWhereTheErrorSays() throws IOException {
        assertThat(run("1000", "--out", "/dev/full")).isEqualTo(PiCommand.FAILED);

        Matcher said = Pattern.compile("pi-core: cannot write /dev/full: No space left on device, and the digits are"
                + " whole in (\\S+)\n").matcher(err());
        assertThat(said.matches()).as(err()).isTrue();
        Path kept = Path.of(said.group(1));
        try {
            assertThat(Files.readString(kept)).hasSize(1002).startsWith("3.14159265358979");
        } finally {
            Files.delete(kept);
        }
    }

    @Test
    void aFailedRunLeavesTheFileAsItWas(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("pi.txt"), "the digits of an earlier run");
        // A child JVM whose heap its caller chose too small for the digits
        PiCommand command = new PiCommand(stdout, new PrintStream(stderr, true, StandardCharsets.UTF_8),
                List.of("-Xmx4m"), false);

        assertThat(command.run(new String[] {"1000000", "--out", file.toString()})).isEqualTo(PiCommand.FAILED);

        assertThat(err()).startsWith("pi-core: the computation ran out of memory: ").hasLineCount(1);
        assertThat(Files.readString(file)).isEqualTo("the digits of an earlier run");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).containsExactly(file);
        }
    }

    @Test
    void aNewFileIsTheComputedFilePutInPlaceWithThePermissionsAnyNewFileGetsThere(@TempDir Path dir) throws IOException {
        Path usual = Files.createFile(dir.resolve("usual.txt"));
        Path file = dir.resolve("pi.txt");

        assertThat(run("5", "--out", file.toString())).isEqualTo(PiCommand.OK);

        assertThat(Files.readString(file)).isEqualTo("3.14159");
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(Files.getPosixFilePermissions(usual));
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).containsExactlyInAnyOrder(usual, file);
        }
    }

    @Test
    void aFileWhoseNameIsNearlyAsLongAsFileSystemsAllowIsWritten(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("p".repeat(240) + ".txt"); // 244 bytes, of the 255 a name may have

        assertThat(run("100", "--out", file.toString())).isEqualTo(PiCommand.OK);

        assertThat(Files.size(file)).isEqualTo(102);
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).containsExactly(file);
        }
    }

    @Test
    void anExistingFileIsWrittenInPlaceAndKeepsItsPermissions(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("pi.txt"), "the digits of an earlier, longer run");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
        Object inode = Files.getAttribute(file, "unix:ino");

        assertThat(run("5", "--out", file.toString())).isEqualTo(PiCommand.OK);

        assertThat(Files.readString(file)).isEqualTo("3.14159");
        assertThat(Files.getAttribute(file, "unix:ino")).isEqualTo(inode);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-r-----");
    }

    @Test
    void aFileWithAnotherLinkIsWrittenInPlaceSoBothNamesShowTheDigits(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("pi.txt"), "old");
        Path other = Files.createLink(dir.resolve("also-pi.txt"), file);

        assertThat(run("5", "--out", file.toString())).isEqualTo(PiCommand.OK);

        assertThat(Files.readString(file)).isEqualTo("3.14159");
        assertThat(Files.readString(other)).isEqualTo("3.14159");
        assertThat(Files.isSameFile(file, other)).isTrue();
    }

    @Test
    void aLinkedFileIsWrittenThroughTheLinkAndKeepsItsPermissions(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("pi.txt"), "old");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
        Path link = Files.createSymbolicLink(dir.resolve("latest.txt"), file);

        assertThat(run("5", "--out", link.toString())).isEqualTo(PiCommand.OK);

        assertThat(Files.isSymbolicLink(link)).isTrue();
        assertThat(Files.readString(file)).isEqualTo("3.14159");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-r-----");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).containsExactlyInAnyOrder(file, link);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"})
    void standardOutputNamedAsAFileIsWrittenThroughTheInheritedStream(String name) {
        // opened again, the name would truncate a file the shell appends to: `--out /dev/stdout >> log`
        // (told by the name alone: this test's stdout is the command's, whatever the JVM's fd 1 is)
        assertThat(run("5", "--out", name)).isEqualTo(PiCommand.OK);

        assertThat(stdout.toString(StandardCharsets.US_ASCII)).isEqualTo("3.14159");
        assertThat(err()).isEmpty();
    }

    @Test
    void standardOutputIsToldByItsNamesThroughLinksAndLinkedFolders(@TempDir Path dir) throws IOException {
        for (String name : List.of("/dev/stdout", "/dev/fd/1", "/proc/self/fd/1", "/proc/thread-self/fd/1",
                "/proc/" + ProcessHandle.current().pid() + "/fd/1")) {
            assertThat(PiCommand.isStandardOutput(Path.of(name))).as(name).isTrue();
        }
        Path chain = Files.createSymbolicLink(dir.resolve("a"),
                Files.createSymbolicLink(dir.resolve("b"), Path.of("/dev/stdout")));
        Path linkedFolder = Files.createSymbolicLink(dir.resolve("fd"), Path.of("/dev/fd")).resolve("1");
        Path throughDotDot = Files.createDirectory(dir.resolve("sub")).resolve("../fd/1");
        assertThat(List.of(chain, linkedFolder, throughDotDot)).allMatch(PiCommand::isStandardOutput);

        Path file = Files.writeString(dir.resolve("pi.txt"), "");
        Path linkToFile = Files.createSymbolicLink(dir.resolve("latest.txt"), file);
        // /dev/fd is a link to /proc/self/fd, so its .. is /proc/self, which has no "stdout"
        assertThat(List.of(file, linkToFile, Path.of("/dev/fd/../stdout"), Path.of("/dev/fd/2")))
                .noneMatch(PiCommand::isStandardOutput);
    }

    /** As {@code pi-core 5 --out /dev/stdout >> log} runs it: the shell's file is appended to, not truncated. */
    @Test
    void standardOutputAsTheOutFileAppendsToWhatTheShellAppendsTo(@TempDir Path dir) throws Exception {
        Path log = Files.writeString(dir.resolve("log"), "line1\n");

        runWithStandardOutputAppendedTo(log, "5", "--out", "/dev/stdout");

        assertThat(Files.readString(log)).isEqualTo("line1\n3.14159");
    }

    /** As {@code pi-core 5 --out f >> f} runs it: f is a file, written whole, not appended to through standard output. */
    @Test
    void aFileThatStandardOutputAlsoGoesToIsWrittenAsAFile(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("pi.txt"), "the digits of an earlier run");

        runWithStandardOutputAppendedTo(file, "5", "--out", file.toString());

        assertThat(Files.readString(file)).isEqualTo("3.14159");
    }

    /** Runs the command in a JVM of its own whose standard output is appended to {@code file}, as {@code >> file} makes it; it must succeed. */
    private static void runWithStandardOutputAppendedTo(Path file, String... args) throws Exception {
        Process process = javaRunning(args)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(file.toFile())).start();
        assertThat(process.waitFor(1, TimeUnit.MINUTES)).as("ended").isTrue();
        assertThat(process.exitValue()).isEqualTo(PiCommand.OK);
    }

    @Test
    void aLinkToStandardOutputIsWrittenThroughTheInheritedStream(@TempDir Path dir) throws IOException {
        Path link = Files.createSymbolicLink(dir.resolve("digits"), Path.of("/dev/stdout"));

        assertThat(run("5", "--out", link.toString())).isEqualTo(PiCommand.OK);

        assertThat(stdout.toString(StandardCharsets.US_ASCII)).isEqualTo("3.14159");
    }

    @Test
    void aPipeIsWrittenInPlace(@TempDir Path dir) throws Exception {
        // a named pipe, as a device or a shell's process substitution is: nothing to replace
        Path fifo = dir.resolve("digits");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        CompletableFuture<byte[]> read = CompletableFuture.supplyAsync(() -> {
            try {
                return Files.readAllBytes(fifo);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });

        assertThat(run("5", "--out", fifo.toString())).isEqualTo(PiCommand.OK);

        assertThat(read.get(1, TimeUnit.MINUTES)).asString(StandardCharsets.US_ASCII).isEqualTo("3.14159");
        assertThat(Files.isRegularFile(fifo)).isFalse();
        assertThat(err()).isEmpty();
    }

    @Test
    void aPipeWhoseReaderStopsEarlyFailsTheRunWithoutKeepingTheDigits(@TempDir Path dir) throws Exception {
        Path fifo = dir.resolve("digits");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        CompletableFuture<byte[]> read = CompletableFuture.supplyAsync(() -> {
            try (var in = Files.newInputStream(fifo)) {
                return in.readNBytes(7); // as head does
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });

        // more digits than the pipe holds, so that the writer meets the closed end
        assertThat(run("200000", "--out", fifo.toString())).isEqualTo(PiCommand.FAILED);

        assertThat(read.get(1, TimeUnit.MINUTES)).asString(StandardCharsets.US_ASCII).isEqualTo("3.14159");
        assertThat(err()).isEqualTo("pi-core: cannot write " + fifo + ": Broken pipe\n");
    }

    @Test
    void anOutputThatFailsEndsTheRunWithStatus1() {
        OutputStream full = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("No space left on device");
            }
        };
        PiCommand command = new PiCommand(full, new PrintStream(stderr, true, StandardCharsets.UTF_8), List.of(), true);

        assertThat(command.run(new String[] {"1000"})).isEqualTo(PiCommand.FAILED);
        assertThat(err()).isEqualTo("pi-core: cannot write standard output: No space left on device\n");
    }

    @Test
    void digitsWhoseJvmTheMachineCannotHoldAreRefusedAtOnce() {
        long memory = 4L << 30;
        PiCommand command = new PiCommand(stdout, new PrintStream(stderr, true, StandardCharsets.UTF_8), List.of(),
                true, memory);
        long fitting = HeapModel.DEFAULT.maxDigits(memory - HeapModel.NON_HEAP_BYTES);
        assertThat(HeapModel.DEFAULT.heapBytes(fitting + 1)).as("the heap alone fits").isLessThan(memory);

        assertThat(command.run(new String[] {String.valueOf(fitting + 1)})).isEqualTo(PiCommand.FAILED);

        assertThat(err()).isEqualTo("pi-core: " + (fitting + 1) + " digits need 4097 MiB of memory (a heap of 4001 MiB"
                + " and 96 MiB beside it), more than this machine's 4096 MiB; at most " + fitting + " digits fit\n");
        assertThat(out()).isEmpty();
    }

    @ParameterizedTest(name = "with the vector module: {0}")
    @ValueSource(booleans = {true, false})
    void onAMachineTooSmallForAnySizedJvmTheRefusalSaysSo(boolean vectorModule) {
        // GIVEN a machine of 128 MiB, where no JVM sized by the model fits beside 96 MiB of the rest
        long memory = 128L << 20;
        assertThat(HeapModel.DEFAULT.maxDigits(memory - HeapModel.NON_HEAP_BYTES)).isZero();
        PiCommand command = new PiCommand(stdout, new PrintStream(stderr, true, StandardCharsets.UTF_8), List.of(),
                vectorModule, memory);

        // WHEN a computation that gets a child JVM is asked for
        assertThat(command.run(new String[] {String.valueOf(PiCommand.CHILD_FROM_DIGITS)})).isEqualTo(PiCommand.FAILED);

        // THEN it is refused, saying that none fits in a sized JVM and, with the module, that smaller
        // ones are computed in this JVM as it is
        assertThat(err()).startsWith("pi-core: " + PiCommand.CHILD_FROM_DIGITS + " digits need ")
                .endsWith("; no computation fits in a sized JVM" + (vectorModule ? "; fewer than "
                        + PiCommand.CHILD_FROM_DIGITS + " are computed in this JVM, not sized\n" : "\n"));
    }

    @Test
    void helpGoesToStandardOutput() {
        assertThat(run("--help")).isEqualTo(PiCommand.OK);
        assertThat(out()).startsWith(PiCommand.USAGE_LINE).isEqualTo(PiCommand.HELP);
        assertThat(err()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"abc --help", "--bogus -h", "10 --out --help", "10 20 --help"})
    void helpAskedForAnywhereIsGivenWhateverElseIsWrong(String args) {
        assertThat(run(args.split(" "))).isEqualTo(PiCommand.OK);
        assertThat(out()).isEqualTo(PiCommand.HELP);
        assertThat(err()).isEmpty();
    }

    @Test
    void aLargeComputationRunsInAChildJvmWithTheSameDigits(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("pi.txt");
        AtomicBoolean child = new AtomicBoolean();
        Thread watch = Thread.ofPlatform().daemon().start(() -> {
            while (!child.get() && !Thread.currentThread().isInterrupted()) {
                child.set(ProcessHandle.current().children().anyMatch(process -> process.info().commandLine()
                        .orElse("").contains(PiProcess.class.getName())));
                LockSupport.parkNanos(10_000_000);
            }
        });
        int digits = PiCommand.CHILD_FROM_DIGITS;

        assertThat(run("--progress", String.valueOf(digits), "--out", file.toString())).isEqualTo(PiCommand.OK);
        watch.interrupt();

        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        PiDigits.write(digits, expected);
        assertThat(Files.readAllBytes(file)).isEqualTo(expected.toByteArray());
        assertThat(child).as("a child JVM computed them").isTrue();
        assertThat(err()).contains("100% conversion").contains("done: " + digits + " digits in");
    }

    @ParameterizedTest
    @ValueSource(strings = {"-Xmx2g", "-XX:MaxHeapSize=2g", "-XX:MaxRAMPercentage=80", "-XX:MaxRAM=4g"})
    void aHeapTheCallerChoseKeepsTheComputationInItsJvm(String option) {
        PiCommand command = new PiCommand(stdout, System.err, List.of("-XX:ActiveProcessorCount=2", option), true);

        assertThat(command.inChildJvm(100_000_000)).isFalse();
    }

    @Test
    void onlyComputationsFromTheThresholdOnGetAChildJvm() {
        PiCommand command = new PiCommand(stdout, System.err, List.of("-XX:ActiveProcessorCount=2"), true);

        assertThat(command.inChildJvm(PiCommand.CHILD_FROM_DIGITS - 1)).isFalse();
        assertThat(command.inChildJvm(PiCommand.CHILD_FROM_DIGITS)).isTrue();
    }

    @Test
    void aJvmWithoutTheVectorModuleComputesEverySizeInAChild() {
        PiCommand command = new PiCommand(stdout, System.err, List.of("-Xmx2g"), false);

        assertThat(command.inChildJvm(1)).isTrue();
        assertThat(command.inChildJvm(100_000_000)).isTrue();
    }

    @Test
    void theChildGetsTheOptionsOfTheCommandLineNotThoseOfTheEnvironmentNorTheDebuggersAgent() {
        List<String> inputArguments = List.of("-XX:MaxRAMPercentage=75", "-Dlabel=a b", "-Dfrom=env", "-Xmx2g",
                "-agentlib:jdwp=transport=dt_socket,server=y,address=5005", "-XX:ActiveProcessorCount=2", "-verbose:gc");

        assertThat(PiCommand.commandLineOptions(inputArguments, Map.of("JAVA_TOOL_OPTIONS",
                "-XX:MaxRAMPercentage=75  '-Dlabel=a b'", "JDK_JAVA_OPTIONS", "\"-Dfrom=env\"", "_JAVA_OPTIONS",
                " -verbose:gc "))).containsExactly("-Xmx2g", "-XX:ActiveProcessorCount=2");
        assertThat(PiCommand.commandLineOptions(inputArguments, Map.of()))
                .as("without the variables, all but the agent").containsExactly("-XX:MaxRAMPercentage=75",
                        "-Dlabel=a b", "-Dfrom=env", "-Xmx2g", "-XX:ActiveProcessorCount=2", "-verbose:gc");
    }

    @Test
    void aJvmOfAnEnvironmentThatSetsASmallHeapStillComputesInTheHeapTheDigitsNeed() throws Exception {
        // GIVEN a heap for every JVM, as a container sets one, too small for these digits
        int digits = 10 * PiCommand.CHILD_FROM_DIGITS;
        ProcessBuilder builder = javaRunning(Integer.toString(digits));
        builder.environment().put("JAVA_TOOL_OPTIONS", "-Xmx16m");

        assertThat(runToTheEnd(builder)).isEqualTo(digitsAndNewline(digits));
    }

    /** Agents that listen on a port ({@code %1$d}) of the tool's JVM, which a child given them too would find taken. */
    @ParameterizedTest
    @ValueSource(strings = {
            "-agentlib:jdwp=transport=dt_socket,server=y,suspend=n,quiet=y,address=127.0.0.1:%1$d",
            "-Dcom.sun.management.jmxremote.port=%1$d -Dcom.sun.management.jmxremote.rmi.port=%1$d"
                    + " -Dcom.sun.management.jmxremote.host=127.0.0.1 -Dcom.sun.management.jmxremote.authenticate=false"
                    + " -Dcom.sun.management.jmxremote.ssl=false"})
    void anAgentListeningOnTheToolsJvmLeavesTheChildAlone(String agentOptions) throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        int digits = PiCommand.CHILD_FROM_DIGITS;
        List<String> options = List.of(agentOptions.formatted(port).split(" "));

        assertThat(runToTheEnd(javaRunning(options, Integer.toString(digits)))).isEqualTo(digitsAndNewline(digits));
    }

    /** What {@code builder}'s process printed, once it ended with status 0 within a minute. */
    private static byte[] runToTheEnd(ProcessBuilder builder) throws IOException, InterruptedException {
        Process process = builder.start();
        CompletableFuture<byte[]> errors = CompletableFuture.supplyAsync(() -> {
            try {
                return process.getErrorStream().readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        byte[] printed = process.getInputStream().readAllBytes();
        boolean ended = process.waitFor(1, TimeUnit.MINUTES);
        if (!ended) {
            process.destroyForcibly();
        }
        assertThat(ended).as("ended").isTrue();
        assertThat(process.exitValue()).as(new String(errors.join(), StandardCharsets.UTF_8)).isEqualTo(PiCommand.OK);
        return printed;
    }

    private static byte[] digitsAndNewline(int digits) throws IOException {
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        PiDigits.write(digits, expected);
        expected.write('\n');
        return expected.toByteArray();
    }

    /** As {@code java -jar pi-core.jar} runs it: a JVM not told to resolve the Vector API's module. */
    @Test
    void computesInAJvmThatLacksTheVectorModule() throws IOException, InterruptedException {
        int digits = PiCommand.CHILD_FROM_DIGITS / 2;

        assertThat(runToTheEnd(javaRunning(Integer.toString(digits)))).isEqualTo(digitsAndNewline(digits));
    }

    /** As {@code java -jar pi-core.jar N | head -c 10} runs it: the reader goes away early. */
    @Test
    void aJvmOptionThatLogsToStandardOutputFailsTheRunInsteadOfMixingWithTheDigits(@TempDir Path dir) throws Exception {
        // GIVEN a user's option that the child JVM gets too, and that logs to its standard output
        Path file = dir.resolve("pi.txt");
        Process process = javaRunning(List.of("-verbose:gc"), "1000", "--out", file.toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();

        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("ended").isTrue();
        assertThat(process.exitValue()).isEqualTo(PiCommand.FAILED);
        assertThat(new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8))
                .startsWith("pi-core: the computation failed: the computation's JVM wrote something other than the digits")
                .hasLineCount(1);
        assertThat(file).doesNotExist();
        assertThat(dir).isEmptyDirectory();
    }

    @Test
    void aPipeClosedEarlyStopsTheRunWithStatus1() throws IOException, InterruptedException {
        Process process = javaRunning(Integer.toString(PiCommand.CHILD_FROM_DIGITS * 2)).start();
        // More digits than a pipe holds, so the writer is still writing when the reader closes
        assertThat(process.getInputStream().readNBytes(10)).asString(StandardCharsets.US_ASCII).isEqualTo("3.14159265");
        process.getInputStream().close();

        boolean ended = process.waitFor(1, TimeUnit.MINUTES);
        if (!ended) {
            process.destroyForcibly();
        }
        assertThat(ended).as("ended").isTrue();
        assertThat(process.exitValue()).isEqualTo(PiCommand.FAILED);
        assertThat(new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8))
                .startsWith("pi-core: cannot write standard output: ").hasLineCount(1);
    }

    /** A JVM running the command with {@code args}, as a user starts one: without the test JVM's options. */
    private static ProcessBuilder javaRunning(String... args) {
        return javaRunning(List.of(), args);
    }

    /** As {@link #javaRunning(String...)}, the JVM started with {@code jvmOptions}. */
    private static ProcessBuilder javaRunning(List<String> jvmOptions, String... args) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(jvmOptions);
        try {
            command.addAll(List.of("-cp", Path.of(PiCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                    .toString(), PiCommand.class.getName()));
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        command.addAll(List.of(args));
        return PiProcess.withoutEnvironmentOptions(new ProcessBuilder(command));
    }

    private int run(String... args) {
        return new PiCommand(stdout, new PrintStream(stderr, true, StandardCharsets.UTF_8), List.of(), true).run(args);
    }

    private String out() {
        return stdout.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return stderr.toString(StandardCharsets.UTF_8);
    }
}
