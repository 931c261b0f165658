package org.piservice.emulators;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * dynalite, a DynamoDB emulator written for Node.js, run in memory as a child process.
 *
 * <p>Its wrapper script listens on a free port of 127.0.0.1, prints that port alone on a line, and exits as soon
 * as its standard input closes. The JVM holds the other end of that pipe, so the child ends with
 * the JVM however the JVM ends, even when it is killed: no orphan keeps a port or memory.
 */
final class Dynalite implements AutoCloseable {

    /** Where the wrapper script and its {@code package-lock.json} live, relative to the repository. */
    static final String NODE_DIR = "local-emulators/src/main/node";
    /** Overrides the search for {@link #NODE_DIR}, for runs outside the repository. */
    static final String NODE_DIR_PROPERTY = "piservice.dynalite.dir";

    private static final String SCRIPT = "dynalite-server.js";
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);

    private final Process process;
    private final URI endpoint;

    private Dynalite(Process process, URI endpoint) {
        this.process = process;
        this.endpoint = endpoint;
    }

    /** Starts the child process; {@link Starting#awaitReady()} waits until it listens. */
    static Starting launch() {
        Path nodeDir = findNodeDir();
        ProcessBuilder builder = new ProcessBuilder("node", nodeDir.resolve(SCRIPT).toString())
                .directory(nodeDir.toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        try {
            return new Starting(builder.start());
        } catch (IOException e) {
            throw new IllegalStateException("The local DynamoDB emulator (dynalite) needs Node.js 20 or newer "
                    + "as 'node' on the PATH, and starting it failed: " + e.getMessage()
                    + ". Install Node.js, then run 'npm ci' in " + NODE_DIR + ".", e);
        }
    }

    URI endpoint() {
        return endpoint;
    }

    Process process() {
        return process;
    }

    @Override
    public void close() throws InterruptedException {
        stop(process);
    }

    private static void stop(Process process) throws InterruptedException {
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            // The pipe is already broken, so the child is exiting anyway; destroy() below makes sure.
        }
        if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    static Path findNodeDir() {
        String configured = System.getProperty(NODE_DIR_PROPERTY);
        if (configured != null) {
            return requireInstalled(Path.of(configured).toAbsolutePath().normalize());
        }
        Path start = Path.of("").toAbsolutePath();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(NODE_DIR);
            if (Files.isRegularFile(candidate.resolve(SCRIPT))) {
                return requireInstalled(candidate);
            }
        }
        throw new IllegalStateException("Cannot find " + NODE_DIR + "/" + SCRIPT + " in " + start
                + " or its parent folders: run from the pi-service repository, or set the system property "
                + NODE_DIR_PROPERTY + " to that folder.");
    }

    private static Path requireInstalled(Path nodeDir) {
        if (!Files.isDirectory(nodeDir.resolve("node_modules/dynalite"))) {
            throw new IllegalStateException("The npm package dynalite is not installed in " + nodeDir
                    + ": run 'npm ci' in " + NODE_DIR + " (the CI script and ./run-local do this for you).");
        }
        return nodeDir;
    }

    /** A dynalite process that has been started but may not listen yet. */
    static final class Starting implements AutoCloseable {

        private final Process process;
        private final CompletableFuture<String> firstLine = new CompletableFuture<>();

        private Starting(Process process) {
            this.process = process;
            Thread.ofPlatform().daemon().name("dynalite-stdout").start(this::readOutput);
        }

        /** Reads the port line, then keeps draining so the child never blocks on a full pipe. */
        private void readOutput() {
            try (BufferedReader reader = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line = reader.readLine();
                firstLine.complete(line);
                while (reader.readLine() != null) {
                    // dynalite prints nothing after the port; anything else is discarded.
                }
            } catch (IOException e) {
                firstLine.completeExceptionally(e);
            }
        }

        Dynalite awaitReady() {
            String line;
            try {
                line = firstLine.get(STARTUP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                throw new IllegalStateException("dynalite did not report its port within " + STARTUP_TIMEOUT, e);
            } catch (ExecutionException e) {
                throw new IllegalStateException("Reading dynalite's output failed", e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while dynalite was starting", e);
            }
            if (line == null) {
                throw new IllegalStateException("dynalite exited before listening (exit code "
                        + exitCode() + "); its error output is above. Try 'npm ci' in " + NODE_DIR + ".");
            }
            return new Dynalite(process, URI.create("http://127.0.0.1:" + parsePort(line)));
        }

        private String exitCode() {
            try {
                return process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                        ? Integer.toString(process.exitValue()) : "none yet";
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "unknown";
            }
        }

        private static int parsePort(String line) {
            try {
                return Integer.parseInt(line.strip());
            } catch (NumberFormatException e) {
                throw new IllegalStateException("dynalite printed '" + line + "' instead of its port", e);
            }
        }

        @Override
        public void close() throws InterruptedException {
            stop(process);
        }
    }
}
