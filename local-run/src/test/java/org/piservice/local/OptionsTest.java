package org.piservice.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.piservice.local.Options.Target;

/** Plain unit tests of the command line. */
class OptionsTest {

    @Test
    void noArgumentsRunEverythingEmbeddedOnPort5000() throws Exception {
        Options options = Options.parse().orElseThrow();

        assertThat(options.port()).isEqualTo(5000);
        assertThat(options.target()).isEqualTo(Target.EMBEDDED);
        assertThat(options.effectiveRegion()).hasValue("us-east-1");
        assertThat(options.workers()).isEqualTo(2);
        assertThat(List.of(options.endpoint(), options.region(), options.table(), options.queueUrl(), options.bucket()))
                .allMatch(Optional::isEmpty);
    }

    @Test
    void portAndWorkersTakeSeparateOrInlineValues() throws Exception {
        Options options = Options.parse("--port", "8080", "--workers=4").orElseThrow();

        assertThat(options.port()).isEqualTo(8080);
        assertThat(options.workers()).isEqualTo(4);
    }

    @Test
    void awsEndpointTargetsLocalStackAndMayNameResources() throws Exception {
        Options created = Options.parse("--aws-endpoint", "http://localhost:4566").orElseThrow();
        Options named = Options.parse("--aws-endpoint", "http://localhost:4566", "--table", "jobs",
                "--queue-url", "http://localhost:4566/000000000000/q", "--bucket", "b").orElseThrow();

        assertThat(created.target()).isEqualTo(Target.ENDPOINT);
        assertThat(created.endpoint()).hasValue(URI.create("http://localhost:4566"));
        assertThat(created.table()).isEmpty();
        assertThat(named.table()).hasValue("jobs");
        assertThat(named.bucket()).hasValue("b");
    }

    @Test
    void awsUsesTheDefaultRegionChainUnlessARegionIsGiven() throws Exception {
        String[] resources = {"--aws", "--table", "t", "--queue-url", "https://sqs.eu-west-1.amazonaws.com/1/q",
                "--bucket", "b"};

        assertThat(Options.parse(resources).orElseThrow().effectiveRegion()).isEmpty();
        Options withRegion = Options.parse(append(resources, "--region", "eu-west-1")).orElseThrow();
        assertThat(withRegion.target()).isEqualTo(Target.AWS);
        assertThat(withRegion.effectiveRegion()).hasValue("eu-west-1");
    }

    @Test
    void helpIsNotARun() throws Exception {
        assertThat(Options.parse("--port", "1", "--help")).isEqualTo(Optional.empty());
        assertThat(Options.USAGE).contains("--port").contains("--aws-endpoint").contains("--aws ");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "--port                               | --port needs a value",
        "--port abc                           | --port must be a whole number from 0 to 65535, not 'abc'",
        "--port 70000                         | --port must be a whole number from 0 to 65535",
        "--workers 0                          | --workers must be a whole number from 1 to 64",
        "--verbose                            | Unknown option '--verbose'",
        "5000                                 | Unknown option '5000'",
        "--aws-endpoint localhost:4566        | --aws-endpoint must be an http(s) URL",
        "--aws --aws-endpoint http://h:1      | Use either --aws or --aws-endpoint, not both",
        "--aws --table t                      | --aws needs --table, --queue-url and --bucket",
        "--bucket b                           | need --aws-endpoint or --aws",
        "--aws-endpoint http://h:1 --table t  | name all of --table, --queue-url and --bucket, or none",
        "--region=                            | --region must not be empty",
        "--region eu-west-1                   | --region needs --aws-endpoint or --aws",
    })
    void badCommandLinesSayWhatToChange(String commandLine, String message) {
        assertThatThrownBy(() -> Options.parse(commandLine.trim().split("\\s+")))
                .isInstanceOf(Options.UsageException.class)
                .hasMessageContaining(message);
    }

    private static String[] append(String[] first, String... more) {
        String[] all = java.util.Arrays.copyOf(first, first.length + more.length);
        System.arraycopy(more, 0, all, first.length, more.length);
        return all;
    }
}
