package org.piservice.emulators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Starts and stops dynalite subprocesses of its own; needs Node.js and 'npm ci' in the node folder. */
class DynaliteTest {

    @Test
    void exitsByItselfWhenItsStandardInputCloses() throws Exception {
        // GIVEN a listening dynalite
        Dynalite dynalite = Dynalite.launch().awaitReady();
        HttpURLConnection connection = (HttpURLConnection) dynalite.endpoint().toURL().openConnection();
        assertThat(connection.getResponseCode()).isPositive();

        // WHEN its pipe from this JVM closes, as it does when the JVM dies
        dynalite.close();

        // THEN it has exited on its own (status 0), not been killed, and the port is closed
        assertThat(dynalite.process().isAlive()).isFalse();
        assertThat(dynalite.process().exitValue()).isZero();
        assertThatThrownBy(() -> dynalite.endpoint().toURL().openConnection().connect())
                .isInstanceOf(IOException.class);
    }

    @Test
    void outlivesACtrlCSoThatTheJvmsShutdownCanStillUseIt() throws Exception {
        // GIVEN a listening dynalite
        Dynalite dynalite = Dynalite.launch().awaitReady();
        try {
            // WHEN it gets SIGINT, as every process of a terminal's foreground group does at a Ctrl-C
            // (the shell's own kill: minimal systems have no kill program)
            Process kill = new ProcessBuilder("sh", "-c", "kill -INT " + dynalite.process().pid()).start();
            assertThat(kill.waitFor()).isZero();

            // THEN it still answers, and ends when its pipe from this JVM closes, as it always does
            Thread.sleep(500);
            assertThat(dynalite.process().isAlive()).isTrue();
            HttpURLConnection connection = (HttpURLConnection) dynalite.endpoint().toURL().openConnection();
            assertThat(connection.getResponseCode()).isPositive();
        } finally {
            dynalite.close();
        }
        assertThat(dynalite.process().exitValue()).isZero();
    }

    @Test
    void saysToRunNpmCiWhenThePackageIsMissing(@TempDir Path empty) throws IOException {
        Files.writeString(empty.resolve("dynalite-server.js"), "");
        System.setProperty(Dynalite.NODE_DIR_PROPERTY, empty.toString());
        try {
            assertThatThrownBy(Dynalite::launch)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("npm ci")
                    .hasMessageContaining(Dynalite.NODE_DIR);
        } finally {
            System.clearProperty(Dynalite.NODE_DIR_PROPERTY);
        }
    }
}
