package org.piservice.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.piservice.worker.JobProcessorTest.awaitTrue;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.piservice.jobs.Job;
import org.piservice.jobs.JobRepository;
import org.piservice.jobs.JobStatus;
import org.piservice.jobs.testing.Emulators;

/**
 * A worker killed with SIGKILL in the middle of a job, in a child process ({@link WorkerProcessMain})
 * on the embedded emulators this class starts: no exception, no cleanup, no last word. The queue is
 * the deployed one, with its 90-minute visibility timeout.
 */
class WorkerKilledTest {

    /** The killed worker's invocation: its message comes back this long (and the staleness) after it started. */
    private static final Duration INVOCATION = Duration.ofSeconds(4);

    private final WorkerFixture fixture = new WorkerFixture();

    @Test
    void aJobWhoseWorkerIsKilledMidJobIsTakenOverAndCompletes() throws Exception {
        // GIVEN a job, and a worker process that has claimed it and is computing
        QueueMessage message = fixture.newJob(500);
        fixture.enqueue(message);
        String id = WorkerFixture.jobIdOf(message);
        Map<String, String> aws = Emulators.aws().clientSettings();
        Process worker = new ProcessBuilder(List.of(
                ProcessHandle.current().info().command().orElse("java"), "-cp", System.getProperty("java.class.path"),
                WorkerProcessMain.class.getName(),
                aws.get("AWS_ENDPOINT_URL_DYNAMODB"), aws.get("AWS_ENDPOINT_URL_SQS"), aws.get("AWS_ENDPOINT_URL_S3"),
                fixture.config().tableName(), fixture.config().queueUrl(), fixture.config().bucketName(),
                Long.toString(INVOCATION.toMillis())))
                .redirectError(new File("target/killed-worker.log"))
                .start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(worker.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null && !line.equals(WorkerProcessMain.COMPUTING)) {
                // the worker's other output
            }
            assertThat(line).as("the worker process started computing").isEqualTo(WorkerProcessMain.COMPUTING);
        }
        assertThat(fixture.jobs.find(id).orElseThrow().status()).isEqualTo(JobStatus.IN_PROGRESS);

        // WHEN it is killed (SIGKILL)
        worker.destroyForcibly();
        assertThat(worker.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(worker.exitValue()).isEqualTo(137);

        // THEN the message comes back once the invocation would have ended and the heartbeat is
        // stale, a healthy worker takes the job over, notes the silent attempt and completes it
        AtomicReference<String> errorSeenByTakeover = new AtomicReference<>();
        JobRepository jobs = fixture.jobs;
        PiWriter noting = (digits, out, progress, cancelled) -> {
            errorSeenByTakeover.set(jobs.find(id).orElseThrow().error());
            PiWriter.PI_CORE.write(digits, out, progress, cancelled);
        };
        EventSourceStandIn healthy = new EventSourceStandIn(fixture.clients.sqs(), fixture.config().queueUrl(),
                fixture.processor(WorkerFixture.FAST, noting));
        awaitTrue(Duration.ofSeconds(30), () -> {
            healthy.deliverOnce();
            return fixture.jobs.find(id).orElseThrow().status() == JobStatus.COMPLETE;
        });
        Job job = fixture.jobs.find(id).orElseThrow();
        assertThat(job.attempts()).isEqualTo(2);
        assertThat(job.resultBytes()).isEqualTo(502);
        assertThat(errorSeenByTakeover.get()).isEqualTo(JobRepository.SILENT_ATTEMPT);
        assertThat(fixture.messagesIn(fixture.config().queueUrl())).isZero();
    }
}
