package org.piservice.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.piservice.contract.Storage;
import org.piservice.core.ComputeTimeModel;
import org.piservice.core.MachinPi;
import org.piservice.core.PiDigits;
import org.piservice.core.PiProcess;
import org.piservice.jobs.AwsClients;
import org.piservice.jobs.DigitStore;
import org.piservice.jobs.Job;
import org.piservice.jobs.JobStatus;
import org.piservice.jobs.LogFields;
import org.piservice.jobs.testing.Await;
import org.piservice.jobs.testing.Emulators;
import org.piservice.jobs.testing.FaultProxy;
import org.piservice.jobs.testing.FaultProxy.Fault;
import org.piservice.jobs.testing.LogCapture;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The worker with the digit store, against the embedded emulators with the real SDK clients: jobs
 * the store covers are copied, not computed; concurrent jobs for new digits share one computation.
 * A worker killed between computing and storing is {@link WorkerKilledTest}'s.
 */
class DigitStoreWorkTest {

    /** When the leases these tests take end at the latest: as an invocation's, long before any of their jobs is due. */
    private static final Instant LEASE_ENDS_BY = Instant.now().plus(Duration.ofMinutes(15));

    private static final Deadline PLENTY = WorkerFixture.deadlineAfter(Duration.ofMinutes(10));
    private static final Pattern WAITER = Pattern.compile("ended-\\d+|still-waiting");

    private final WorkerFixture fixture = new WorkerFixture();

    @RegisterExtension
    final LogCapture logs = new LogCapture();

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
        assertThat(result(job)).isEqualTo(MachinPi.text(1500));
        assertThat(fixture.metrics()).contains("\"JobsServedFromStore\":1.0");
    }

    @Test
    void digitsAComputationLeftUnstoredAreStoredForTheNextJobTheyCoverNotComputedAgain() throws Exception {
        // GIVEN 6000 digits that a computation for the store wrote, but whose offer failed
        fixture.digitStore(fixture.config()).write(6000, out -> PiDigits.write(6000, out));
        assertThat(fixture.digitStore(fixture.config()).state().digits()).isZero();

        // WHEN a job of 3000 digits is handled
        CountingPiWriter pi = new CountingPiWriter(PiWriter.PI_CORE);
        QueueMessage message = fixture.newJob(3000);
        assertThat(fixture.processor(WorkerFixture.FAST, pi).handle(message, PLENTY)).isEqualTo(JobProcessor.Outcome.DONE);

        // THEN those digits are the store, and the job is copied from them, with nothing computed
        assertThat(pi.runs).hasValue(0);
        assertThat(fixture.digitStore(fixture.config()).state().digits()).isEqualTo(6000);
        Job job = fixture.jobs.find(WorkerFixture.jobIdOf(message)).orElseThrow();
        assertThat(job.status()).isEqualTo(JobStatus.COMPLETE);
        assertThat(result(job)).isEqualTo(MachinPi.text(3000));
        assertThat(fixture.metrics()).contains("\"StoreDigits\":6000.0", "\"JobsServedFromStore\":1.0");
    }

    @Test
    void digitsLeftUnstoredThatFallShortOfWhatTheLeasePromisesAreComputedPast() throws Exception {
        // GIVEN a store of 1000 digits, and 1500 digits a computation wrote but did not store
        fixture.processor(WorkerFixture.FAST, PiWriter.PI_CORE).handle(fixture.newJob(1000), PLENTY);
        fixture.digitStore(fixture.config()).write(1500, out -> PiDigits.write(1500, out));

        // WHEN a job of 1500 digits is handled, whose lease doubles the store to 2000 (jobs up to
        // 2000 may wait for that)
        CountingPiWriter pi = new CountingPiWriter(PiWriter.PI_CORE);
        QueueMessage message = fixture.newJob(1500);
        assertThat(fixture.processor(WorkerFixture.FAST, pi).handle(message, PLENTY)).isEqualTo(JobProcessor.Outcome.DONE);

        // THEN the 2000 digits are computed, and the left-over ones deleted with the store they replace
        assertThat(pi.runs).hasValue(1);
        assertThat(fixture.digitStore(fixture.config()).state().digits()).isEqualTo(2000);
        assertThat(fixture.clients.s3().listObjectsV2(list -> list.bucket(fixture.config().bucketName())
                .prefix(Storage.DIGIT_STORE_PREFIX)).contents()).extracting(S3Object::key)
                .containsExactly(fixture.digitStore(fixture.config()).state().key());
        assertThat(result(fixture.jobs.find(WorkerFixture.jobIdOf(message)).orElseThrow())).isEqualTo(MachinPi.text(1500));
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
            JobProcessor processor = fixture.processor(WorkerFixture.UNHURRIED, pi);
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
            assertThat(result(job)).isEqualTo(MachinPi.text(3000));
        }
        assertThat(fixture.digitStore(fixture.config()).state().waiting()).isEmpty();
    }

    @Test
    void cancellingAJobWhoseComputationOthersWaitForLetsItFinishForThem() throws Exception {
        // GIVEN a computation of 3000 digits for one job, held until the test lets it go
        QueueMessage cancelled = fixture.newJob(3000);
        String cancelledId = WorkerFixture.jobIdOf(cancelled);
        Held held = holdComputing(cancelled);
        // AND two jobs it covers, waiting for it
        List<QueueMessage> waiting = List.of(fixture.newJob(2000), fixture.newJob(3000));
        for (QueueMessage message : waiting) {
            assertThat(fixture.processor(WorkerFixture.UNHURRIED, held.pi()).handle(message, PLENTY)).isEqualTo(JobProcessor.Outcome.RETRY);
        }
        assertThat(fixture.digitStore(fixture.config()).state().waiting()).hasSize(2);

        // WHEN the computing job's client cancels it, and its worker's heartbeat has learnt of it
        assertThat(fixture.jobs.cancel(cancelledId)).isPresent();
        Await.awaitTrue(() -> !logs.withMessage("Job cancelled; its computation goes on").isEmpty());
        held.proceed().countDown();

        // THEN the computation finishes, once, and completes the waiting jobs with their digits
        assertThat(held.computation().get(60, TimeUnit.SECONDS)).isEqualTo(JobProcessor.Outcome.DONE);
        assertThat(held.pi().runs).hasValue(1);
        for (QueueMessage message : waiting) {
            Job job = fixture.jobs.find(WorkerFixture.jobIdOf(message)).orElseThrow();
            assertThat(job.status()).isEqualTo(JobStatus.COMPLETE);
            assertThat(result(job)).isEqualTo(MachinPi.text(job.digits()));
        }
        // AND the cancelled job stays cancelled, without a result
        Job job = fixture.jobs.find(cancelledId).orElseThrow();
        assertThat(job.status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(job.resultKey()).isNull();
        DigitStore.State store = fixture.digitStore(fixture.config()).state();
        assertThat(store.digits()).isEqualTo(3000);
        assertThat(store.waiting()).isEmpty();
        assertThat(logs.withMessage("Job ended meanwhile (cancelled); its computation finished for the jobs waiting on it")).hasSize(1);
    }

    @Test
    void aCancelledComputationsHeartbeatsReadEachEndedWaitingJobOnce() throws Exception {
        // GIVEN a computation of 3000 digits, held, whose worker reads the jobs table through a
        // proxy that counts the reads of the waiting jobs' records
        try (FaultProxy proxy = FaultProxy.start(Emulators.aws().dynamoDbEndpoint());
             AwsClients counted = AwsClients.fromSettings(Emulators.settingsThrough(Map.of("DYNAMODB", proxy.endpoint())))) {
            proxy.injectAlways(request -> request.isDynamoDb("GetItem") && WAITER.matcher(request.bodyText()).find(),
                    Fault.late(Duration.ZERO));
            QueueMessage computing = fixture.newJob(3000);
            Held held = holdComputing(computing, pi -> fixture.processorOn(counted, WorkerFixture.UNHURRIED, pi));
            // AND twenty jobs listed as waiting for it that have been cancelled since, and one that
            // still waits (ids of the test's own: the list's order, a hash set's, is the same every run)
            DigitStore store = fixture.digitStore(fixture.config());
            String lease = store.state().leaseOwner();
            for (int i = 0; i < 20; i++) {
                fixture.jobs.create("ended-" + i, 2000);
                assertThat(fixture.jobs.cancel("ended-" + i)).isPresent();
                assertThat(store.await(new DigitStore.Waiter("ended-" + i, 2000), lease)).isTrue();
            }
            fixture.jobs.create("still-waiting", 2000);
            assertThat(store.await(new DigitStore.Waiter("still-waiting", 2000), lease)).isTrue();

            // WHEN the computing job is cancelled, and five heartbeats have found the job still waiting
            assertThat(fixture.jobs.cancel(WorkerFixture.jobIdOf(computing))).isPresent();
            Await.awaitTrue(() -> readsOf(proxy).getOrDefault("still-waiting", 0L) >= 5);
            Map<String, Long> reads = readsOf(proxy);
            held.proceed().countDown();

            // THEN each cancelled one was read once at most (those the list holds after the waiting
            // one need not be read at all), and the computation completes the waiting job
            reads.remove("still-waiting");
            assertThat(reads).isNotEmpty();
            assertThat(reads.values()).allMatch(count -> count == 1);
            assertThat(held.computation().get(60, TimeUnit.SECONDS)).isEqualTo(JobProcessor.Outcome.DONE);
            assertThat(fixture.jobs.find("still-waiting").orElseThrow().status()).isEqualTo(JobStatus.COMPLETE);
        }
    }

    @Test
    void theJobsThatWaitedForAComputationAreServedSeveralAtOnce() throws Exception {
        // GIVEN a computation of 3000 digits, held, whose worker's S3 calls go through a proxy that
        // holds the copies into waiting jobs' results until the test lets them go
        CountDownLatch release = new CountDownLatch(1);
        try (FaultProxy proxy = FaultProxy.start(Emulators.aws().s3Endpoint());
             AwsClients throughProxy = AwsClients.fromSettings(Emulators.settingsThrough(Map.of("S3", proxy.endpoint())))) {
            proxy.injectAlways(request -> request.method().equals("PUT") && request.target().contains("/waiter-"),
                    Fault.heldUntil(release));
            QueueMessage computing = fixture.newJob(3000);
            Held held = holdComputing(computing, pi -> fixture.processorOn(throughProxy, WorkerFixture.UNHURRIED, pi));
            // AND twenty jobs it covers listed as waiting for it
            DigitStore store = fixture.digitStore(fixture.config());
            String lease = store.state().leaseOwner();
            for (int i = 0; i < 20; i++) {
                fixture.jobs.create("waiter-" + i, 2000);
                assertThat(store.await(new DigitStore.Waiter("waiter-" + i, 2000), lease)).isTrue();
            }

            // WHEN the computation ends
            held.proceed().countDown();

            // THEN as many waiting jobs' copies as a worker serves at once are on their way together
            // (one at a time, the first would wait for the test alone), and no more
            Await.awaitTrue(() -> proxy.faulted().size() == JobProcessor.WAITERS_AT_ONCE);
            Thread.sleep(1000);
            assertThat(proxy.faulted()).hasSize(JobProcessor.WAITERS_AT_ONCE);
            release.countDown();
            // AND every waiting job is completed with its digits
            assertThat(held.computation().get(60, TimeUnit.SECONDS)).isEqualTo(JobProcessor.Outcome.DONE);
            for (int i = 0; i < 20; i++) {
                Job job = fixture.jobs.find("waiter-" + i).orElseThrow();
                assertThat(job.status()).isEqualTo(JobStatus.COMPLETE);
                assertThat(result(job)).isEqualTo(MachinPi.text(2000));
            }
            assertThat(count(fixture.metrics(), "\"JobsServedFromStore\":1.0")).isEqualTo(20);
            assertThat(store.state().waiting()).isEmpty();
            // AND each one's log line names it, and the message whose computation served it
            List<JsonNode> completions = logs.withMessage("Job complete from the digit store");
            assertThat(completions).extracting(line -> line.path(LogFields.JOB_ID).asText())
                    .containsExactlyInAnyOrderElementsOf(IntStream.range(0, 20).mapToObj(i -> "waiter-" + i).toList());
            assertThat(completions).extracting(line -> line.path(LogFields.MESSAGE_ID).asText()).containsOnly(computing.messageId());
        }
    }

    /** How many times each waiting job's record was read through {@code proxy}. */
    private static Map<String, Long> readsOf(FaultProxy proxy) {
        return proxy.faulted().stream().map(request -> WAITER.matcher(request.bodyText()))
                .filter(Matcher::find).collect(Collectors.groupingBy(Matcher::group, HashMap::new, Collectors.counting()));
    }

    @Test
    void aJobThatFindsTheWaitingListFullWaitsUnlistedAndItsOwnMessageCompletesIt() throws Exception {
        // GIVEN a computation of 3000 digits, held, whose list of waiting jobs is full, one of them
        // listed by its own delivery
        QueueMessage running = fixture.newJob(3000);
        Held held = holdComputing(running);
        QueueMessage listed = fixture.newJob(2000);
        assertThat(fixture.processor(WorkerFixture.UNHURRIED, held.pi()).handle(listed, PLENTY)).isEqualTo(JobProcessor.Outcome.RETRY);
        DigitStore store = fixture.digitStore(fixture.config());
        String leaseOwner = store.state().leaseOwner();
        for (int i = 1; i < DigitStore.MAX_WAITERS; i++) {
            assertThat(store.await(new DigitStore.Waiter("listed-" + i, 2000), leaseOwner)).isTrue();
        }

        // WHEN a job that computation covers is delivered
        QueueMessage covered = fixture.newJob(2000);
        JobProcessor.Outcome waiting = fixture.processor(WorkerFixture.UNHURRIED, held.pi()).handle(covered, PLENTY);

        // THEN it waits for it, unlisted, and its message comes back
        assertThat(waiting).isEqualTo(JobProcessor.Outcome.RETRY);
        assertThat(logs.withMessage("Waiting for the computation of 3000 digits, whose list of waiting jobs is full")).hasSize(1);
        assertThat(store.state().waiting()).hasSize(DigitStore.MAX_WAITERS).doesNotContain("2000:" + WorkerFixture.jobIdOf(covered));
        // AND the listed job's message, delivered again, finds it listed still
        assertThat(fixture.processor(WorkerFixture.UNHURRIED, held.pi()).handle(listed, PLENTY)).isEqualTo(JobProcessor.Outcome.RETRY);
        assertThat(logs.withMessage("Waiting for the computation of 3000 digits, which completes this job")).hasSize(2);
        // AND once the computation is stored, the message completes the job without computing
        held.proceed().countDown();
        // (completing the listed jobs: 999 of them have no record)
        assertThat(held.computation().get(2, TimeUnit.MINUTES)).isEqualTo(JobProcessor.Outcome.DONE);
        assertThat(fixture.jobs.find(WorkerFixture.jobIdOf(listed)).orElseThrow().status()).isEqualTo(JobStatus.COMPLETE);
        assertThat(fixture.processor(WorkerFixture.UNHURRIED, held.pi()).handle(covered, PLENTY)).isEqualTo(JobProcessor.Outcome.DONE);
        Job job = fixture.jobs.find(WorkerFixture.jobIdOf(covered)).orElseThrow();
        assertThat(job.status()).isEqualTo(JobStatus.COMPLETE);
        assertThat(result(job)).isEqualTo(MachinPi.text(2000));
        assertThat(held.pi().runs).hasValue(1);
    }

    @Test
    void aJobCancelledBeforeItsMessageIsHandledNeverWaitsForARunningComputation() throws Exception {
        // GIVEN a computation of 3000 digits for one job, held until it is cancelled
        QueueMessage running = fixture.newJob(3000);
        Held held = holdComputing(running);
        // AND a job that computation covers, cancelled while its message is still queued
        QueueMessage covered = fixture.newJob(2000);
        assertThat(fixture.jobs.cancel(WorkerFixture.jobIdOf(covered))).isPresent();

        // WHEN a worker takes its message
        JobProcessor.Outcome outcome = fixture.processor(WorkerFixture.UNHURRIED, held.pi()).handle(covered, PLENTY);

        // THEN the message is acknowledged and the job is not listed as waiting
        assertThat(outcome).isEqualTo(JobProcessor.Outcome.DONE);
        assertThat(fixture.digitStore(fixture.config()).state().waiting()).isEmpty();
        // AND so cancelling the running job stops its computation: no one waits for it
        assertThat(fixture.jobs.cancel(WorkerFixture.jobIdOf(running))).isPresent();
        assertThat(held.computation().get(30, TimeUnit.SECONDS)).isEqualTo(JobProcessor.Outcome.DONE);
        assertThat(logs.withMessage("Job cancelled; its computation stopped")).hasSize(1);
        assertThat(fixture.digitStore(fixture.config()).state().digits()).isZero();
        assertThat(fixture.jobs.find(WorkerFixture.jobIdOf(covered)).orElseThrow().status()).isEqualTo(JobStatus.CANCELLED);
    }

    @Test
    void aJobWhoseDeadlinePassesWhileItWaitsIsFailedNotCompleted() throws Exception {
        // GIVEN a computation of 3000 digits, held until the test lets it go, and a job it covers
        // listed as waiting for it, due in 10 s (a worker lists no job due before the computation's
        // lease ends: this one is as a worker that finishes late, serving the waiting jobs after a
        // slow offer, leaves it)
        QueueMessage running = fixture.newJob(3000);
        Held held = holdComputing(running);
        QueueMessage late = fixture.newJobDueIn(Duration.ofSeconds(10), 2000);
        String lateId = WorkerFixture.jobIdOf(late);
        DigitStore store = fixture.digitStore(fixture.config());
        assertThat(store.await(new DigitStore.Waiter(lateId, 2000), store.state().leaseOwner())).isTrue();

        // AND a job it covers whose deadline has passed already: failed at once, not listed
        QueueMessage overdue = fixture.newJobDueIn(Duration.ofSeconds(-1), 2000);
        assertThat(fixture.processor(WorkerFixture.UNHURRIED, held.pi()).handle(overdue, PLENTY)).isEqualTo(JobProcessor.Outcome.DONE);
        assertThat(fixture.jobs.find(WorkerFixture.jobIdOf(overdue)).orElseThrow().status()).isEqualTo(JobStatus.FAILED);
        assertThat(fixture.digitStore(fixture.config()).state().waiting()).hasSize(1);

        // WHEN the computation ends after the waiting job's deadline
        Await.awaitTrue(Duration.ofSeconds(20),
                () -> fixture.jobs.find(lateId).orElseThrow().isOverdue(Instant.now()));
        held.proceed().countDown();
        assertThat(held.computation().get(60, TimeUnit.SECONDS)).isEqualTo(JobProcessor.Outcome.DONE);

        // THEN its own job is complete, and the waiting one failed at its deadline, without a result
        assertThat(fixture.jobs.find(WorkerFixture.jobIdOf(running)).orElseThrow().status()).isEqualTo(JobStatus.COMPLETE);
        Job job = fixture.jobs.find(lateId).orElseThrow();
        assertThat(job.status()).isEqualTo(JobStatus.FAILED);
        assertThat(job.error()).startsWith("Not finished by its deadline");
        assertThat(job.resultKey()).isNull();
        assertThat(count(fixture.metrics(), "\"JobsOverdue\":1.0")).isEqualTo(2);
        assertThat(fixture.metrics()).doesNotContain("JobsServedFromStore");
        assertThat(fixture.digitStore(fixture.config()).state().waiting()).isEmpty();
    }

    @Test
    void aJobDueBeforeTheComputationThatCoversItMayEndIsComputedForItAloneBesideIt() throws Exception {
        // GIVEN another worker's computation of 4,000 digits, which may run for ten minutes more
        DigitStore store = anotherWorkerComputing4000Digits(Instant.now().plus(Duration.ofMinutes(10)));
        CountingPiWriter pi = new CountingPiWriter(PiWriter.PI_CORE);
        JobProcessor processor = fixture.processor(WorkerFixture.UNHURRIED, pi);

        // WHEN a job it covers, due in a minute, is delivered
        QueueMessage soon = fixture.newJobDueIn(Duration.ofMinutes(1), 2_000);
        JobProcessor.Outcome outcome = processor.handle(soon, PLENTY);
        assertThat(logs.withMessage("Computing the job's digits for it alone: the computation of 4000 digits"
                + " that covers it may end after the job's deadline")).extracting(line -> line.path("level").asText())
                .containsExactly("INFO");

        // THEN it is computed, exactly, outside the store, which goes on waiting for the other computation
        assertThat(outcome).isEqualTo(JobProcessor.Outcome.DONE);
        Job job = fixture.jobs.find(WorkerFixture.jobIdOf(soon)).orElseThrow();
        assertThat(job.status()).isEqualTo(JobStatus.COMPLETE);
        assertThat(result(job)).isEqualTo(MachinPi.text(2_000));
        assertThat(pi.runs.get()).isEqualTo(1);
        DigitStore.State state = store.state();
        assertThat(state.digits()).isZero();
        assertThat(state.leaseOwner()).isEqualTo("computing-worker");
        assertThat(state.waiting()).isEmpty();

        // AND a job due after that computation ends waits for it
        QueueMessage later = fixture.newJob(2_000);
        assertThat(processor.handle(later, PLENTY)).isEqualTo(JobProcessor.Outcome.RETRY);
        assertThat(store.state().waiting()).containsExactly("2000:" + WorkerFixture.jobIdOf(later));
        assertThat(pi.runs.get()).isEqualTo(1);
    }

    @Test
    void aJobDueSoonIsComputedAloneBesideAComputationRunningPastTheEndItsWorkerReckoned() {
        // GIVEN another worker's computation of 4,000 digits, alive, whose reckoned end has passed
        DigitStore store = anotherWorkerComputing4000Digits(Instant.now().minusSeconds(1));
        CountingPiWriter pi = new CountingPiWriter(PiWriter.PI_CORE);

        // WHEN a job it covers, due in a minute, is delivered
        QueueMessage soon = fixture.newJobDueIn(Duration.ofMinutes(1), 2_000);

        // THEN it does not wait for a computation that may run on to its invocation's end
        assertThat(fixture.processor(WorkerFixture.UNHURRIED, pi).handle(soon, PLENTY)).isEqualTo(JobProcessor.Outcome.DONE);
        assertThat(fixture.jobs.find(WorkerFixture.jobIdOf(soon)).orElseThrow().status()).isEqualTo(JobStatus.COMPLETE);
        assertThat(pi.runs.get()).isEqualTo(1);
        assertThat(store.state().waiting()).isEmpty();
    }

    @Test
    void aListedJobIsComputedAloneOnceItsComputationRunsPastTheEndItsWorkerReckoned() throws InterruptedException {
        // GIVEN a job due in a minute, listed as waiting for a computation reckoned to end in 8 s
        Instant reckonedEnd = Instant.now().plusSeconds(8);
        DigitStore store = anotherWorkerComputing4000Digits(reckonedEnd);
        CountingPiWriter pi = new CountingPiWriter(PiWriter.PI_CORE);
        JobProcessor processor = fixture.processor(WorkerFixture.UNHURRIED, pi);
        QueueMessage soon = fixture.newJobDueIn(Duration.ofMinutes(1), 2_000);
        assertThat(processor.handle(soon, PLENTY)).isEqualTo(JobProcessor.Outcome.RETRY);
        assertThat(store.state().waiting()).containsExactly("2000:" + WorkerFixture.jobIdOf(soon));

        // WHEN that end passes with the computation still running, and the job's message comes back
        Thread.sleep(Math.max(0, Duration.between(Instant.now(), reckonedEnd).toMillis() + 100));
        assertThat(store.heartbeatLease("computing-worker")).isTrue();
        JobProcessor.Outcome outcome = processor.handle(soon, PLENTY);

        // THEN it no longer waits for a computation that may run on to its invocation's end
        assertThat(outcome).isEqualTo(JobProcessor.Outcome.DONE);
        assertThat(fixture.jobs.find(WorkerFixture.jobIdOf(soon)).orElseThrow().status()).isEqualTo(JobStatus.COMPLETE);
        assertThat(pi.runs.get()).isEqualTo(1);
    }

    @Test
    void aJobThatCouldNotBeComputedAloneByItsDeadlineWaitsForTheComputationThatCoversIt() {
        // GIVEN another worker's computation of 4,000 digits, which may run for ten minutes more, and
        // a worker whose time model says any computation takes two minutes
        DigitStore store = anotherWorkerComputing4000Digits(Instant.now().plus(Duration.ofMinutes(10)));
        WorkerSettings slow = WorkerFixture.withTimeModel(WorkerFixture.UNHURRIED, new ComputeTimeModel(120, 0, 1));
        CountingPiWriter pi = new CountingPiWriter(PiWriter.PI_CORE);

        // WHEN a job it covers, due in a minute, is delivered
        QueueMessage soon = fixture.newJobDueIn(Duration.ofMinutes(1), 2_000);

        // THEN it waits, its one chance, rather than fail at once as a computation of its own would
        assertThat(fixture.processor(slow, pi).handle(soon, PLENTY)).isEqualTo(JobProcessor.Outcome.RETRY);
        assertThat(store.state().waiting()).containsExactly("2000:" + WorkerFixture.jobIdOf(soon));
        assertThat(fixture.jobs.find(WorkerFixture.jobIdOf(soon)).orElseThrow().status()).isEqualTo(JobStatus.QUEUED);
        assertThat(pi.runs.get()).isZero();

        // AND delivered again once a longer computation, ending later still, holds the lease, it goes on waiting
        assertThat(store.takeLease("longer-worker", 8_000, 8_000, Instant.now().plus(Duration.ofMinutes(12)),
                WorkerFixture.UNHURRIED.staleAfter())).isTrue();
        assertThat(fixture.processor(slow, pi).handle(soon, PLENTY)).isEqualTo(JobProcessor.Outcome.RETRY);
        assertThat(pi.runs.get()).isZero();
    }

    @ParameterizedTest(name = "the computation it was listed for {0}")
    @ValueSource(strings = {"ended without storing", "lost its lease to a longer one"})
    void aListedJobIsComputedAloneWhenTheLeasesComputationMayEndAfterItsDeadline(String what) {
        // GIVEN a job due in a minute, listed as waiting for a computation that ends in 30 s
        DigitStore store = anotherWorkerComputing4000Digits(Instant.now().plus(Duration.ofSeconds(30)));
        CountingPiWriter pi = new CountingPiWriter(PiWriter.PI_CORE);
        JobProcessor processor = fixture.processor(WorkerFixture.UNHURRIED, pi);
        QueueMessage soon = fixture.newJobDueIn(Duration.ofMinutes(1), 2_000);
        assertThat(processor.handle(soon, PLENTY)).isEqualTo(JobProcessor.Outcome.RETRY);
        assertThat(store.state().waiting()).containsExactly("2000:" + WorkerFixture.jobIdOf(soon));

        // WHEN that computation ends without storing (or dies: the item then says the same once
        // another takes the lease), or loses its lease to a longer one, and the lease is then a
        // computation's that ends in ten minutes
        if (what.startsWith("ended")) {
            store.releaseLease("computing-worker");
        }
        assertThat(store.takeLease("longer-worker", 8_000, 8_000, Instant.now().plus(Duration.ofMinutes(10)),
                WorkerFixture.UNHURRIED.staleAfter())).isTrue();

        // THEN the job, delivered again, does not wait for what may end after its deadline: it is
        // computed alone, by its deadline
        assertThat(processor.handle(soon, PLENTY)).isEqualTo(JobProcessor.Outcome.DONE);
        Job job = fixture.jobs.find(WorkerFixture.jobIdOf(soon)).orElseThrow();
        assertThat(job.status()).isEqualTo(JobStatus.COMPLETE);
        assertThat(result(job)).isEqualTo(MachinPi.text(2_000));
        assertThat(pi.runs.get()).isEqualTo(1);
    }

    @Test
    void aComputationsLeaseEndsWhenTheTimeModelSaysSoAJobDueAfterThatWaitsForIt() throws Exception {
        // GIVEN a computation of 3,000 digits under way, in an invocation with ten minutes left
        Instant started = Instant.now();
        Held held = holdComputing(fixture.newJob(3_000));
        Instant endsBy = fixture.digitStore(fixture.config()).state().leaseEndsBy();

        // THEN its lease ends when the model says it is done and its waiting jobs complete, not at the invocation's end
        Duration modelled = WorkerFixture.UNHURRIED.timeModel().estimate(3_000).plus(WorkerFixture.UNHURRIED.cleanupReserve());
        assertThat(endsBy).isAfterOrEqualTo(started.plus(modelled).truncatedTo(ChronoUnit.MILLIS))
                .isBefore(Instant.now().plus(modelled).plus(Duration.ofSeconds(1)));

        // AND a job it covers, due in a minute, waits for it
        QueueMessage soon = fixture.newJobDueIn(Duration.ofMinutes(1), 2_000);
        assertThat(fixture.processor(WorkerFixture.UNHURRIED, held.pi()).handle(soon, PLENTY))
                .isEqualTo(JobProcessor.Outcome.RETRY);
        held.proceed().countDown();
        assertThat(held.computation().get(60, TimeUnit.SECONDS)).isEqualTo(JobProcessor.Outcome.DONE);
        Job job = fixture.jobs.find(WorkerFixture.jobIdOf(soon)).orElseThrow();
        assertThat(job.status()).isEqualTo(JobStatus.COMPLETE);
        assertThat(result(job)).isEqualTo(MachinPi.text(2_000));
        assertThat(held.pi().runs.get()).isEqualTo(1);
    }

    @ParameterizedTest(name = "the waiting job cancelled {0}")
    @ValueSource(strings = {"first", "last"})
    void aComputationWhoseJobAndWaitingJobAreBothCancelledStops(String waitingCancelled) throws Exception {
        // GIVEN a computation of 3000 digits for one job, held until it is cancelled, and a job waiting for it
        QueueMessage running = fixture.newJob(3000);
        Held held = holdComputing(running);
        QueueMessage waiting = fixture.newJob(2000);
        assertThat(fixture.processor(WorkerFixture.UNHURRIED, held.pi()).handle(waiting, PLENTY)).isEqualTo(JobProcessor.Outcome.RETRY);
        assertThat(fixture.digitStore(fixture.config()).waiters()).extracting(DigitStore.Waiter::jobId)
                .containsExactly(WorkerFixture.jobIdOf(waiting));

        // WHEN their clients cancel both: the waiting job first, or last, once the computation has
        // gone on for it after its own job was cancelled
        if (waitingCancelled.equals("first")) {
            assertThat(fixture.jobs.cancel(WorkerFixture.jobIdOf(waiting))).isPresent();
            assertThat(fixture.jobs.cancel(WorkerFixture.jobIdOf(running))).isPresent();
        } else {
            assertThat(fixture.jobs.cancel(WorkerFixture.jobIdOf(running))).isPresent();
            Await.awaitTrue(() -> !logs.withMessage("Job cancelled; its computation goes on").isEmpty());
            assertThat(fixture.jobs.cancel(WorkerFixture.jobIdOf(waiting))).isPresent();
        }

        // THEN the computation stops: no one wants its digits
        assertThat(held.computation().get(30, TimeUnit.SECONDS)).isEqualTo(JobProcessor.Outcome.DONE);
        assertThat(logs.withMessage("Job cancelled; its computation stopped")).hasSize(1);
        DigitStore store = fixture.digitStore(fixture.config());
        assertThat(store.state().digits()).isZero();
        // AND the cancelled job no longer holds a place on the waiting list, which no computation would empty now
        assertThat(store.waiters()).isEmpty();
    }

    @Test
    void whileTheStoresItemCannotBeReadEachJobIsComputedForItAlone() throws Exception {
        // GIVEN a store of 1000 digits whose item this version cannot read
        fixture.processor(WorkerFixture.FAST, PiWriter.PI_CORE).handle(fixture.newJob(1000), PLENTY);
        fixture.resources.damageDigitStore(fixture.clients);
        Map<String, AttributeValue> damaged = storeItem();
        int metricsBefore = fixture.metrics().length();

        // WHEN a job the store would cover and a longer one are handled
        CountingPiWriter pi = new CountingPiWriter(PiWriter.PI_CORE);
        JobProcessor processor = fixture.processor(WorkerFixture.FAST, pi);
        List<QueueMessage> messages = List.of(fixture.newJob(500), fixture.newJob(1500));
        for (QueueMessage message : messages) {
            assertThat(processor.handle(message, PLENTY)).isEqualTo(JobProcessor.Outcome.DONE);
        }

        // THEN each is computed, its own digits only, and complete with them
        assertThat(pi.runs).hasValue(2);
        for (QueueMessage message : messages) {
            Job job = fixture.jobs.find(WorkerFixture.jobIdOf(message)).orElseThrow();
            assertThat(job.status()).isEqualTo(JobStatus.COMPLETE);
            assertThat(result(job)).isEqualTo(MachinPi.text(job.digits()));
        }
        String metrics = fixture.metrics().substring(metricsBefore);
        assertThat(count(metrics, "\"JobsCompleted\":1.0")).isEqualTo(2);
        assertThat(metrics).contains("\"DigitsComputed\":500", "\"DigitsComputed\":1500").doesNotContain("StoreDigits");
        // AND the item and the store's objects are left for the operator, whom the log tells what to delete
        assertThat(storeItem()).isEqualTo(damaged);
        assertThat(fixture.clients.s3().listObjectsV2(list -> list.bucket(fixture.config().bucketName())
                .prefix(Storage.DIGIT_STORE_PREFIX)).contents()).hasSize(1);
        assertThat(logs.withMessage("Computing the job's digits for it alone: The digit store's item (#digit-store"))
                .hasSize(2);
    }

    @Test
    void aJobComputedAloneWhileTheStoresItemCannotBeReadStopsWhenCancelled() throws Exception {
        // GIVEN a store whose item this version cannot read, and a job computed for itself alone, held
        fixture.processor(WorkerFixture.FAST, PiWriter.PI_CORE).handle(fixture.newJob(1000), PLENTY);
        fixture.resources.damageDigitStore(fixture.clients);
        QueueMessage message = fixture.newJob(3000);
        Held held = holdComputing(message);

        // WHEN its client cancels it
        assertThat(fixture.jobs.cancel(WorkerFixture.jobIdOf(message))).isPresent();

        // THEN the computation stops, with no waiting jobs to go on for, and the job stays cancelled
        assertThat(held.computation().get(30, TimeUnit.SECONDS)).isEqualTo(JobProcessor.Outcome.DONE);
        assertThat(logs.withMessage("Job cancelled; its computation stopped")).hasSize(1);
        assertThat(fixture.jobs.find(WorkerFixture.jobIdOf(message)).orElseThrow().status()).isEqualTo(JobStatus.CANCELLED);
    }

    @Test
    void aJobComputedAloneWhoseOutputFallsShortIsRetriedNotCompleted() {
        // GIVEN a store whose item this version cannot read, and an engine that stops short
        fixture.processor(WorkerFixture.FAST, PiWriter.PI_CORE).handle(fixture.newJob(1000), PLENTY);
        fixture.resources.damageDigitStore(fixture.clients);
        PiWriter stopsShort = (digits, out, progress, cancelled) -> PiDigits.write(digits - 1, out, progress, cancelled);

        // WHEN a job is computed for itself alone
        QueueMessage message = fixture.newJob(500);
        assertThat(fixture.processor(WorkerFixture.FAST, stopsShort).handle(message, PLENTY)).isEqualTo(JobProcessor.Outcome.RETRY);

        // THEN it is released for another attempt, saying why, not completed with a result one digit short
        Job job = fixture.jobs.find(WorkerFixture.jobIdOf(message)).orElseThrow();
        assertThat(job.status()).isEqualTo(JobStatus.IN_PROGRESS);
        assertThat(job.lastError()).contains("The computation wrote 501 bytes, not 502");
    }

    private Map<String, AttributeValue> storeItem() {
        return fixture.clients.dynamoDb().getItem(get -> get.tableName(fixture.config().tableName()).consistentRead(true)
                .key(Map.of(Storage.TABLE_KEY, AttributeValue.fromS(DigitStore.ITEM_KEY)))).item();
    }

    /** A computation under way on a worker in the background, held until {@code proceed} is counted down. */
    /** The digit store, with another worker's live computation of 4,000 digits that it reckons done by {@code endsBy}. */
    private DigitStore anotherWorkerComputing4000Digits(Instant endsBy) {
        DigitStore store = fixture.digitStore(fixture.config());
        assertThat(store.takeLease("computing-worker", 4_000, 4_000, endsBy, WorkerFixture.UNHURRIED.staleAfter())).isTrue();
        return store;
    }

    private record Held(CompletableFuture<JobProcessor.Outcome> computation, CountDownLatch proceed, CountingPiWriter pi) {
    }

    /**
     * Hands {@code message} to a worker in the background whose pi-core waits for the test, and
     * returns once it has begun; a computation that is told to stop meanwhile stops as pi-core does.
     */
    private Held holdComputing(QueueMessage message) throws InterruptedException {
        return holdComputing(message, pi -> fixture.processor(WorkerFixture.UNHURRIED, pi));
    }

    private Held holdComputing(QueueMessage message, Function<PiWriter, JobProcessor> processor) throws InterruptedException {
        CountDownLatch computing = new CountDownLatch(1);
        CountDownLatch proceed = new CountDownLatch(1);
        CountingPiWriter pi = new CountingPiWriter((digits, out, progress, cancelled) -> {
            computing.countDown();
            Await.awaitTrue(Duration.ofMinutes(3), () -> proceed.getCount() == 0 || cancelled.getAsBoolean());
            if (cancelled.getAsBoolean()) {
                throw new CancellationException();
            }
            PiDigits.write(digits, out, progress, cancelled);
        });
        JobProcessor computer = processor.apply(pi);
        CompletableFuture<JobProcessor.Outcome> computation =
                CompletableFuture.supplyAsync(() -> computer.handle(message, PLENTY));
        assertThat(computing.await(30, TimeUnit.SECONDS)).isTrue();
        return new Held(computation, proceed, pi);
    }

    @Test
    void aDoublingThatRunsOutOfTimeIsRetriedForTheJobsOwnDigits() {
        // GIVEN a store of 1,000 digits, a time model that underestimates, and a computation that
        // is quick for up to 1,500 digits and never ends for more
        fixture.processor(WorkerFixture.FAST, PiWriter.PI_CORE).handle(fixture.newJob(1000), PLENTY);
        WorkerSettings optimistic = WorkerFixture.withTimeModel(WorkerFixture.FAST, new ComputeTimeModel(0, 0.001, 1));
        JobProcessor processor = fixture.processor(optimistic, endlessBeyond(1500));
        QueueMessage message = fixture.newJob(1500);

        // WHEN it is delivered with 4 s of the invocation left, and again
        JobProcessor.Outcome first = processor.handle(message, WorkerFixture.deadlineAfter(Duration.ofSeconds(4)));
        Job afterFirst = fixture.jobs.find(WorkerFixture.jobIdOf(message)).orElseThrow();
        JobProcessor.Outcome second = processor.handle(message, WorkerFixture.deadlineAfter(Duration.ofSeconds(4)));

        // THEN the first attempt, doubling the store to 2,000 digits, ran out of time and was
        // released, not failed; the retry computed the job's own 1,500 digits
        assertThat(first).isEqualTo(JobProcessor.Outcome.RETRY);
        assertThat(afterFirst.status()).isEqualTo(JobStatus.IN_PROGRESS);
        assertThat(afterFirst.error()).startsWith("Ran out of time after ").contains("2000 digits for the digit store");
        assertThat(second).isEqualTo(JobProcessor.Outcome.DONE);
        Job job = fixture.jobs.find(WorkerFixture.jobIdOf(message)).orElseThrow();
        assertThat(job.status()).isEqualTo(JobStatus.COMPLETE);
        assertThat(job.attempts()).isEqualTo(2);
        assertThat(result(job)).isEqualTo(MachinPi.text(1500));
        assertThat(fixture.digitStore(fixture.config()).state().digits()).isEqualTo(1500);
    }

    @Test
    void aJobWhoseDeadlineComesBeforeTheInvocationsEndComputesItsOwnDigitsOnly() {
        // GIVEN a store of 1,000 digits, a time model that underestimates, a computation that is
        // quick for up to 1,500 digits and never ends for more, and a job of 1,500 digits whose
        // deadline is 6 s away, in an invocation with minutes left
        fixture.processor(WorkerFixture.FAST, PiWriter.PI_CORE).handle(fixture.newJob(1000), PLENTY);
        WorkerSettings optimistic = WorkerFixture.withTimeModel(WorkerFixture.FAST, new ComputeTimeModel(0, 0.001, 1));
        QueueMessage message = fixture.newJobDueIn(Duration.ofSeconds(6), 1500);

        // WHEN it is delivered
        JobProcessor.Outcome outcome = fixture.processor(optimistic, endlessBeyond(1500)).handle(message, PLENTY);

        // THEN it computed its 1,500 digits, not a doubling that would have run into its deadline
        assertThat(outcome).isEqualTo(JobProcessor.Outcome.DONE);
        Job job = fixture.jobs.find(WorkerFixture.jobIdOf(message)).orElseThrow();
        assertThat(job.status()).isEqualTo(JobStatus.COMPLETE);
        assertThat(result(job)).isEqualTo(MachinPi.text(1500));
        assertThat(fixture.digitStore(fixture.config()).state().digits()).isEqualTo(1500);
    }

    @ParameterizedTest(name = "in the {0}")
    @ValueSource(strings = {"worker's own JVM", "child JVM"})
    void aDoublingThatRunsOutOfMemoryIsRetriedForTheJobsOwnDigits(String jvm) {
        // GIVEN a store of 1,000 digits, and a worker whose heap holds up to 1,500 digits: beyond
        // them its own JVM throws, or its child JVM, whose heap is far too small, exits
        fixture.processor(WorkerFixture.FAST, PiWriter.PI_CORE).handle(fixture.newJob(1000), PLENTY);
        PiWriter heapFor1500 = (digits, out, progress, cancelled) -> {
            if (digits > 1500) {
                if (jvm.equals("child JVM")) {
                    PiProcess.write(2_000_000, List.of("-Xmx12m"), out, progress, cancelled);
                    throw new AssertionError("the child JVM had room for 2,000,000 digits");
                }
                throw new OutOfMemoryError("Java heap space");
            }
            PiDigits.write(digits, out, progress, cancelled);
        };
        JobProcessor processor = fixture.processor(WorkerFixture.FAST, heapFor1500);
        QueueMessage message = fixture.newJob(1500);

        // WHEN it is delivered twice
        JobProcessor.Outcome first = processor.handle(message, PLENTY);
        Job afterFirst = fixture.jobs.find(WorkerFixture.jobIdOf(message)).orElseThrow();
        JobProcessor.Outcome second = processor.handle(message, PLENTY);

        // THEN the doubling to 2,000 digits was given back, not failed, and the retry computed 1,500
        assertThat(first).isEqualTo(JobProcessor.Outcome.RETRY);
        assertThat(afterFirst.status()).isEqualTo(JobStatus.IN_PROGRESS);
        assertThat(afterFirst.error()).startsWith(jvm.equals("child JVM")
                        ? "Computing 2000 digits ran out of memory: the computation's JVM exited"
                        : "Computing 2000 digits ran out of memory in the worker's own JVM")
                .endsWith("the retry computes the job's own 1500");
        assertThat(second).isEqualTo(JobProcessor.Outcome.DONE);
        Job job = fixture.jobs.find(WorkerFixture.jobIdOf(message)).orElseThrow();
        assertThat(job.status()).isEqualTo(JobStatus.COMPLETE);
        assertThat(result(job)).isEqualTo(MachinPi.text(1500));
    }

    @Test
    void aJobThatTakesALiveComputationsLeaseButIsNotComputedHandsItBack() {
        // GIVEN a computation of 4,000 digits under way on another worker, and a job of 5,000 digits
        // that has used its attempts
        DigitStore store = anotherWorkerComputing4000Digits(LEASE_ENDS_BY);
        QueueMessage spent = fixture.newJob(5_000);
        String spentId = WorkerFixture.jobIdOf(spent);
        for (int attempt = 1; attempt <= WorkerFixture.UNHURRIED.maxAttempts(); attempt++) {
            fixture.jobs.claim(spentId, "worker-" + attempt, spent.messageId(), WorkerFixture.UNHURRIED.staleAfter());
            fixture.jobs.release(spentId, "worker-" + attempt, "S3 slowed down");
        }
        CountingPiWriter pi = new CountingPiWriter(PiWriter.PI_CORE);
        JobProcessor processor = fixture.processor(WorkerFixture.UNHURRIED, pi);

        // WHEN a worker takes the lease for it (a longer demand does not wait), and then fails it
        assertThat(processor.handle(spent, PLENTY)).isEqualTo(JobProcessor.Outcome.DONE);
        assertThat(fixture.jobs.find(spentId).orElseThrow().error()).startsWith("Gave up after");

        // THEN the lease is the computation's again, and a job it covers waits for it instead of computing
        assertThat(store.state().leaseOwner()).isEqualTo("computing-worker");
        QueueMessage covered = fixture.newJob(2_000);
        assertThat(processor.handle(covered, PLENTY)).isEqualTo(JobProcessor.Outcome.RETRY);
        assertThat(store.state().waiting()).containsExactly("2000:" + WorkerFixture.jobIdOf(covered));
        assertThat(pi.runs.get()).isZero();
    }

    /** Computes up to {@code digits} quickly, and more until it is stopped. */
    private static PiWriter endlessBeyond(int digits) {
        return (n, out, progress, cancelled) -> {
            if (n > digits) {
                while (!cancelled.getAsBoolean()) {
                    CountingPiWriter.pause(Duration.ofMillis(10));
                }
                throw new CancellationException("stopped");
            }
            PiDigits.write(n, out, progress, cancelled);
        };
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
