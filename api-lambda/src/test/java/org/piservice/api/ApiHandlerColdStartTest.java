package org.piservice.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A cold start of the function in a JVM of its own, on the classpath the shaded jar is made of (the
 * runtime dependencies Maven lists in target/function-classpath.txt), not on the test classpath with
 * its test-only loggers, and with the environment Lambda and the stack give it: what comes from the
 * environment (log level, service name, cold start, trace id) is only seen here. Needs nothing
 * running: the handler reaches no AWS service on this path.
 */
class ApiHandlerColdStartTest {

    /** A warning as the AWS SDK would log it, through SLF4J under its own logger name. */
    static final String SDK_WARNING = "a warning of the AWS SDK";

    /** The child JVM: builds the handler as the Lambda runtime does, answers one request, logs as the SDK would. */
    static final class ColdStart {
        public static void main(String[] args) {
            ApiHandler handler = new ApiHandler();
            int status = handler.handleRequest(new APIGatewayProxyRequestEvent().withHttpMethod("GET")
                    .withPath("/openapi.json"), null).getStatusCode();
            var sdkLog = LoggerFactory.getLogger("software.amazon.awssdk.core.Example");
            sdkLog.warn(SDK_WARNING);
            sdkLog.info("an INFO line of the AWS SDK");
            System.out.println("status=" + status);
            System.out.println("logger=" + LoggerFactory.getILoggerFactory().getClass().getName());
        }
    }

    @Test
    void logsJsonWithTheInvocationsFieldsTheSdksWarningsAndNoSlf4jWarning(@TempDir Path dir) throws Exception {
        // GIVEN the function's environment, with the default log level
        // WHEN it starts and answers one request
        ChildRun run = coldStart(dir, Map.of());

        // THEN its request and the SDK's warning are JSON lines with the invocation's fields; the
        // service logs from INFO, the SDK from WARN
        assertThat(run.stdout).contains("status=200", "logger=org.apache.logging.slf4j.Log4jLoggerFactory");
        assertThat(run.stderr).as("SLF4J's and log4j's own complaints").isBlank();
        JsonNode request = run.line("request");
        assertThat(request.path("level").asText()).isEqualTo("INFO");
        assertThat(request.path("path").asText()).isEqualTo("/openapi.json");
        assertThat(request.path("service").asText()).isEqualTo("pi-service");
        assertThat(request.path("cold_start").asBoolean()).isTrue();
        assertThat(request.path("xray_trace_id").asText()).isEqualTo("1-5759e988-bd862e3fe1be46a994272793");
        assertThat(request.path("logger").asText()).isEqualTo(PiApi.class.getName());
        JsonNode sdk = run.line(SDK_WARNING);
        assertThat(sdk.path("level").asText()).isEqualTo("WARN");
        assertThat(sdk.path("logger").asText()).isEqualTo("software.amazon.awssdk.core.Example");
        assertThat(run.stdout).doesNotContain("an INFO line of the AWS SDK");
    }

    @Test
    void takesItsLogLevelFromPowertoolsLogLevel(@TempDir Path dir) throws Exception {
        ChildRun run = coldStart(dir, Map.of("POWERTOOLS_LOG_LEVEL", "WARN"));

        assertThat(run.stdout).contains("status=200").doesNotContain("\"message\":\"request");
        assertThat(run.line(SDK_WARNING).path("level").asText()).isEqualTo("WARN");
    }

    private record ChildRun(String stdout, String stderr) {
        JsonNode line(String messagePrefix) throws IOException {
            for (String line : stdout.lines().filter(text -> text.startsWith("{")).toList()) {
                JsonNode json = Json.MAPPER.readTree(line);
                if (json.path("message").asText().startsWith(messagePrefix)) {
                    return json;
                }
            }
            throw new AssertionError("no JSON line with message '" + messagePrefix + "' in:\n" + stdout + stderr);
        }
    }

    private static ChildRun coldStart(Path dir, Map<String, String> environment) throws IOException, InterruptedException {
        String classpath = String.join(File.pathSeparator, Path.of("target/classes").toAbsolutePath().toString(),
                Files.readString(Path.of("target/function-classpath.txt")).strip(),
                Path.of("target/test-classes").toAbsolutePath().toString());
        Path out = dir.resolve("stdout.txt");
        Path err = dir.resolve("stderr.txt");
        ProcessBuilder command = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classpath, ColdStart.class.getName()))
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        Map<String, String> env = command.environment();
        env.keySet().removeIf(name -> name.startsWith("AWS_") || name.startsWith("JAVA_TOOL") || name.startsWith("POWERTOOLS_")
                || name.equals("_X_AMZN_TRACE_ID"));
        env.put("TABLE_NAME", "jobs");
        env.put("QUEUE_URL", "http://127.0.0.1:9/000000000000/jobs");
        env.put("BUCKET_NAME", "results");
        env.put("MAX_DIGITS", "100000000");
        env.put("AWS_REGION", "eu-west-1");
        env.put("AWS_ACCESS_KEY_ID", "cold-start");
        env.put("AWS_SECRET_ACCESS_KEY", "cold-start");
        env.put("AWS_ENDPOINT_URL", "http://127.0.0.1:9");
        env.put("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand");
        env.put("POWERTOOLS_SERVICE_NAME", "pi-service");
        env.put("_X_AMZN_TRACE_ID", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1");
        env.putAll(environment);

        Process child = command.start();
        boolean finished = child.waitFor(2, TimeUnit.MINUTES);
        if (!finished) {
            child.destroyForcibly();
        }
        String stdout = Files.readString(out);
        String stderr = Files.readString(err);
        assertThat(finished).as(stdout + stderr).isTrue();
        assertThat(child.exitValue()).as(stdout + stderr).isZero();
        return new ChildRun(stdout, stderr);
    }
}
