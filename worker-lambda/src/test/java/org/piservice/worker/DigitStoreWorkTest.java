package org.piservice.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.piservice.worker.JobProcessorTest.pi;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.piservice.jobs.Job;
import org.piservice.jobs.JobStatus;

/**
 * The worker with the digit store, against the embedded emulators with the real SDK clients: jobs
 * the store covers are copied, not computed; concurrent jobs for new digits share one computation.
 * A worker killed between computing and storing is {@link WorkerKilledTest}'s.
 */
class DigitStoreWorkTest {

    private static final Deadline PLENTY = WorkerFixture.deadlineAfter(Duration.ofMinutes(10));

    /** Fast heartbeats, but staleness only after seconds: ten workers on a busy machine must not look dead. */
    private static final WorkerSettings UNHURRIED = new WorkerSettings(Duration.ofMillis(100), Duration.ofSeconds(10), 3,
            Duration.ofMillis(500), WorkerSettings.DEFAULT.timeModel(), WorkerSettings.DEFAULT.heapBytes());

    private final WorkerFixture fixture = new WorkerFixture();

    @Test
    void aJobTheStoreCoversIsCopiedNotComputed() throws Exception {
        CountingPiWriter pi = CountingPiWriter.slowPiCore(Duration.ZERO);
        JobProcessor processor = fixture.processor(WorkerFixture.FAST, pi);
        processor.handle(fixture.newJob(2000), PLENTY);

        QueueMessage smaller = fixture.newJob(1500);
        assertThat(processor.handle(smaller, PLENTY)).isEqualTo(JobProcessor.Outcome.DONE);

        assertThat(pi.runs.get()).isEqualTo(1);
        Job job = fixture.jobs.find(WorkerFixture.jobIdOf(smaller)).orElseThrow();
        assertThat(job.status()).isEqualTo(JobStatus.COMPLETE);
        assertThat(result(job)).isEqualTo(pi(1500));
        assertThat(fixture.metrics()).contains("\"JobsServedFromStore\":1.0");
    }

    @Test
    void tenConcurrentJobsForNewDigitsCauseOneComputation() throws Exception {
        CountingPiWriter pi = CountingPiWriter.slowPiCore(Duration.ofSeconds(1));
        List<QueueMessage> messages = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            messages.add(fixture.newJob(3000));
        }
        ExecutorService workers = Executors.newFixedThreadPool(messages.size());
        List<Future<JobProcessor.Outcome>> outcomes = new ArrayList<>();
        for (QueueMessage message : messages) {
            JobProcessor processor = fixture.processor(UNHURRIED, pi);
            outcomes.add(workers.submit(() -> processor.handle(message, PLENTY)));
        }
        for (Future<JobProcessor.Outcome> outcome : outcomes) {
            outcome.get();
        }
        workers.shutdown();

        assertThat(pi.runs.get()).isEqualTo(1);
        assertThat(count(fixture.metrics(), "\"StoreComputations\":1.0")).isEqualTo(1);
        assertThat(count(fixture.metrics(), "\"JobsServedFromStore\":1.0")).isEqualTo(9);
        for (QueueMessage message : messages) {
            Job job = fixture.jobs.find(WorkerFixture.jobIdOf(message)).orElseThrow();
            assertThat(job.status()).isEqualTo(JobStatus.COMPLETE);
            assertThat(result(job)).isEqualTo(pi(3000));
        }
        assertThat(fixture.digitStore(fixture.config()).state().waiting()).isEmpty();
    }

    private String result(Job job) {
        return fixture.clients.s3().getObjectAsBytes(get -> get.bucket(fixture.config().bucketName())
                .key(job.resultKey())).asString(StandardCharsets.US_ASCII);
    }

    private static int count(String text, String needle) {
        int count = 0;
        for (int at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) {
            count++;
        }
        return count;
    }
}
