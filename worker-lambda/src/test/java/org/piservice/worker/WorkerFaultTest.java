package org.piservice.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.piservice.jobs.testing.Await.awaitTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.piservice.contract.JobDelivery;
import org.piservice.contract.Storage;
import org.piservice.core.ComputeTimeModel;
import org.piservice.core.PiDigits;
import org.piservice.jobs.AwsClients;
import org.piservice.jobs.ClaimResult;
import org.piservice.jobs.Job;
import org.piservice.jobs.JobStatus;
import org.piservice.jobs.testing.Emulators;
import org.piservice.jobs.testing.FaultProxy;
import org.piservice.jobs.testing.FaultProxy.Fault;
import org.piservice.jobs.testing.LogCapture;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemResponse;

/**
 * Faults on the wire, injected by {@link FaultProxy}s between the worker's own SDK clients (with
 * its call budgets) and the embedded emulators: DynamoDB throttling, outages, a hung call, a late
 * answer and a lost one, S3 {@code SlowDown} on the multipart upload, S3 failing every copy of a
 * result from the digit store, and S3 slow to read. The queue is the deployed one (90-minute visibility
 * timeout), so a retry that comes back within seconds came back by the worker's backoff.
 */
class WorkerFaultTest {

    /** When the leases these tests take end at the latest: as an invocation's, long before any of their jobs is due. */
    private static final Instant LEASE_ENDS_BY = Instant.now().plus(Duration.ofMinutes(15));

    /** Enough digits for two parts of S3's smallest size. */
    private static final int MULTIPART_DIGITS = 5_300_000;
    private static final Duration FIRST_RETRY_WAIT = Duration.ofSeconds(15);
    /**
     * How old a rival takes a heartbeat to be before it takes over: twenty-five of the worker's
     * beats, as a busy machine can stall one for a second or more.
     */
    private static final Duration RIVAL_STALE_AFTER = WorkerFixture.FAST.heartbeatInterval().multipliedBy(25);
    /**
     * When the rival asks, after the slow step began: long past a heartbeat's staleness should the
     * worker's have stopped, and well before the step (8 s) ends, when its holds are released.
     */
    private static final Duration RIVAL_ASKS_AFTER = RIVAL_STALE_AFTER.multipliedBy(2);

    private static FaultProxy dynamoDb;
    private static FaultProxy s3;
    private static AwsClients faulty;
    private static byte[] multipartDigits;

    private final WorkerFixture fixture = new WorkerFixture();

    @RegisterExtension
    final LogCapture logs = new LogCapture();

    @BeforeAll
    static void startProxies() throws IOException {
        Map<String, String> settings = new HashMap<>(Emulators.aws().clientSettings());
        dynamoDb = FaultProxy.start(URI.create(settings.get("AWS_ENDPOINT_URL_DYNAMODB")));
        s3 = FaultProxy.start(URI.create(settings.get("AWS_ENDPOINT_URL_S3")));
        settings.put("AWS_ENDPOINT_URL_DYNAMODB", dynamoDb.endpoint().toString());
        settings.put("AWS_ENDPOINT_URL_S3", s3.endpoint().toString());
        faulty = AwsClients.fromSettings(settings, WorkerClients.BUDGETS);
    }

    @AfterEach
    void reset() {
        dynamoDb.reset();
        s3.reset();
    }

    @AfterAll
    static void stopProxies() {
        faulty.close();
        dynamoDb.close();
        s3.close();
    }

    @Test
    void aThrottledClaimIsRetriedWithinSecondsAndTheJobCompletes() {
        // GIVEN a table that throttles every claim
        dynamoDb.injectAlways(request -> request.isDynamoDb("UpdateItem") && isClaim(request), Fault.dynamoDbThrottling());
        QueueMessage message = fixture.newJob(300);
        fixture.enqueue(message);
        EventSourceStandIn worker = worker(PiWriter.PI_CORE);

        // WHEN the message is delivered, then the throttling ends
        worker.deliverOnce();
        assertThat(dynamoDb.faulted()).hasSizeGreaterThanOrEqualTo(WorkerClients.BUDGETS.dynamoDb().maxAttempts());
        dynamoDb.heal();

        // THEN the message comes back after the first retry delay, not the visibility timeout, and the job completes
        String id = WorkerFixture.jobIdOf(message);
        awaitTrue(FIRST_RETRY_WAIT, () -> {
            worker.deliverOnce();
            return fixture.jobs.find(id).orElseThrow().status() == JobStatus.COMPLETE;
        });
        assertThat(fixture.jobs.find(id).orElseThrow().attempts()).isEqualTo(1);
    }

    @Test
    void aDynamoDbOutageAtCompletionOfTheLastAttemptIsRetriedAndCompletesWithoutComputingAgain() {
        // GIVEN a job on its last attempt (two given back before), and DynamoDB failing its completion
        QueueMessage message = fixture.newJob(400);
        String id = WorkerFixture.jobIdOf(message);
        for (int attempt = 1; attempt < JobDelivery.MAX_ATTEMPTS; attempt++) {
            assertThat(fixture.jobs.claim(id, "earlier", message.messageId(), WorkerFixture.FAST.staleAfter()))
                    .isInstanceOf(ClaimResult.Claimed.class);
            assertThat(fixture.jobs.release(id, "earlier", "given back")).isTrue();
        }
        dynamoDb.injectAlways(request -> request.isDynamoDb("UpdateItem") && request.bodyText().contains(":complete"),
                Fault.dynamoDbOutage());
        fixture.enqueue(message);
        CountingPiWriter pi = new CountingPiWriter(PiWriter.PI_CORE);
        EventSourceStandIn worker = worker(pi);

        // WHEN it is delivered, THEN it is released for another claim, not failed with its result stored whole
        worker.deliverOnce();
        Job released = fixture.jobs.find(id).orElseThrow();
        assertThat(released.status()).isEqualTo(JobStatus.IN_PROGRESS);
        assertThat(released.attempts()).isEqualTo(JobDelivery.MAX_ATTEMPTS);
        assertThat(released.error()).as("released for the retry, not left to go stale")
                .startsWith("Recording the job complete failed: DynamoDb answered 500 InternalServerError");
        dynamoDb.heal();

        // AND once DynamoDB is back, the next claim completes it from its stored result
        awaitTrue(FIRST_RETRY_WAIT, () -> {
            worker.deliverOnce();
            return fixture.jobs.find(id).orElseThrow().status() == JobStatus.COMPLETE;
        });
        assertThat(pi.runs.get()).isEqualTo(1);
        assertThat(logs.withMessage("The job's result is stored whole already")).hasSize(1);
        assertThat(fixture.metrics()).as("its completion, counted once").contains("\"JobsServedFromStore\":1.0");
    }

    @Test
    void aDigitStoreLeaseThatCannotBeReleasedLapsesAndTheJobCompletesOnItsFirstDelivery() {
        // GIVEN a table that fails every release of the digit store's lease
        dynamoDb.injectAlways(request -> request.isDynamoDb("UpdateItem") && request.bodyText().contains("REMOVE #leaseDigits"),
                Fault.dynamoDbOutage());

        // WHEN a job is delivered
        Job job = afterOneDelivery(400);

        // THEN it is complete, its message gone, and the lease left to lapse
        assertThat(job.status()).isEqualTo(JobStatus.COMPLETE);
        assertThat(job.attempts()).isEqualTo(1);
        assertThat(fixture.messagesIn(fixture.config().queueUrl())).isZero();
        assertThat(dynamoDb.faulted()).isNotEmpty();
    }

    @Test
    void anS3FailureRightAfterTheClaimReleasesTheJobWithTheReason() {
        // GIVEN S3 that fails every look at a result object, which the worker makes once it has claimed a job
        s3.injectAlways(request -> request.method().equals("HEAD") && request.target().contains("/" + Storage.RESULT_PREFIX),
                Fault.s3InternalError());

        // WHEN a job is delivered
        Job job = afterOneDelivery(400);

        // THEN it is released for its retry, saying why, not held by a claim no one holds
        assertThat(job.status()).isEqualTo(JobStatus.IN_PROGRESS);
        assertThat(job.releasedAt()).isNotNull();
        assertThat(job.error()).startsWith("The attempt failed: S3 answered 500");
    }

    @Test
    void aRefusalByAwsIsToldTheJobsClientWithoutWhatItsMessageNames() {
        // GIVEN S3 that refuses every result the worker stores, naming the account, role and object
        s3.injectAlways(request -> request.method().equals("PUT") && request.target().contains("/" + Storage.RESULT_PREFIX),
                Fault.s3AccessDenied());

        // WHEN a job is delivered
        Job job = afterOneDelivery(400);

        // THEN the reason its client reads says which service refused and how, and nothing of what
        assertThat(job.status()).isEqualTo(JobStatus.IN_PROGRESS);
        assertThat(job.error()).endsWith(" failed: S3 answered 403 AccessDenied").doesNotContain("arn:", "123456789012");
    }

    @Test
    void aJobWhoseDigitsAreSlowToStoreKeepsItsClaimMeanwhile() {
        // GIVEN S3 that answers every look at a digit store object 8 s late (within an attempt's 10 s),
        // and a rival worker that takes a claim whose heartbeat is older than 3 s for dead: thirty of
        // the worker's beats, so that only heartbeats that stopped, not a slow one, let the rival in
        s3.injectAlways(request -> request.method().equals("HEAD") && request.target().contains("/" + Storage.DIGIT_STORE_PREFIX),
                Fault.late(Duration.ofSeconds(8)));
        Duration rivalStaleAfter = Duration.ofSeconds(3);
        QueueMessage message = fixture.newJob(400);
        fixture.enqueue(message);
        String id = WorkerFixture.jobIdOf(message);
        CompletableFuture<Void> delivery = CompletableFuture.runAsync(worker(PiWriter.PI_CORE)::deliverOnce);

        // WHEN another worker tries to claim the job while its computed digits are being stored
        awaitTrue(Duration.ofSeconds(30), () -> !s3.faulted().isEmpty());
        CountingPiWriter.pause(Duration.ofSeconds(5));
        ClaimResult rival = fixture.jobs.claim(id, "rival", rivalStaleAfter);
        delivery.join();

        // THEN the job was still held, and completed on its one attempt
        assertThat(rival).isInstanceOf(ClaimResult.Busy.class);
        Job job = fixture.jobs.find(id).orElseThrow();
        assertThat(job.status()).isEqualTo(JobStatus.COMPLETE);
        assertThat(job.attempts()).isEqualTo(1);
    }

    @Test
    void aJobWhoseCopyFromTheStoreIsSlowKeepsItsClaimMeanwhile() {
        // GIVEN a digit store of 1,000 digits, S3 that takes every job result 8 s late, and the rival
        // of the test above
        EventSourceStandIn worker = worker(PiWriter.PI_CORE);
        fixture.enqueue(fixture.newJob(1_000));
        worker.deliverOnce();
        s3.injectAlways(request -> request.method().equals("PUT") && request.target().contains("/" + Storage.RESULT_PREFIX),
                Fault.late(Duration.ofSeconds(8)));
        QueueMessage message = fixture.newJob(400);
        fixture.enqueue(message);
        String id = WorkerFixture.jobIdOf(message);
        CompletableFuture<Void> delivery = CompletableFuture.runAsync(worker::deliverOnce);

        // WHEN the rival tries to claim the job while its digits are copied from the store
        awaitTrue(Duration.ofSeconds(30), () -> !s3.faulted().isEmpty());
        CountingPiWriter.pause(Duration.ofSeconds(5));
        ClaimResult rival = fixture.jobs.claim(id, "rival", Duration.ofSeconds(3));
        delivery.join();

        // THEN the job was still held, and completed from the store on its one attempt
        assertThat(rival).isInstanceOf(ClaimResult.Busy.class);
        Job job = fixture.jobs.find(id).orElseThrow();
        assertThat(job.status()).isEqualTo(JobStatus.COMPLETE);
        assertThat(job.attempts()).isEqualTo(1);
        assertThat(fixture.metrics()).contains("\"JobsServedFromStore\":1.0");
    }

    @Test
    void aComputationWhoseJobHeartbeatsFailKeepsTheStoresLease() {
        // GIVEN a computation of 8 s, and a table that refuses every heartbeat of its job with an
        // error the SDK does not retry (retried, a beat could outlast the lease's staleness here)
        QueueMessage message = fixture.newJob(2000);
        dynamoDb.injectAlways(request -> request.isDynamoDb("UpdateItem") && request.bodyText().contains(":progress"),
                Fault.dynamoDbRefusal());
        PiWriter slow = (digits, out, progress, cancelled) -> {
            CountingPiWriter.pause(Duration.ofSeconds(8));
            PiWriter.PI_CORE.write(digits, out, progress, cancelled);
        };

        // WHEN a rival asks for the store's lease once those heartbeats have failed for longer than
        // an unbeaten lease lives
        During<Boolean> rivalLease = whileDelivering(message, slow, dynamoDb, () -> {
            CountingPiWriter.pause(RIVAL_ASKS_AFTER);
            return fixture.digitStore(fixture.config()).takeLease("rival", 4000, 2000, LEASE_ENDS_BY, RIVAL_STALE_AFTER);
        });

        // THEN the lease's heartbeats went on: the rival did not get it, and the job completed
        assertThat(rivalLease.meanwhile()).isFalse();
        assertThat(rivalLease.outcome()).isEqualTo(JobProcessor.Outcome.DONE);
    }

    @Test
    void aFailureWhoseAnswerWasLostIsCountedAsTheWorkersOwn() {
        // GIVEN a job past its deadline, and a table that loses its answer to the job's failure
        QueueMessage message = fixture.newJobDueIn(Duration.ofSeconds(-1), 100);
        dynamoDb.inject(request -> request.isDynamoDb("UpdateItem") && request.bodyText().contains(":failed"),
                Fault.lostAnswer(), 1);

        // WHEN its message is delivered
        JobProcessor.Outcome outcome = handle(message);

        // THEN the SDK's second try, refused by the first one's effect, counts the failure all the same
        assertThat(dynamoDb.faulted()).hasSize(1);
        assertThat(outcome).isEqualTo(JobProcessor.Outcome.DONE);
        assertThat(fixture.jobs.find(WorkerFixture.jobIdOf(message)).orElseThrow().status()).isEqualTo(JobStatus.FAILED);
        assertThat(fixture.metrics()).contains("\"JobsOverdue\":1.0", "\"JobsFailed\":1.0");
    }

    @Test
    void aJobCancelledWhileItsCompletionIsOnTheWayIsNotCountedComplete() {
        // GIVEN a job the digit store covers, whose completion the table takes late
        QueueMessage message = jobCoveredByTheStoreCompletedLate();

        // WHEN the job is cancelled while its completion is on the way
        During<Optional<Job>> cancelled = whileDelivering(message, PiWriter.PI_CORE, dynamoDb,
                () -> fixture.jobs.cancel(WorkerFixture.jobIdOf(message)));

        // THEN its message is done with, and no completion is counted
        assertThat(cancelled.meanwhile()).isPresent();
        assertThat(cancelled.outcome()).isEqualTo(JobProcessor.Outcome.DONE);
        assertThat(logs.withMessage("Job ended before it could be completed (cancelled)")).hasSize(1);
        assertThat(fixture.metrics()).doesNotContain("JobsServedFromStore");
    }

    @Test
    void aJobDeletedWhileItsCompletionIsOnTheWayIsNoSuchJob() {
        // GIVEN a job the digit store covers, whose completion the table takes late
        QueueMessage message = jobCoveredByTheStoreCompletedLate();

        // WHEN its record is deleted while its completion is on the way
        During<DeleteItemResponse> deleted = whileDelivering(message, PiWriter.PI_CORE, dynamoDb,
                () -> fixture.clients.dynamoDb().deleteItem(delete -> delete.tableName(fixture.config().tableName())
                        .key(Map.of(Storage.TABLE_KEY, AttributeValue.fromS(WorkerFixture.jobIdOf(message))))));

        // THEN the message is left for the dead-letter queue, as one whose job never existed
        assertThat(deleted.outcome()).isEqualTo(JobProcessor.Outcome.RETRY);
        assertThat(logs.withMessage("No such job")).hasSize(1);
        assertThat(logs.withMessage("Another worker holds the job")).isEmpty();
        assertThat(fixture.metrics()).doesNotContain("JobsServedFromStore");
    }

    /**
     * A job of 400 digits, after one of 1,000 made the digit store; the table holds its completion
     * for most of an attempt's timeout, within which the SDK sends it once.
     */
    private QueueMessage jobCoveredByTheStoreCompletedLate() {
        QueueMessage first = fixture.newJob(1_000);
        assertThat(handle(first)).isEqualTo(JobProcessor.Outcome.DONE);
        dynamoDb.injectAlways(request -> request.isDynamoDb("UpdateItem") && request.bodyText().contains(":complete"),
                Fault.late(WorkerClients.BUDGETS.dynamoDb().attemptTimeout().minusMillis(500)));
        return fixture.newJob(400);
    }

    /** What a test did while a delivery ran, and how the delivery ended. */
    private record During<T>(T meanwhile, JobProcessor.Outcome outcome) {
    }

    /**
     * Delivers {@code message} to a worker computing with {@code pi} in the background, and once
     * {@code proxy} has faulted a request of it, does {@code meanwhile}.
     */
    private <T> During<T> whileDelivering(QueueMessage message, PiWriter pi, FaultProxy proxy, Supplier<T> meanwhile) {
        try (JobProcessor processor = fixture.processorOn(faulty, WorkerFixture.FAST, pi)) {
            CompletableFuture<JobProcessor.Outcome> delivery = CompletableFuture.supplyAsync(
                    () -> processor.handle(message, WorkerFixture.deadlineAfter(Duration.ofMinutes(2))));
            awaitTrue(Duration.ofSeconds(30), () -> !proxy.faulted().isEmpty());
            T seen = meanwhile.get();
            return new During<>(seen, delivery.join());
        }
    }

    private JobProcessor.Outcome handle(QueueMessage message) {
        try (JobProcessor processor = fixture.processorOn(faulty, WorkerFixture.FAST, PiWriter.PI_CORE)) {
            return processor.handle(message, WorkerFixture.deadlineAfter(Duration.ofMinutes(2)));
        }
    }

    @Test
    void aJobWhoseLeftOverDigitsAreSlowToOfferKeepsItsClaimAndLeaseMeanwhile() throws IOException {
        // GIVEN 6000 digits that a computation wrote but did not store, and S3 that answers every
        // read of them late (within an attempt's 10 s)
        String leftOver = fixture.digitStore(fixture.config()).write(6000, out -> PiDigits.write(6000, out)).key();
        s3.injectAlways(request -> request.method().equals("GET") && request.target().contains(leftOver),
                Fault.late(Duration.ofSeconds(8)));
        CountingPiWriter pi = new CountingPiWriter(PiWriter.PI_CORE);
        QueueMessage message = fixture.newJob(3000);
        String id = WorkerFixture.jobIdOf(message);

        // WHEN a rival tries to claim the job, and to take the computation's lease, while those
        // digits are offered
        record Rival(ClaimResult claim, boolean lease) {
        }
        During<Rival> rival = whileDelivering(message, pi, s3, () -> {
            CountingPiWriter.pause(RIVAL_ASKS_AFTER);
            return new Rival(fixture.jobs.claim(id, "rival", RIVAL_STALE_AFTER),
                    fixture.digitStore(fixture.config()).takeLease("rival", 6000, 3000, LEASE_ENDS_BY, RIVAL_STALE_AFTER));
        });

        // THEN both were still held, and the job was completed from those digits on its one attempt
        assertThat(rival.meanwhile().claim()).isInstanceOf(ClaimResult.Busy.class);
        assertThat(rival.meanwhile().lease()).isFalse();
        assertThat(rival.outcome()).isEqualTo(JobProcessor.Outcome.DONE);
        assertThat(pi.runs).hasValue(0);
        assertThat(fixture.digitStore(fixture.config()).state().digits()).isEqualTo(6000);
        Job job = fixture.jobs.find(id).orElseThrow();
        assertThat(job.status()).isEqualTo(JobStatus.COMPLETE);
        assertThat(job.attempts()).isEqualTo(1);
    }

    @Test
    void aReplacedDigitStoreObjectThatCannotBeDeletedLeavesTheJobComplete() {
        // GIVEN a digit store of 1,000 digits, and S3 that fails every delete in the store
        EventSourceStandIn worker = worker(PiWriter.PI_CORE);
        QueueMessage first = fixture.newJob(1_000);
        fixture.enqueue(first);
        worker.deliverOnce();
        assertThat(fixture.jobs.find(WorkerFixture.jobIdOf(first)).orElseThrow().status()).isEqualTo(JobStatus.COMPLETE);
        String replaced = fixture.digitStore(fixture.config()).state().key();
        s3.injectAlways(request -> request.method().equals("DELETE") && request.target().contains("/" + Storage.DIGIT_STORE_PREFIX),
                Fault.s3InternalError());

        // WHEN a longer job is computed, replacing the store
        QueueMessage longer = fixture.newJob(5_000);
        fixture.enqueue(longer);
        worker.deliverOnce();

        // THEN it is complete on its first attempt, the store holds its digits, the old object stays behind
        Job job = fixture.jobs.find(WorkerFixture.jobIdOf(longer)).orElseThrow();
        assertThat(job.status()).isEqualTo(JobStatus.COMPLETE);
        assertThat(job.attempts()).isEqualTo(1);
        assertThat(fixture.digitStore(fixture.config()).state().digits()).isEqualTo(5_000);
        assertThat(fixture.store(fixture.config()).size(replaced)).isPresent();
        assertThat(s3.faulted()).isNotEmpty();
    }

    @Test
    void aMalformedMessageWhoseJobCannotBeFailedIsOneRetryNotAFailedInvocation() {
        // GIVEN a malformed message that names a job, and a table that fails every write
        dynamoDb.injectAlways(request -> request.isDynamoDb("UpdateItem"), Fault.dynamoDbOutage());
        String id = WorkerFixture.jobIdOf(fixture.newJob(10));
        QueueMessage malformed = new QueueMessage("m1", "{\"job_id\":\"" + id + "\",\"digits\":\"ten\"}", null, 1);

        // WHEN it is handled
        JobProcessor.Outcome outcome = handle(malformed);

        // THEN it is left for the dead-letter queue as any malformed message, the job as it was
        assertThat(outcome).isEqualTo(JobProcessor.Outcome.RETRY);
        assertThat(dynamoDb.faulted()).isNotEmpty();
        assertThat(fixture.jobs.find(id).orElseThrow().status()).isEqualTo(JobStatus.QUEUED);
    }

    @Test
    void anS3FailureWhileTheComputedDigitsAreOfferedReleasesTheJobForItsRetry() {
        // GIVEN an S3 that fails every look at a digit store's object (the offer's check of its length)
        s3.injectAlways(request -> request.method().equals("HEAD")
                && request.target().contains("/" + Storage.DIGIT_STORE_PREFIX), Fault.s3InternalError());
        QueueMessage message = fixture.newJob(500);
        fixture.enqueue(message);
        EventSourceStandIn worker = worker(PiWriter.PI_CORE);

        // WHEN the job is computed
        worker.deliverOnce();

        // THEN it is released with the reason, to come back after the first retry delay
        Job released = fixture.jobs.find(WorkerFixture.jobIdOf(message)).orElseThrow();
        assertThat(s3.faulted()).isNotEmpty();
        assertThat(released.status()).isEqualTo(JobStatus.IN_PROGRESS);
        assertThat(released.error()).startsWith("Storing the computed digits failed: ");
        assertThat(fixture.jobs.claim(released.jobId(), "another-worker", Duration.ofMinutes(1)))
                .as("no worker holds it").isInstanceOf(ClaimResult.Claimed.class);

        // AND once S3 has healed, the retry stores the digits the first attempt uploaded, without computing them
        s3.heal();
        CountingPiWriter pi = new CountingPiWriter(PiWriter.PI_CORE);
        EventSourceStandIn retry = worker(pi);
        awaitTrue(FIRST_RETRY_WAIT, () -> {
            retry.deliverOnce();
            return fixture.jobs.find(released.jobId()).orElseThrow().status() == JobStatus.COMPLETE;
        });
        assertThat(pi.runs).hasValue(0);
        assertThat(fixture.digitStore(fixture.config()).state().digits()).isEqualTo(500);
    }

    @Test
    void aHungHeartbeatGivesWayToTheNextOneSoTheJobIsNotTakenOver() {
        // GIVEN a heartbeat that hangs far longer than the job's staleness, and a job that computes for 8 s
        dynamoDb.inject(request -> request.isDynamoDb("UpdateItem") && request.bodyText().contains(":progress"),
                Fault.hang(Duration.ofSeconds(60)), 1);
        WorkerSettings settings = new WorkerSettings(Duration.ofMillis(200), Duration.ofSeconds(5), 3,
                WorkerFixture.FAST.cleanupReserve(), WorkerFixture.FAST.finishReserve(), WorkerSettings.DEFAULT.timeModel(),
                WorkerSettings.DEFAULT.heapBytes(), WorkerSettings.DEFAULT.memoryBytes());
        PiWriter slow = (digits, out, progress, cancelled) -> {
            CountingPiWriter.pause(Duration.ofSeconds(8));
            PiDigits.write(digits, out, progress, cancelled);
        };
        QueueMessage message = fixture.newJob(100);
        String id = WorkerFixture.jobIdOf(message);

        // WHEN the worker runs, and another worker tries to claim the job after the staleness
        CompletableFuture<JobProcessor.Outcome> running;
        try (JobProcessor processor = fixture.processorOn(faulty, settings, slow)) {
            running = CompletableFuture.supplyAsync(() -> processor.handle(message, WorkerFixture.deadlineAfter(Duration.ofMinutes(2))));
            CountingPiWriter.pause(Duration.ofSeconds(6));
            ClaimResult rival = fixture.jobs.claim(id, "rival", settings.staleAfter());

            // THEN the job's heartbeat is fresh, the rival is refused, and the one computation completes the job
            assertThat(rival).isInstanceOf(ClaimResult.Busy.class);
            assertThat(running.join()).isEqualTo(JobProcessor.Outcome.DONE);
        }
        assertThat(dynamoDb.faulted()).hasSize(1);
        Job job = fixture.jobs.find(id).orElseThrow();
        assertThat(job.status()).isEqualTo(JobStatus.COMPLETE);
        assertThat(job.attempts()).isEqualTo(1);
    }

    @Test
    void uploadPartSlowDownAndAThrottledReleaseEndInARetryThatCompletes() {
        // GIVEN S3 that refuses every part, and a table that throttles the worker's release of the job
        s3.injectAlways(FaultProxy.Request::isUploadPart, Fault.s3SlowDown());
        dynamoDb.injectAlways(request -> request.isDynamoDb("UpdateItem") && request.bodyText().contains("#heartbeatAt = :zero"),
                Fault.dynamoDbThrottling());
        assertMultipartJobCompletesAfterHealing();
        // the release was tried, and throttled: the retry came by the heartbeat going stale
        assertThat(dynamoDb.faulted()).isNotEmpty();
    }

    @Test
    void completeMultipartUploadSlowDownEndsInARetryThatCompletes() {
        s3.injectAlways(FaultProxy.Request::isCompleteMultipartUpload, Fault.s3SlowDown());
        assertMultipartJobCompletesAfterHealing();
    }

    /** S3 refusing every copy of a result, or the store's object cut short (a hand, a faulty copy): either fails each copy. */
    @ParameterizedTest
    @ValueSource(strings = {"S3 refuses every result", "the store's object lost its end"})
    void aResultCopyThatKeepsFailingFailsTheJobAtItsAttemptLimitWithTheReason(String fault) {
        // GIVEN a digit store of 2,000 digits, and then the fault
        CountingPiWriter pi = new CountingPiWriter(PiWriter.PI_CORE);
        EventSourceStandIn worker = worker(pi);
        QueueMessage first = fixture.newJob(2_000);
        fixture.enqueue(first);
        worker.deliverOnce();
        assertThat(fixture.jobs.find(WorkerFixture.jobIdOf(first)).orElseThrow().status()).isEqualTo(JobStatus.COMPLETE);
        boolean s3Refuses = fault.startsWith("S3");
        if (s3Refuses) {
            s3.injectAlways(request -> request.method().equals("PUT") && request.target().contains("/" + Storage.RESULT_PREFIX),
                    Fault.s3InternalError());
        } else {
            fixture.clients.s3().putObject(put -> put.bucket(fixture.config().bucketName())
                    .key(fixture.digitStore(fixture.config()).state().key()), RequestBody.fromString("3.14159"));
        }

        // WHEN a job the store covers is delivered, and again after each retry delay
        QueueMessage served = fixture.newJob(1_000);
        fixture.enqueue(served);
        String id = WorkerFixture.jobIdOf(served);
        awaitTrue(Duration.ofSeconds(90), () -> {
            worker.deliverOnce();
            return fixture.jobs.find(id).orElseThrow().status() == JobStatus.FAILED;
        });

        // THEN it failed after its attempts, saying why, its message is gone (not left for the
        // dead-letter queue), and nothing was computed again
        Job job = fixture.jobs.find(id).orElseThrow();
        assertThat(job.attempts()).isEqualTo(JobDelivery.MAX_ATTEMPTS);
        assertThat(job.errorMessage()).hasValueSatisfying(error -> assertThat(error)
                .startsWith("Copying the job's digits from the digit store failed: "
                        + (s3Refuses ? "S3 answered 500 InternalError" : Storage.RESULT_PREFIX))
                .endsWith("(attempt " + JobDelivery.MAX_ATTEMPTS + " of " + JobDelivery.MAX_ATTEMPTS + ")"));
        assertThat(fixture.messagesIn(fixture.config().queueUrl())).isZero();
        assertThat(pi.runs.get()).isEqualTo(1);
        if (s3Refuses) {
            assertThat(s3.faulted()).hasSizeGreaterThanOrEqualTo(JobDelivery.MAX_ATTEMPTS);
        }
    }

    @Test
    void aWaitingJobWhoseCopyFailsWhenItsComputationEndsKeepsTheAttemptsItHasLeft() throws Exception {
        // GIVEN a job that two deliveries claimed and gave back, one attempt left
        QueueMessage waiting = fixture.newJob(2_000);
        String id = WorkerFixture.jobIdOf(waiting);
        for (int attempt = 1; attempt < JobDelivery.MAX_ATTEMPTS; attempt++) {
            assertThat(fixture.jobs.claim(id, "earlier", waiting.messageId(), JobDelivery.STALE_AFTER))
                    .isInstanceOf(ClaimResult.Claimed.class);
            assertThat(fixture.jobs.release(id, "earlier", "An earlier attempt failed")).isTrue();
        }
        // AND a computation of 3,000 digits, on a worker behind the proxies, held until the test lets it go
        CountDownLatch computing = new CountDownLatch(1);
        CountDownLatch proceed = new CountDownLatch(1);
        PiWriter held = (digits, out, progress, cancelled) -> {
            computing.countDown();
            awaitTrue(Duration.ofMinutes(2), () -> proceed.getCount() == 0);
            PiWriter.PI_CORE.write(digits, out, progress, cancelled);
        };
        QueueMessage running = fixture.newJob(3_000);
        CompletableFuture<JobProcessor.Outcome> computation;
        try (JobProcessor computer = fixture.processorOn(faulty, WorkerFixture.UNHURRIED, held)) {
            computation = CompletableFuture.supplyAsync(() -> computer.handle(running, WorkerFixture.deadlineAfter(Duration.ofMinutes(2))));
            assertThat(computing.await(30, TimeUnit.SECONDS)).isTrue();
            // AND the job waiting for it, its delivery listed on the computation
            assertThat(fixture.processor(WorkerFixture.UNHURRIED, PiWriter.PI_CORE).handle(waiting, WorkerFixture.deadlineAfter(Duration.ofMinutes(2))))
                    .isEqualTo(JobProcessor.Outcome.RETRY);
            assertThat(fixture.digitStore(fixture.config()).state().waiting()).hasSize(1);

            // WHEN the computation ends, and S3 refuses the waiting job's copy
            s3.injectAlways(request -> request.method().equals("PUT") && request.target().contains(id),
                    Fault.s3InternalError());
            proceed.countDown();
            assertThat(computation.get(60, TimeUnit.SECONDS)).isEqualTo(JobProcessor.Outcome.DONE);
        }

        // THEN the waiting job is given back with the reason and the attempt it had left, not failed
        Job job = fixture.jobs.find(id).orElseThrow();
        assertThat(job.status()).isEqualTo(JobStatus.IN_PROGRESS);
        assertThat(job.releasedAt()).as("released").isNotNull();
        assertThat(job.attempts()).isEqualTo(JobDelivery.MAX_ATTEMPTS - 1);
        assertThat(job.errorMessage()).hasValueSatisfying(error ->
                assertThat(error).startsWith("Copying the job's digits from the digit store failed: "));
        assertThat(s3.faulted()).isNotEmpty();
        // AND once S3 takes writes again, its own message's next delivery completes it from the store
        s3.reset();
        assertThat(fixture.processor(WorkerFixture.FAST, PiWriter.PI_CORE).handle(waiting, WorkerFixture.deadlineAfter(Duration.ofMinutes(2))))
                .isEqualTo(JobProcessor.Outcome.DONE);
        assertThat(fixture.jobs.find(id).orElseThrow().status()).isEqualTo(JobStatus.COMPLETE);
    }

    @Test
    void aJobWhoseUploadAndItsAbortHangIsReleasedWithItsReasonBeforeTheInvocationEnds() {
        // GIVEN S3 that never answers a part of an upload, nor the abort of one, and the deployed
        // cleanup reserve with an invocation that leaves the job's computation 5 s
        s3.injectAlways(request -> request.isUploadPart() || request.isAbortMultipartUpload(),
                Fault.hang(Duration.ofMinutes(2)));
        QueueMessage message = fixture.newJob(MULTIPART_DIGITS);
        fixture.enqueue(message);
        String id = WorkerFixture.jobIdOf(message);
        WorkerSettings deployed = new WorkerSettings(WorkerFixture.FAST.heartbeatInterval(),
                WorkerFixture.FAST.staleAfter(), JobDelivery.MAX_ATTEMPTS, JobDelivery.CLEANUP_RESERVE,
                WorkerSettings.DEFAULT.finishReserve(), new ComputeTimeModel(1, 0, 1), WorkerSettings.DEFAULT.heapBytes(),
                WorkerSettings.DEFAULT.memoryBytes());
        Duration invocation = JobDelivery.CLEANUP_RESERVE.plusSeconds(5);
        PiWriter digits = cached();
        PiWriter computingFor4Seconds = (count, out, progress, cancelled) -> {
            try {
                Thread.sleep(4_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
            digits.write(count, out, progress, cancelled);
        };
        EventSourceStandIn worker = new EventSourceStandIn(fixture.clients.sqs(), fixture.config().queueUrl(),
                fixture.processorOn(faulty, deployed, computingFor4Seconds), invocation);

        // WHEN it is delivered, and its upload starts with the invocation's reserve about to begin
        long started = System.nanoTime();
        worker.deliverOnce();
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        // THEN the worker answered within the invocation, with the job released and the reason recorded
        assertThat(took).isLessThan(invocation);
        Job job = fixture.jobs.find(id).orElseThrow();
        assertThat(job.status()).isEqualTo(JobStatus.IN_PROGRESS);
        assertThat(job.releasedAt()).isNotNull();
        assertThat(job.errorMessage()).hasValueSatisfying(error ->
                assertThat(error).startsWith("Computing or storing the result failed: "));
    }

    private void assertMultipartJobCompletesAfterHealing() {
        QueueMessage message = fixture.newJob(MULTIPART_DIGITS);
        fixture.enqueue(message);
        String id = WorkerFixture.jobIdOf(message);
        EventSourceStandIn worker = worker(cached());

        // WHEN the first attempt fails, then S3 recovers
        worker.deliverOnce();
        Job failedAttempt = fixture.jobs.find(id).orElseThrow();
        assertThat(failedAttempt.status()).isEqualTo(JobStatus.IN_PROGRESS);
        assertThat(s3.faulted()).isNotEmpty();
        s3.heal();
        dynamoDb.heal();

        // THEN the retry comes within seconds, the job completes whole, and no upload is left open
        awaitTrue(Duration.ofSeconds(60), () -> {
            worker.deliverOnce();
            return fixture.jobs.find(id).orElseThrow().status() == JobStatus.COMPLETE;
        });
        Job job = fixture.jobs.find(id).orElseThrow();
        assertThat(job.attempts()).isEqualTo(2);
        assertThat(fixture.store(fixture.config()).size(job.resultKey())).hasValue(Job.resultLength(MULTIPART_DIGITS));
        assertThat(fixture.clients.s3().listMultipartUploads(list -> list.bucket(fixture.config().bucketName())).uploads())
                .isEmpty();
    }

    /** A new job of {@code digits}, as it is after one delivery to a worker running pi-core. */
    private Job afterOneDelivery(int digits) {
        QueueMessage message = fixture.newJob(digits);
        fixture.enqueue(message);
        worker(PiWriter.PI_CORE).deliverOnce();
        return fixture.jobs.find(WorkerFixture.jobIdOf(message)).orElseThrow();
    }

    private EventSourceStandIn worker(PiWriter pi) {
        return new EventSourceStandIn(fixture.clients.sqs(), fixture.config().queueUrl(),
                fixture.processorOn(faulty, WorkerFixture.FAST, pi), Duration.ofMinutes(2));
    }

    private static boolean isClaim(FaultProxy.Request request) {
        return request.bodyText().contains("if_not_exists(#attempts");
    }

    /** pi-core's digits for {@link #MULTIPART_DIGITS}, computed once: each attempt writes them again. */
    private static synchronized PiWriter cached() {
        if (multipartDigits == null) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try {
                PiDigits.write(MULTIPART_DIGITS, out);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            multipartDigits = out.toByteArray();
        }
        return (digits, out, progress, cancelled) -> {
            if (digits != MULTIPART_DIGITS) {
                throw new IllegalArgumentException("cached for " + MULTIPART_DIGITS + " digits only, asked for " + digits);
            }
            out.write(multipartDigits);
        };
    }
}
