package org.piservice.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.piservice.jobs.testing.Await.awaitTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.piservice.contract.JobDelivery;
import org.piservice.core.ComputeTimeModel;
import org.piservice.core.MachinPi;
import org.piservice.core.PiDigits;
import org.piservice.core.PiProcess;
import org.piservice.emulators.ServiceResources;
import org.piservice.jobs.ClaimResult;
import org.piservice.jobs.Job;
import org.piservice.jobs.JobRepository;
import org.piservice.jobs.JobStatus;
import org.piservice.jobs.ResultStore;
import org.piservice.jobs.ServiceConfig;
import org.piservice.jobs.testing.LogCapture;
import org.piservice.jobs.testing.MutableClock;
import org.piservice.jobs.testing.TestResources;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * The worker's guarantees (docs/ARCHITECTURE.md), each against the embedded emulators with the
 * real SDK clients; only the computation is sometimes replaced, to block, fail or misbehave on cue.
 */
class JobProcessorTest {

    private static final Deadline PLENTY = WorkerFixture.deadlineAfter(Duration.ofMinutes(10));
    private static final int SMALL_JOB = 200;
    /**
     * Invocations that end (and a failed one's message comes back) within seconds, yet leave the
     * time model's estimate for a small job beside the cleanup reserve, and the calls before a
     * computation two seconds on a busy machine.
     */
    private static final Duration SHORT_INVOCATION = WorkerFixture.FAST.cleanupReserve()
            .plus(WorkerFixture.FAST.timeModel().estimate(SMALL_JOB)).plus(Duration.ofSeconds(2));

    private final WorkerFixture fixture = new WorkerFixture();

    @RegisterExtension
    final LogCapture logs = new LogCapture();

    @Test
    void computesTheDigitsIntoS3AndCompletesTheJob() throws IOException {
        QueueMessage message = fixture.newJob(1000);
        String id = WorkerFixture.jobIdOf(message);

        JobProcessor.Outcome outcome = fixture.processor(WorkerSettings.DEFAULT, PiWriter.PI_CORE).handle(message, PLENTY);

        assertThat(outcome).isEqualTo(JobProcessor.Outcome.DONE);
        Job job = fixture.jobs.find(id).orElseThrow();
        assertThat(job.status()).isEqualTo(JobStatus.COMPLETE);
        assertThat(job.resultBytes()).isEqualTo(1002);
        assertThat(job.resultKey()).isEqualTo(ResultStore.resultKey(id, 1000));
        assertThat(storedResult(job)).isEqualTo(MachinPi.text(1000));
        JsonNode complete = logs.withMessage("Job complete").getFirst();
        assertThat(complete.path("level").asText()).isEqualTo("INFO");
        assertThat(complete.path("job_id").asText()).isEqualTo(id);
        assertThat(complete.path("message_id").asText()).isEqualTo(message.messageId());
        assertThat(complete.path("digits").asInt()).isEqualTo(1000);
        assertThat(complete.path("compute_seconds").isNumber()).as(complete.toString()).isTrue();
        assertThat(fixture.metrics())
                .contains("\"Namespace\":\"PiService\"", "\"JobsCompleted\":1.0", "\"DigitsComputed\":1000.0");
    }

    @Test
    void duplicateAfterCompletionIsAcknowledgedWithoutComputingAgain() throws IOException {
        QueueMessage message = fixture.newJob(50);
        CountingPiWriter pi = new CountingPiWriter(PiWriter.PI_CORE);
        JobProcessor processor = fixture.processor(WorkerSettings.DEFAULT, pi);
        processor.handle(message, PLENTY);
        Job first = fixture.jobs.find(WorkerFixture.jobIdOf(message)).orElseThrow();

        JobProcessor.Outcome duplicate = processor.handle(message, PLENTY);

        assertThat(duplicate).isEqualTo(JobProcessor.Outcome.DONE);
        assertThat(pi.runs.get()).isEqualTo(1);
        assertThat(fixture.jobs.find(first.jobId()).orElseThrow()).isEqualTo(first);
        assertThat(storedResult(first)).isEqualTo(MachinPi.text(50));
    }

    @Test
    void duplicateWhileComputingIsNeverRunTwiceAndComesBackLater() throws Exception {
        QueueMessage message = fixture.newJob(100);
        CountDownLatch computing = new CountDownLatch(1);
        CountDownLatch proceed = new CountDownLatch(1);
        CountingPiWriter pi = new CountingPiWriter((digits, out, progress, cancelled) -> {
            computing.countDown();
            awaitTrue(() -> proceed.getCount() == 0);
            PiDigits.write(digits, out, progress, cancelled);
        });
        JobProcessor first = fixture.processor(WorkerSettings.DEFAULT, pi);
        JobProcessor second = fixture.processor(WorkerSettings.DEFAULT, pi);
        CompletableFuture<JobProcessor.Outcome> running = CompletableFuture.supplyAsync(() -> first.handle(message, PLENTY));
        assertThat(computing.await(30, TimeUnit.SECONDS)).isTrue();

        JobProcessor.Outcome whileBusy = second.handle(message, PLENTY);
        proceed.countDown();
        JobProcessor.Outcome original = running.get(30, TimeUnit.SECONDS);
        JobProcessor.Outcome afterwards = second.handle(message, PLENTY);

        assertThat(whileBusy).isEqualTo(JobProcessor.Outcome.RETRY);
        assertThat(original).isEqualTo(JobProcessor.Outcome.DONE);
        assertThat(afterwards).isEqualTo(JobProcessor.Outcome.DONE);
        assertThat(pi.runs.get()).isEqualTo(1);
        Job job = fixture.jobs.find(WorkerFixture.jobIdOf(message)).orElseThrow();
        assertThat(job.status()).isEqualTo(JobStatus.COMPLETE);
        assertThat(job.attempts()).isEqualTo(1);
    }

    @Test
    void aComputationThatRunsOutOfMemoryFailsItsJobAtOnceInsteadOfRetryingIt() {
        // GIVEN a child JVM whose heap is far smaller than 2,000,000 digits need
        QueueMessage message = fixture.newJob(2_000_000);
        PiWriter starved = (digits, out, progress, cancelled) ->
                PiProcess.write(digits, List.of("-Xmx12m"), out, progress, cancelled);

        JobProcessor.Outcome outcome = fixture.processor(WorkerFixture.FAST, starved).handle(message, PLENTY);

        // THEN the job fails on its first attempt, saying why: a retry would run out of memory again
        assertThat(outcome).isEqualTo(JobProcessor.Outcome.DONE);
        Job job = fixture.jobs.find(WorkerFixture.jobIdOf(message)).orElseThrow();
        assertThat(job.status()).isEqualTo(JobStatus.FAILED);
        assertThat(job.attempts()).isEqualTo(1);
        assertThat(job.error()).startsWith("Computing 2000000 digits ran out of memory: the computation's JVM exited"
                + " with status 1: Exception in thread \"main\" java.lang.OutOfMemoryError");
    }

    @Test
    void aWorkerThatLostItsClaimStopsComputing() {
        QueueMessage message = fixture.newJob(100);
        String id = WorkerFixture.jobIdOf(message);
        CountDownLatch computing = new CountDownLatch(1);
        PiWriter untilCancelled = (digits, out, progress, cancelled) -> {
            computing.countDown();
            while (!cancelled.getAsBoolean()) {
                Thread.onSpinWait();
            }
            throw new CancellationException();
        };
        JobProcessor slow = fixture.processor(WorkerFixture.FAST, untilCancelled);
        CompletableFuture<JobProcessor.Outcome> running = CompletableFuture.supplyAsync(() -> slow.handle(message, PLENTY));

        // GIVEN another worker that sees the heartbeat as stale (its clock is ahead) and takes over
        MutableClock ahead = MutableClock.startingNow();
        ahead.advance(Duration.ofMinutes(5));
        JobRepository otherWorker = new JobRepository(fixture.clients.dynamoDb(), fixture.config(), ahead);
        awaitTrue(() -> computing.getCount() == 0);
        assertThat(otherWorker.claim(id, "other", WorkerFixture.FAST.staleAfter())).isInstanceOf(ClaimResult.Claimed.class);

        // THEN the first worker's next heartbeat is refused and it stops, leaving the job to the new owner
        assertThat(running.join()).isEqualTo(JobProcessor.Outcome.RETRY);
        Job job = fixture.jobs.find(id).orElseThrow();
        assertThat(job.owner()).isEqualTo("other");
        assertThat(job.status()).isEqualTo(JobStatus.IN_PROGRESS);
    }

    @Test
    void aCancelledQueuedJobNeverStartsAndItsMessageIsAcknowledged() {
        QueueMessage message = fixture.newJob(100);
        assertThat(fixture.jobs.cancel(WorkerFixture.jobIdOf(message))).isPresent();
        CountingPiWriter pi = new CountingPiWriter(PiWriter.PI_CORE);

        JobProcessor.Outcome outcome = fixture.processor(WorkerFixture.FAST, pi).handle(message, PLENTY);

        assertThat(outcome).isEqualTo(JobProcessor.Outcome.DONE);
        assertThat(pi.runs).hasValue(0);
        assertThat(fixture.jobs.find(WorkerFixture.jobIdOf(message)).orElseThrow().status()).isEqualTo(JobStatus.CANCELLED);
    }

    @Test
    void aJobCancelledBetweenHeartbeatsAsItsComputationEndsGetsNoResult() {
        // GIVEN a worker whose heartbeats are seconds apart, and a client that cancels the job just
        // as its computation ends, before the next heartbeat could notice
        QueueMessage message = fixture.newJob(1_000);
        String id = WorkerFixture.jobIdOf(message);
        PiWriter cancelledAtTheEnd = (digits, out, progress, cancelled) -> {
            PiWriter.PI_CORE.write(digits, out, progress, cancelled);
            assertThat(fixture.jobs.cancel(id)).isPresent();
        };

        // WHEN the worker computes it
        JobProcessor.Outcome outcome = fixture.processor(WorkerSettings.DEFAULT, cancelledAtTheEnd).handle(message, PLENTY);

        // THEN its digits are stored for later jobs, but the cancelled job gets no result and its
        // message is acknowledged
        assertThat(outcome).isEqualTo(JobProcessor.Outcome.DONE);
        assertThat(fixture.jobs.find(id).orElseThrow().status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(fixture.store(fixture.config()).size(ResultStore.resultKey(id, 1_000))).isEmpty();
        assertThat(fixture.digitStore(fixture.config()).state().digits()).isGreaterThanOrEqualTo(1_000);
        assertThat(logs.withMessage("Job ended meanwhile (cancelled)")).hasSize(1);
        assertThat(logs.withMessage("Job complete")).isEmpty();
    }

    @Test
    void aRunningComputationStopsWithinAHeartbeatOfItsCancellationAndLeavesNoUpload() {
        // GIVEN pi-core computing a job that takes many seconds here
        QueueMessage message = fixture.newJob(5_000_000);
        String id = WorkerFixture.jobIdOf(message);
        JobProcessor worker = fixture.processor(WorkerFixture.FAST, PiWriter.PI_CORE);
        CompletableFuture<JobProcessor.Outcome> running = CompletableFuture.supplyAsync(() -> worker.handle(message, PLENTY));
        awaitTrue(() -> fixture.jobs.find(id).orElseThrow().status() == JobStatus.IN_PROGRESS);

        // WHEN its client cancels it
        assertThat(fixture.jobs.cancel(id)).isPresent();
        long cancelledAt = System.nanoTime();

        // THEN the worker stops soon after its next heartbeat, acknowledges the message and aborts the
        // upload (the bound leaves room for a busy machine; that nothing was stored shows it stopped early)
        assertThat(running.join()).isEqualTo(JobProcessor.Outcome.DONE);
        assertThat(Duration.ofNanos(System.nanoTime() - cancelledAt)).isLessThan(Duration.ofSeconds(10));
        assertThat(fixture.jobs.find(id).orElseThrow().status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(fixture.clients.s3().listMultipartUploads(list -> list.bucket(fixture.config().bucketName())).uploads())
                .isEmpty();
        assertThat(fixture.clients.s3().listObjectsV2(list -> list.bucket(fixture.config().bucketName())).contents())
                .as("no store candidate, no result").isEmpty();
        assertThat(logs.withMessage("Job cancelled; its computation stopped")).hasSize(1);
    }

    @Test
    void aJobWhoseEveryAttemptEndsInAnErrorOfTheJvmIsReleasedWithItAndFailedAtItsAttemptLimit() {
        // GIVEN the deployed queue, short invocations, and a computation that overflows its stack
        // every time (WorkerKilledTest kills a worker process on every attempt, which says nothing)
        WorkerFixture queue = new WorkerFixture();
        QueueMessage message = queue.newJob(SMALL_JOB);
        queue.enqueue(message);
        AtomicInteger failures = new AtomicInteger();
        PiWriter overflowing = (digits, out, progress, cancelled) -> {
            failures.incrementAndGet();
            recurse(digits);
        };
        EventSourceStandIn source = new EventSourceStandIn(queue.clients.sqs(), queue.config().queueUrl(),
                queue.processor(WorkerFixture.FAST, overflowing), SHORT_INVOCATION);
        String id = WorkerFixture.jobIdOf(message);

        // WHEN the message keeps coming back
        awaitTrue(Duration.ofSeconds(90), () -> {
            try {
                source.deliverOnce();
            } catch (StackOverflowError expected) {
                // Lambda reports the invocation failed, ends the JVM, and the message comes back.
            }
            return queue.jobs.find(id).orElseThrow().status().isFinal() && queue.messagesIn(queue.config().queueUrl()) == 0;
        });

        // THEN the worker ran every attempt, each released with the error (not a silent attempt),
        // then failed the job with it, and the delivery after that took the message, before the
        // queue gave up on it
        Job job = queue.jobs.find(id).orElseThrow();
        assertThat(failures.get()).isEqualTo(JobDelivery.MAX_ATTEMPTS);
        assertThat(job.status()).isEqualTo(JobStatus.FAILED);
        assertThat(job.error()).isEqualTo("The attempt failed: StackOverflowError (attempt " + JobDelivery.MAX_ATTEMPTS
                + " of " + JobDelivery.MAX_ATTEMPTS + ")");
        assertThat(queue.messagesIn(queue.resources.deadLetterQueueUrl())).isZero();
    }

    /** Calls itself until the stack overflows. */
    private static int recurse(int depth) {
        return recurse(depth + 1) + 1;
    }

    @Test
    void poisonMessagesEndInTheDeadLetterQueue() {
        // GIVEN a queue that gives up on a message after 2 deliveries (the retry waits its first delay, 5 s)
        WorkerFixture queue = new WorkerFixture(ServiceResources.DEFAULT_VISIBILITY_TIMEOUT, 2);
        EventSourceStandIn poller = new EventSourceStandIn(queue.clients.sqs(), queue.config().queueUrl(),
                queue.processor(WorkerFixture.FAST, PiWriter.PI_CORE));
        String unknownJob = "{\"job_id\":\"0b6e3f0e-5a7c-4d2b-9f1e-2c3d4e5f6a7b\",\"digits\":10}";

        // WHEN an unreadable message and one for a job that does not exist arrive
        String garbageId = queue.clients.sqs().sendMessage(send -> send.queueUrl(queue.config().queueUrl())
                .messageBody("garbage")).messageId();
        String unknownJobId = queue.clients.sqs().sendMessage(send -> send.queueUrl(queue.config().queueUrl())
                .messageBody(unknownJob)).messageId();

        // THEN both are retried, then moved to the dead-letter queue, under the ids they were sent
        // with (which DeadLetters compares with the one a job was claimed through)
        awaitTrue(Duration.ofSeconds(60), () -> {
            poller.deliverOnce();
            return queue.messagesIn(queue.resources.deadLetterQueueUrl()) == 2;
        });
        Map<String, String> bodies = queue.clients.sqs().receiveMessage(receive -> receive
                .queueUrl(queue.resources.deadLetterQueueUrl()).maxNumberOfMessages(10)).messages().stream()
                .collect(Collectors.toMap(Message::messageId, Message::body));
        assertThat(bodies).containsExactlyInAnyOrderEntriesOf(Map.of(garbageId, "garbage", unknownJobId, unknownJob));
        assertThat(logs.withMessage("Malformed message")).isNotEmpty()
                .allSatisfy(line -> assertThat(line.path("level").asText()).isEqualTo("ERROR"));
        assertThat(logs.withMessage("No such job")).isNotEmpty()
                .allSatisfy(line -> assertThat(line.path("job_id").asText()).isEqualTo("0b6e3f0e-5a7c-4d2b-9f1e-2c3d4e5f6a7b"));
    }

    @Test
    void aMalformedMessageForAKnownJobFailsTheJob() {
        QueueMessage valid = fixture.newJob(10);
        String id = WorkerFixture.jobIdOf(valid);
        QueueMessage malformed = new QueueMessage("m1", "{\"job_id\":\"" + id + "\",\"digits\":\"ten\"}", null, 1);

        JobProcessor.Outcome outcome = fixture.processor(WorkerSettings.DEFAULT, PiWriter.PI_CORE).handle(malformed, PLENTY);

        assertThat(outcome).as("the message itself goes on to the dead-letter queue").isEqualTo(JobProcessor.Outcome.RETRY);
        Job job = fixture.jobs.find(id).orElseThrow();
        assertThat(job.status()).isEqualTo(JobStatus.FAILED);
        assertThat(job.error()).contains("malformed", "digits");
    }

    @Test
    void tooManyDigitsFailsTheJobAndAcknowledges() {
        QueueMessage message = fixture.newJob(1000);
        CountingPiWriter pi = new CountingPiWriter(PiWriter.PI_CORE);

        JobProcessor.Outcome outcome = fixture.processor(fixture.resources.withMaxDigits(100).config(), WorkerSettings.DEFAULT, pi)
                .handle(message, PLENTY);

        assertThat(outcome).isEqualTo(JobProcessor.Outcome.DONE);
        Job job = fixture.jobs.find(WorkerFixture.jobIdOf(message)).orElseThrow();
        assertThat(job.status()).isEqualTo(JobStatus.FAILED);
        assertThat(job.error()).isEqualTo("digits must be between 1 and 100, got 1000");
        assertThat(pi.runs.get()).isZero();
        assertThat(fixture.metrics()).contains("\"JobsFailed\":1.0");
    }

    @Test
    void s3FailuresAreRetriedThenFailTheJobWithTheReason() {
        // GIVEN a worker whose bucket does not exist: every upload is refused by S3
        QueueMessage message = fixture.newJob(100);
        String id = WorkerFixture.jobIdOf(message);
        ServiceConfig noBucket = TestResources.config(fixture.config().tableName(),
                fixture.config().queueUrl(), "no-such-bucket-" + id.substring(0, 8));
        JobProcessor processor = fixture.processor(noBucket, WorkerFixture.FAST, PiWriter.PI_CORE);

        // WHEN the message is delivered three times (maxAttempts)
        JobProcessor.Outcome first = processor.handle(message, PLENTY);
        Job between = fixture.jobs.find(id).orElseThrow();
        JobProcessor.Outcome second = processor.handle(message, PLENTY);
        JobProcessor.Outcome third = processor.handle(message, PLENTY);

        // THEN the first two are retried and the third fails the job for good and acknowledges
        assertThat(List.of(first, second, third)).containsExactly(
                JobProcessor.Outcome.RETRY, JobProcessor.Outcome.RETRY, JobProcessor.Outcome.DONE);
        assertThat(between.status()).isEqualTo(JobStatus.IN_PROGRESS);
        assertThat(between.error()).startsWith("Computing or storing the result failed");
        Job job = fixture.jobs.find(id).orElseThrow();
        assertThat(job.status()).isEqualTo(JobStatus.FAILED);
        assertThat(job.attempts()).isEqualTo(3);
        assertThat(job.error()).contains("Computing or storing the result failed: S3 answered 404 NoSuchBucket",
                "attempt 3 of 3");
    }

    @Test
    void aRetryAfterAnS3FailureCanStillComplete() throws IOException {
        QueueMessage message = fixture.newJob(100);
        String id = WorkerFixture.jobIdOf(message);
        String bucket = "late-bucket-" + id.substring(0, 8);
        ServiceConfig lateBucket = TestResources.config(fixture.config().tableName(), fixture.config().queueUrl(), bucket);
        JobProcessor processor = fixture.processor(lateBucket, WorkerFixture.FAST, PiWriter.PI_CORE);
        assertThat(processor.handle(message, PLENTY)).isEqualTo(JobProcessor.Outcome.RETRY);

        fixture.clients.s3().createBucket(create -> create.bucket(bucket));
        JobProcessor.Outcome retried = processor.handle(message, PLENTY);

        assertThat(retried).isEqualTo(JobProcessor.Outcome.DONE);
        Job job = fixture.jobs.find(id).orElseThrow();
        assertThat(job.status()).isEqualTo(JobStatus.COMPLETE);
        assertThat(job.error()).isNull();
        assertThat(fixture.clients.s3().getObjectAsBytes(get -> get.bucket(bucket).key(job.resultKey())).asUtf8String())
                .isEqualTo(MachinPi.text(100));
    }

    @Test
    void aResultOfTheWrongLengthIsNeverComplete() {
        QueueMessage message = fixture.newJob(100);
        PiWriter oneShort = (digits, out, progress, cancelled) -> PiDigits.write(digits - 1, out, progress, cancelled);

        JobProcessor.Outcome outcome = fixture.processor(WorkerFixture.FAST, oneShort).handle(message, PLENTY);

        assertThat(outcome).isEqualTo(JobProcessor.Outcome.RETRY);
        Job job = fixture.jobs.find(WorkerFixture.jobIdOf(message)).orElseThrow();
        assertThat(job.status()).isEqualTo(JobStatus.IN_PROGRESS);
        assertThat(job.error()).matches(
                "The computed digits failed the store's checks: store/pi-100-[0-9a-f-]{36}\\.txt has 101 bytes instead of 102");
        assertThat(fixture.digitStore(fixture.config()).state().digits()).as("the store is left as it was").isZero();
    }

    @Test
    void aJobThatCannotFinishInTimeFailsAtOnce() {
        QueueMessage message = fixture.newJob(5_000_000);
        CountingPiWriter pi = new CountingPiWriter(PiWriter.PI_CORE);

        JobProcessor.Outcome outcome = fixture.processor(WorkerSettings.DEFAULT, pi)
                .handle(message, WorkerFixture.deadlineAfter(WorkerSettings.DEFAULT.cleanupReserve().plusSeconds(4)));

        assertThat(outcome).isEqualTo(JobProcessor.Outcome.DONE);
        assertThat(pi.runs.get()).isZero();
        Job job = fixture.jobs.find(WorkerFixture.jobIdOf(message)).orElseThrow();
        assertThat(job.status()).isEqualTo(JobStatus.FAILED);
        assertThat(job.error()).matches("Computing 5000000 digits takes about \\d+ s here, more than the worker's [1-5] s; ask for fewer digits");
    }

    @Test
    void aComputationNearingTheDeadlineIsCancelledAndFailedCleanly() {
        // GIVEN a model that underestimates, so a long job starts with 3 s to go
        WorkerSettings optimistic = WorkerFixture.withTimeModel(WorkerFixture.FAST, new ComputeTimeModel(0, 0.001, 1));
        QueueMessage message = fixture.newJob(5_000_000);
        long started = System.nanoTime();

        JobProcessor.Outcome outcome = fixture.processor(optimistic, PiWriter.PI_CORE)
                .handle(message, WorkerFixture.deadlineAfter(Duration.ofSeconds(3)));

        // THEN pi-core is stopped before the deadline (it would take some 10 s more: the room is for a busy
        // machine's cleanup), the job is failed with the reason, no object is left
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(8));
        assertThat(outcome).isEqualTo(JobProcessor.Outcome.DONE);
        Job job = fixture.jobs.find(WorkerFixture.jobIdOf(message)).orElseThrow();
        assertThat(job.status()).isEqualTo(JobStatus.FAILED);
        assertThat(job.error()).startsWith("Ran out of time after ");
        assertThat(fixture.store(fixture.config()).size(ResultStore.resultKey(job.jobId(), job.digits()))).isEmpty();
        assertThat(fixture.clients.s3().listMultipartUploads(list -> list.bucket(fixture.config().bucketName())).uploads())
                .isEmpty();
    }

    @Test
    void aLaterMessageOfABatchWithoutEnoughTimeLeftIsRetried() {
        // Each job needs 4.5 s left (an estimate of 3 s and the 1.5 s cleanup reserve): the first
        // has 6.5 s, 2 s to spare, and the second, 4 s later, has 2 s too few. The first job's
        // computation does not stop for the reserve, which it reaches during its pause.
        WorkerSettings settings = WorkerFixture.withTimeModel(WorkerFixture.FAST, new ComputeTimeModel(3, 0, 1));
        QueueMessage slow = fixture.newJob(20);
        // (longer than the first: the store would serve a second job of 20 digits with no time at all)
        QueueMessage next = fixture.newJob(50);
        PiWriter takesFourSeconds = (digits, out, progress, cancelled) -> {
            CountingPiWriter.pause(Duration.ofSeconds(4));
            PiDigits.write(digits, out, progress, () -> false);
        };

        List<String> retry = fixture.processor(settings, takesFourSeconds)
                .process(List.of(slow, next), WorkerFixture.deadlineAfter(Duration.ofMillis(6500)));

        assertThat(retry).containsExactly(next.messageId());
        assertThat(fixture.jobs.find(WorkerFixture.jobIdOf(slow)).orElseThrow().status()).isEqualTo(JobStatus.COMPLETE);
        Job retried = fixture.jobs.find(WorkerFixture.jobIdOf(next)).orElseThrow();
        assertThat(retried.status()).as("not claimed, so no attempt spent").isEqualTo(JobStatus.QUEUED);
        assertThat(retried.attempts()).isZero();
        assertThat(fixture.jobs.claim(retried.jobId(), "next-invocation", settings.staleAfter()))
                .as("free for the next invocation at once").isInstanceOf(ClaimResult.Claimed.class);
    }

    @Test
    void progressIsRecordedWhileComputing() {
        QueueMessage message = fixture.newJob(100);
        String id = WorkerFixture.jobIdOf(message);
        PiWriter halfwayThenWait = (digits, out, progress, cancelled) -> {
            progress.update(0.5, "series");
            awaitTrue(() -> fixture.jobs.find(id).orElseThrow().progress() == 0.5);
            PiDigits.write(digits, out, progress, cancelled);
        };

        assertThat(fixture.processor(WorkerFixture.FAST, halfwayThenWait).handle(message, PLENTY))
                .isEqualTo(JobProcessor.Outcome.DONE);
    }

    private String storedResult(Job job) throws IOException {
        try (InputStream in = fixture.clients.s3().getObject(get -> get.bucket(fixture.config().bucketName())
                .key(job.resultKey()))) {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
    }
}
