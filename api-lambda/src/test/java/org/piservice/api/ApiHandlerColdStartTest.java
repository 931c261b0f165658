package org.piservice.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A cold start of the function in a JVM of its own, on the classpath the shaded jar is made of (the
 * runtime dependencies Maven lists in target/function-classpath.txt), not on the test classpath with
 * its test-only loggers. Needs nothing running: the handler reaches no AWS service on this path.
 */
class ApiHandlerColdStartTest {

    /** The child JVM: builds the handler as the Lambda runtime does, answers one request, reports on SLF4J. */
    static final class ColdStart {
        public static void main(String[] args) {
            ApiHandler handler = new ApiHandler();
            int status = handler.handleRequest(new APIGatewayProxyRequestEvent().withHttpMethod("GET")
                    .withPath("/openapi.json"), null).getStatusCode();
            var sdkLog = LoggerFactory.getLogger("software.amazon.awssdk");
            System.out.println("status=" + status);
            System.out.println("logger=" + LoggerFactory.getILoggerFactory().getClass().getName());
            System.out.println("sdk-warn=" + sdkLog.isWarnEnabled() + " sdk-info=" + sdkLog.isInfoEnabled());
        }
    }

    @Test
    void startsWithTheFunctionsLoggerAndNoSlf4jWarning(@TempDir Path dir) throws IOException, InterruptedException {
        // GIVEN the function's own classpath and a Lambda-like environment
        String classpath = String.join(File.pathSeparator, Path.of("target/classes").toAbsolutePath().toString(),
                Files.readString(Path.of("target/function-classpath.txt")).strip(),
                Path.of("target/test-classes").toAbsolutePath().toString());
        Path out = dir.resolve("stdout.txt");
        Path err = dir.resolve("stderr.txt");
        ProcessBuilder command = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classpath, ColdStart.class.getName())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        command.environment().keySet().removeIf(name -> name.startsWith("AWS_") || name.startsWith("JAVA_TOOL"));
        command.environment().put("TABLE_NAME", "jobs");
        command.environment().put("QUEUE_URL", "http://127.0.0.1:9/000000000000/jobs");
        command.environment().put("BUCKET_NAME", "results");
        command.environment().put("MAX_DIGITS", "100000000");
        command.environment().put("AWS_REGION", "eu-west-1");
        command.environment().put("AWS_ACCESS_KEY_ID", "cold-start");
        command.environment().put("AWS_SECRET_ACCESS_KEY", "cold-start");
        command.environment().put("AWS_ENDPOINT_URL", "http://127.0.0.1:9");

        // WHEN
        Process child = command.start();
        boolean finished = child.waitFor(2, TimeUnit.MINUTES);
        if (!finished) {
            child.destroyForcibly();
        }

        // THEN
        String stdout = Files.readString(out);
        String stderr = Files.readString(err);
        assertThat(finished).as(stdout + stderr).isTrue();
        assertThat(child.exitValue()).as(stdout + stderr).isZero();
        assertThat(stderr).doesNotContain("SLF4J");
        assertThat(stdout).contains("status=200", "logger=org.slf4j.simple.SimpleLoggerFactory",
                "sdk-warn=true sdk-info=false");
    }
}
