package org.piservice.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.piservice.core.PiProcess;
import org.piservice.jobs.Job;
import org.piservice.jobs.JobStatus;
import org.piservice.jobs.testing.Emulators;

/**
 * A worker whose own JVM runs out of heap while it computes a job in that JVM, in a child process
 * ({@link WorkerProcessMain}) with a heap far smaller than the job needs: the deployed worker's
 * heap can fall short of what its model said, when the JVM's options or the service's own use of
 * the heap differ from what the model was fitted with.
 */
class WorkerOutOfMemoryTest {

    /** Holds the worker and its AWS clients, not a computation of {@link #DIGITS}, which needs about 130 MB. */
    private static final String SMALL_HEAP = "-Xmx80m";
    private static final int DIGITS = 10_000_000;

    private final WorkerFixture fixture = new WorkerFixture();

    @Test
    void aJobThatRunsTheWorkersOwnHeapOutFailsWithTheReasonOnItsFirstAttempt() throws Exception {
        // GIVEN a job, and a worker process that computes in its own JVM, whose heap cannot hold it
        QueueMessage message = fixture.newJob(DIGITS);
        fixture.enqueue(message);
        Map<String, String> aws = Emulators.aws().clientSettings();
        Process worker = new ProcessBuilder(List.of(
                ProcessHandle.current().info().command().orElse("java"), PiProcess.VECTOR_MODULE, SMALL_HEAP,
                "-cp", System.getProperty("java.class.path"),
                WorkerProcessMain.class.getName(),
                aws.get("AWS_ENDPOINT_URL_DYNAMODB"), aws.get("AWS_ENDPOINT_URL_SQS"), aws.get("AWS_ENDPOINT_URL_S3"),
                fixture.config().tableName(), fixture.config().queueUrl(), fixture.config().bucketName(),
                Long.toString(Duration.ofMinutes(2).toMillis()), "nowhere"))
                .redirectErrorStream(true)
                .redirectOutput(new File("target/out-of-memory-worker.log"))
                .start();

        // WHEN it works on the job
        boolean ended = worker.waitFor(2, TimeUnit.MINUTES);
        worker.destroyForcibly();

        // THEN the worker fails the job on that attempt, saying why, as it does when a child JVM
        // runs out of heap: another attempt in a heap alike would fail the same way
        assertThat(ended).as("the worker process ended").isTrue();
        Job job = fixture.jobs.find(WorkerFixture.jobIdOf(message)).orElseThrow();
        assertThat(job.status()).isEqualTo(JobStatus.FAILED);
        assertThat(job.attempts()).isEqualTo(1);
        assertThat(job.error())
                .isEqualTo("Computing " + DIGITS + " digits ran out of memory in the worker's own JVM: Java heap space");
        assertThat(worker.exitValue()).isZero();
    }
}
