package org.piservice.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the README's synth command as a user would: the CDK CLI pinned by package-lock.json, the app
 * command of cdk.json, no AWS credentials or configuration, no network. Needs `npm ci` in infra-cdk
 * (./run-tests does it); without the CLI the test is skipped and says so, but fails in CI.
 */
class CdkCliSynthTest {

    @Test
    void cdkSynthWorksOfflineWithoutCredentials(@TempDir Path dir) throws IOException, InterruptedException {
        Path cli = Path.of("node_modules/.bin/cdk");
        String missing = "the CDK CLI is not installed here: run `npm ci` in infra-cdk";
        // ./run-tests installs it: a skip in CI would pass without the synth users run
        assertThat(Files.isExecutable(cli) || !"true".equals(System.getenv("CI"))).as(missing + ", in CI").isTrue();
        assumeTrue(Files.isExecutable(cli), missing);
        Path out = dir.resolve("cdk.out");
        Path home = Files.createDirectories(dir.resolve("home"));
        Path log = dir.resolve("cdk.log");
        ProcessBuilder command = new ProcessBuilder(cli.toString(), "synth", "--quiet", "--no-notices",
                "--output", out.toString(), "-c", "maxDigits=1000000")
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        command.environment().keySet().removeIf(name -> name.startsWith("AWS_") && !name.equals("AWS_CA_BUNDLE"));
        command.environment().put("HOME", home.toString());
        command.environment().put("CDK_DISABLE_CLI_TELEMETRY", "true");

        Process synth = command.start();
        boolean finished = synth.waitFor(5, TimeUnit.MINUTES);
        if (!finished) {
            synth.destroyForcibly();
        }

        String output = Files.readString(log);
        assertThat(finished).as(output).isTrue();
        assertThat(synth.exitValue()).as(output).isZero();
        JsonNode template = new ObjectMapper().readTree(out.resolve(PiServiceApp.STACK_NAME + ".template.json").toFile());
        // the context value given on the command line reached every function
        assertThat(template.get("Resources").findValues("MAX_DIGITS")).hasSize(4)
                .allSatisfy(value -> assertThat(value.asText()).isEqualTo("1000000"));
    }
}
