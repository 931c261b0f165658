package org.piservice.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.piservice.contract.JobDelivery;
import org.piservice.core.ComputeTimeModel;
import org.piservice.jobs.AwsClients;
import org.piservice.jobs.Backlog;
import org.piservice.jobs.ClaimResult;
import org.piservice.jobs.DigitStore;
import org.piservice.jobs.EmfMetrics;
import org.piservice.jobs.Job;
import org.piservice.jobs.JobId;
import org.piservice.jobs.JobMessage;
import org.piservice.jobs.JobRepository;
import org.piservice.jobs.JobStatus;
import org.piservice.jobs.ResultStore;
import org.piservice.jobs.testing.Emulators;
import org.piservice.jobs.testing.FaultProxy;
import org.piservice.jobs.testing.FaultProxy.Fault;
import org.piservice.jobs.testing.MutableClock;

/**
 * Every job ends by its deadline: the dead-letter queue's consumer, the sweeper, the worker's own
 * checks at a claim. Runs against the embedded emulators started by {@link WorkerFixture}.
 */
class JobLifecycleTest {

    /** When the leases these tests take end at the latest: as an invocation's, long before any of their jobs is due. */
    private static final Instant LEASE_ENDS_BY = Instant.now().plus(Duration.ofMinutes(15));

    private static final Deadline PLENTY = WorkerFixture.deadlineAfter(Duration.ofMinutes(10));

    private final WorkerFixture fixture = new WorkerFixture();
    private final ByteArrayOutputStream metrics = new ByteArrayOutputStream();
    private final EmfMetrics emf = new EmfMetrics(new PrintStream(metrics, true, StandardCharsets.UTF_8), Clock.systemUTC());

    @Test
    void aMessageInTheDeadLetterQueueFailsItsJobWithTheReason() {
        // GIVEN a job whose last attempt failed, and its message in the dead-letter queue
        QueueMessage message = fixture.newJob(100);
        String id = WorkerFixture.jobIdOf(message);
        fixture.jobs.claim(id, "w1", Duration.ofMinutes(1));
        fixture.jobs.release(id, "w1", "Storing the result failed: SlowDown");
        fixture.clients.sqs().sendMessage(send -> send.queueUrl(fixture.resources.deadLetterQueueUrl()).messageBody(message.body()));

        // WHEN the consumer takes the dead-letter queue's messages
        List<String> retry = deadLetters().process(received(fixture.resources.deadLetterQueueUrl()));

        // THEN the job is failed with why, and counted
        assertThat(retry).isEmpty();
        Job job = fixture.jobs.find(id).orElseThrow();
        assertThat(job.status()).isEqualTo(JobStatus.FAILED);
        assertThat(job.error()).isEqualTo("The job's queue message was delivered " + JobDelivery.MAX_RECEIVE_COUNT
                + " times without an outcome; the last attempt failed with: Storing the result failed: SlowDown");
        assertThat(fixture.jobs.openJobs().jobs()).extracting(Job::jobId).doesNotContain(id);
        assertThat(metrics.toString(StandardCharsets.UTF_8)).contains("\"JobsDeadLettered\":1.0", "\"JobsFailed\":1.0");
    }

    @Test
    void aDeadLetteredDuplicateLeavesTheJobToTheLiveWorkerThatHoldsIt() {
        // GIVEN a job a live worker computes, and a duplicate of its message in the dead-letter
        // queue (turned away as busy, delivery after delivery, while that worker computes)
        QueueMessage message = fixture.newJob(100);
        String id = WorkerFixture.jobIdOf(message);
        fixture.jobs.claim(id, "live-worker", Duration.ofMinutes(1));
        fixture.clients.sqs().sendMessage(send -> send.queueUrl(fixture.resources.deadLetterQueueUrl()).messageBody(message.body()));

        // WHEN the consumer takes the dead-letter queue's messages
        List<String> retry = deadLetters().process(received(fixture.resources.deadLetterQueueUrl()));

        // THEN the job is still the worker's, which completes it
        assertThat(retry).isEmpty();
        assertThat(fixture.jobs.find(id).orElseThrow().status()).isEqualTo(JobStatus.IN_PROGRESS);
        assertThat(fixture.jobs.complete(id, "live-worker", ResultStore.resultKey(id, 100), 102)).isTrue();
        assertThat(metrics.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void aDeadLetteredDuplicateLeavesAJobReleasedForItsRetryToTheMessageThatClaimedIt() {
        // GIVEN a job whose first attempt, through its message, failed and was released for a retry
        QueueMessage message = fixture.newJob(100);
        String id = WorkerFixture.jobIdOf(message);
        PiWriter failing = (digits, out, progress, cancelled) -> {
            throw new IOException("No space left on device");
        };
        assertThat(fixture.processor(WorkerSettings.DEFAULT, failing).handle(message, PLENTY))
                .isEqualTo(JobProcessor.Outcome.RETRY);
        assertThat(fixture.jobs.find(id).orElseThrow().status()).isEqualTo(JobStatus.IN_PROGRESS);

        // WHEN a duplicate of that message (the api's send, retried), which the queue gave up on
        // meanwhile, reaches the dead-letter consumer
        QueueMessage duplicate = deadLetteredDuplicateOf(message);
        List<String> retry = deadLetters().process(List.of(duplicate));

        // THEN the job waits for its own message's next delivery, with its attempts left
        assertThat(retry).isEmpty();
        assertThat(fixture.jobs.find(id).orElseThrow().status()).isEqualTo(JobStatus.IN_PROGRESS);
        assertThat(metrics.toString(StandardCharsets.UTF_8)).isEmpty();

        // AND once that message is dead-lettered too, it fails the job, with the attempt's error
        assertThat(deadLetters().process(List.of(message))).isEmpty();
        Job failed = fixture.jobs.find(id).orElseThrow();
        assertThat(failed.status()).isEqualTo(JobStatus.FAILED);
        assertThat(failed.error()).contains("No space left on device");
    }

    @Test
    void aClaimThroughNoMessageLeavesTheJobToTheMessageThatClaimedItBefore() {
        // GIVEN a job claimed through its message and given back, then claimed by the worker whose
        // computation it waited for (through no message), and given back again
        QueueMessage message = fixture.newJob(100);
        String id = WorkerFixture.jobIdOf(message);
        fixture.jobs.claim(id, "w1", message.messageId(), Duration.ofMinutes(1));
        fixture.jobs.release(id, "w1", "S3 slowed down");
        fixture.jobs.claim(id, "computing-worker", Duration.ofMinutes(1));
        fixture.jobs.release(id, "computing-worker", "Copying the job's digits from the digit store failed");

        // WHEN a duplicate of its message reaches the dead-letter consumer, and then the message itself
        QueueMessage duplicate = deadLetteredDuplicateOf(message);
        deadLetters().process(List.of(duplicate));
        JobStatus afterDuplicate = fixture.jobs.find(id).orElseThrow().status();
        deadLetters().process(List.of(message));

        // THEN only the job's own message fails it
        assertThat(afterDuplicate).isEqualTo(JobStatus.IN_PROGRESS);
        assertThat(fixture.jobs.find(id).orElseThrow().status()).isEqualTo(JobStatus.FAILED);
    }

    @Test
    void theMessageTheSweeperSentAgainFailsItsJobFromTheDeadLetterQueue() {
        // GIVEN a job claimed through its message and given back for a retry long ago, whose message
        // was lost since, and the message the sweeper sent again for it
        JobRepository past = jobsAgo(JobSweeper.REQUEUE_AFTER);
        String id = JobId.newId();
        past.create(id, 20);
        assertThat(past.claim(id, "a-worker", "the-lost-message", Duration.ofMinutes(1))).isInstanceOf(ClaimResult.Claimed.class);
        assertThat(past.release(id, "a-worker", "S3 slowed down")).isTrue();
        assertThat(sweeper(Clock.systemUTC()).sweep().requeued()).isEqualTo(1);
        QueueMessage sent = received(fixture.config().queueUrl()).getFirst();

        // WHEN the lost message turns up in the dead-letter queue after all, and then that message,
        // too (its claims throttled, say)
        QueueMessage lost = new QueueMessage("the-lost-message", new JobMessage(id, 20).toJson(), null, 1);
        assertThat(deadLetters().process(List.of(lost))).isEmpty();
        JobStatus afterTheLostOne = fixture.jobs.find(id).orElseThrow().status();
        List<String> retry = deadLetters().process(List.of(sent));

        // THEN only the message sent again fails the job: no other message of it is left to deliver
        assertThat(afterTheLostOne).isEqualTo(JobStatus.IN_PROGRESS);
        assertThat(retry).isEmpty();
        Job job = fixture.jobs.find(id).orElseThrow();
        assertThat(job.status()).isEqualTo(JobStatus.FAILED);
        assertThat(job.error()).endsWith("the last attempt failed with: S3 slowed down");
    }

    @Test
    void aDeadLetteredMessageLeavesAJobWaitingForALiveComputationToIt() {
        // GIVEN a job listed as waiting for a live computation of the digit store, whose message
        // spent its deliveries waiting
        QueueMessage message = fixture.newJob(2_000);
        String id = WorkerFixture.jobIdOf(message);
        DigitStore store = listedForALiveComputation(id);

        // WHEN its message reaches the dead-letter consumer
        List<String> retry = deadLetters().process(List.of(message));

        // THEN the job is left queued for the computation to complete, and nothing is counted
        assertThat(retry).isEmpty();
        assertThat(fixture.jobs.find(id).orElseThrow().status()).isEqualTo(JobStatus.QUEUED);
        assertThat(metrics.toString(StandardCharsets.UTF_8)).isEmpty();

        // AND once that computation is gone, the same message fails it
        store.releaseLease("computing-worker");
        assertThat(deadLetters().process(List.of(message))).isEmpty();
        assertThat(fixture.jobs.find(id).orElseThrow().status()).isEqualTo(JobStatus.FAILED);
    }

    @Test
    void aBatchThatOutlastsAHeartbeatsFreshnessStillLeavesAJobWaitingForTheComputationLiveWhenItWasRead() {
        // GIVEN a job listed as waiting for a live computation, whose message spent its deliveries
        QueueMessage message = fixture.newJob(2_000);
        String id = WorkerFixture.jobIdOf(message);
        DigitStore store = listedForALiveComputation(id);
        // AND a dead-letter consumer whose batch reaches the message longer after its one reading of
        // the store than a heartbeat stays fresh (slow calls for the messages before it)
        MutableClock clock = MutableClock.startingNow();
        DeadLetters deadLetters = new DeadLetters(fixture.jobs, () -> {
            DigitStore.State state = store.state();
            clock.advance(JobDelivery.STALE_AFTER.plusSeconds(30));
            return state;
        }, emf, clock);

        // WHEN it handles the message
        List<String> retry = deadLetters.process(List.of(message));

        // THEN the job is left queued for the computation, live as far as that reading tells
        assertThat(retry).isEmpty();
        assertThat(fixture.jobs.find(id).orElseThrow().status()).isEqualTo(JobStatus.QUEUED);
        assertThat(metrics.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void aDeadLetteredMessageLeavesAJobTheDigitStoreCoversNowToBeServedFromIt() {
        // GIVEN a job whose message spent its deliveries, and whose digits a computation has just
        // stored (as one that let its lease go, and has not yet completed the jobs waiting for it)
        QueueMessage message = fixture.newJob(2_000);
        String id = WorkerFixture.jobIdOf(message);
        fixture.processor(WorkerFixture.FAST, PiWriter.PI_CORE).handle(fixture.newJob(3_000), PLENTY);

        // WHEN its message reaches the dead-letter consumer
        List<String> retry = deadLetters().process(List.of(message));

        // THEN the job is left queued, and nothing is counted
        assertThat(retry).isEmpty();
        assertThat(fixture.jobs.find(id).orElseThrow().status()).isEqualTo(JobStatus.QUEUED);
        assertThat(metrics.toString(StandardCharsets.UTF_8)).isEmpty();

        // AND a message of it (the sweeper's, once the job is idle long enough) is served from the store
        assertThat(fixture.processor(WorkerFixture.FAST, PiWriter.PI_CORE).handle(message, PLENTY))
                .isEqualTo(JobProcessor.Outcome.DONE);
        assertThat(fixture.jobs.find(id).orElseThrow().status()).isEqualTo(JobStatus.COMPLETE);
    }

    @Test
    void aDeadLetteredMessageFailsItsJobWhileTheDigitStoresItemCannotBeRead() {
        // GIVEN a digit store whose item this version cannot read, and a job whose message the queue gave up on
        fixture.processor(WorkerFixture.FAST, PiWriter.PI_CORE).handle(fixture.newJob(100), PLENTY);
        fixture.resources.damageDigitStore(fixture.clients);
        QueueMessage message = fixture.newJob(2000);

        // WHEN the consumer takes it
        List<String> retry = deadLetters().process(List.of(message));

        // THEN the job is failed now, not left for its deadline: no worker can complete a job that waits in that item
        assertThat(retry).isEmpty();
        assertThat(fixture.jobs.find(WorkerFixture.jobIdOf(message)).orElseThrow().status()).isEqualTo(JobStatus.FAILED);
    }

    @Test
    void aBatchWhoseDigitStoreCannotBeReadStaysForAnotherTry() {
        // GIVEN a dead-lettered message, and a consumer whose every read of the digit store's item
        // DynamoDB fails, so that it cannot tell whether the job waits for a computation
        QueueMessage message = fixture.newJob(100);
        try (FaultProxy proxy = FaultProxy.start(Emulators.aws().dynamoDbEndpoint())) {
            try (AwsClients faulty = AwsClients.fromSettings(Emulators.settingsThrough(Map.of("DYNAMODB", proxy.endpoint())))) {
                proxy.injectAlways(request -> request.isDynamoDb("GetItem"), Fault.dynamoDbOutage());
                AwsClients unreadable = new AwsClients(faulty.dynamoDb(), fixture.clients.sqs(), null, null);

                // WHEN the consumer takes it
                List<String> retry = DeadLetterHandler.create(unreadable, fixture.config()).process(List.of(message));

                // THEN the message stays for another try, and the job is as it was
                assertThat(proxy.faulted()).isNotEmpty();
                assertThat(retry).containsExactly(message.messageId());
                assertThat(fixture.jobs.find(WorkerFixture.jobIdOf(message)).orElseThrow().status())
                        .isEqualTo(JobStatus.QUEUED);
            }
        }
    }

    @Test
    void theSweeperWaitsLongerThanAStartedAttemptsMessageWaitsBetweenDeliveries() {
        Duration crashedAttemptsReturn = Duration.ofSeconds(JobDelivery.LAMBDA_MAX_TIMEOUT_SECONDS).plus(JobDelivery.STALE_AFTER);
        assertThat(JobSweeper.REQUEUE_AFTER).isGreaterThan(Duration.ofSeconds(JobDelivery.MAX_RETRY_SECONDS))
                .isGreaterThan(crashedAttemptsReturn);
    }

    @Test
    void theBackstopsNeedNoS3Client() {
        // GIVEN clients with no S3 client to give (asking for one throws), and a dead-lettered job
        AwsClients withoutS3 = new AwsClients(fixture.clients.dynamoDb(), fixture.clients.sqs(), null, null);
        QueueMessage message = fixture.newJob(100);

        // WHEN the sweeper and the dead-letter consumer, as deployed, are built on them and run
        JobSweeper.Sweep sweep = SweeperHandler.create(withoutS3, fixture.config()).sweep();
        List<String> retry = DeadLetterHandler.create(withoutS3, fixture.config()).process(List.of(message));

        // THEN both did their work: the S3 client a function builds at its start is one it calls
        assertThat(sweep.open()).isEqualTo(1);
        assertThat(retry).isEmpty();
        assertThat(fixture.jobs.find(WorkerFixture.jobIdOf(message)).orElseThrow().status())
                .isEqualTo(JobStatus.FAILED);
    }

    @Test
    void aDeadLetteredMessageFailsAJobWhoseWorkerWentSilent() {
        // GIVEN a job whose worker's last heartbeat is older than the staleness limit
        QueueMessage message = fixture.newJob(100);
        String id = WorkerFixture.jobIdOf(message);
        MutableClock earlier = new MutableClock(Instant.now().minus(JobDelivery.STALE_AFTER).minusSeconds(1));
        new JobRepository(fixture.clients.dynamoDb(), fixture.config(), earlier).claim(id, "dead-worker", Duration.ofMinutes(1));

        // WHEN its message, dead-lettered, reaches the consumer
        List<String> retry = deadLetters().process(List.of(message));

        // THEN the job is failed
        assertThat(retry).isEmpty();
        assertThat(fixture.jobs.find(id).orElseThrow().status()).isEqualTo(JobStatus.FAILED);
    }

    @Test
    void deadLetteredMessagesOfFinishedOrUnknownJobsChangeNothing() {
        QueueMessage message = fixture.newJob(10);
        String id = WorkerFixture.jobIdOf(message);
        fixture.jobs.claim(id, "w1", Duration.ofMinutes(1));
        fixture.jobs.fail(id, "w1", "digits must be between 1 and 5");
        DeadLetters deadLetters = deadLetters();

        List<String> retry = deadLetters.process(List.of(message,
                new QueueMessage("m2", new JobMessage(JobId.newId(), 5).toJson(), null, 5),
                new QueueMessage("m3", "garbage", null, 5)));

        assertThat(retry).isEmpty();
        assertThat(fixture.jobs.find(id).orElseThrow().error()).isEqualTo("digits must be between 1 and 5");
        assertThat(metrics.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void aSweepWithTooLittleTimeLeftSweepsTheEarliestDeadlinesAndFailsItsRunForTheRest() {
        // GIVEN three jobs past their deadlines, and one queued a moment ago, which needs nothing
        String earliest = jobWithDeadlineIn(Duration.ofMinutes(-3), 100);
        List<String> later = List.of(jobWithDeadlineIn(Duration.ofMinutes(-2), 100), jobWithDeadlineIn(Duration.ofMinutes(-1), 100));
        fixture.newJob(100);
        // AND a sweep whose function has time for one job's sweep, and then no more
        AtomicInteger asked = new AtomicInteger();
        Deadline timeForOne = () -> asked.getAndIncrement() == 0 ? JobSweeper.JOB_SWEEP_TIME : JobSweeper.JOB_SWEEP_TIME.minusMillis(1);

        // WHEN it runs
        assertThatThrownBy(() -> sweeper(Clock.systemUTC()).sweep(timeForOne)).isInstanceOf(IllegalStateException.class)
                .hasMessage("2 of 4 open jobs could not be swept (2 for lack of time; 1 failed at their deadline, 0 sent"
                        + " again); the next sweep tries again");

        // THEN it failed the earliest, and left the others open for the next sweep, which fails them
        assertThat(fixture.jobs.find(earliest).orElseThrow().status()).isEqualTo(JobStatus.FAILED);
        assertThat(later).allSatisfy(id -> assertThat(fixture.jobs.find(id).orElseThrow().status()).isEqualTo(JobStatus.QUEUED));
        assertThat(sweeper(Clock.systemUTC()).sweep().failed()).isEqualTo(2);
    }

    @Test
    void theSweeperFailsOpenJobsPastTheirDeadlineWhoeverHoldsThem() {
        // GIVEN a queued job and a running one, both accepted longer ago than the deadline allows, and a fresh one
        JobRepository past = jobsAgo(fixture.config().jobDeadline());
        String queued = JobId.newId();
        past.create(queued, 10);
        String running = JobId.newId();
        past.create(running, 10);
        fixture.jobs.claim(running, "live-worker", Duration.ofMinutes(1));
        String fresh = WorkerFixture.jobIdOf(fixture.newJob(10));

        // WHEN the sweeper runs
        JobSweeper.Sweep sweep = sweeper(Clock.systemUTC()).sweep();

        // THEN both old jobs are failed with the reason, the live worker has lost its job, the fresh one is untouched
        assertThat(sweep.failed()).isEqualTo(2);
        for (String id : List.of(queued, running)) {
            Job job = fixture.jobs.find(id).orElseThrow();
            assertThat(job.status()).isEqualTo(JobStatus.FAILED);
            assertThat(job.error()).startsWith("Not finished by its deadline, " + fixture.config().jobDeadline().toMinutes()
                    + " minutes after it was accepted");
        }
        assertThat(fixture.jobs.heartbeat(running, "live-worker", 0.5)).isFalse();
        assertThat(fixture.jobs.find(fresh).orElseThrow().status()).isEqualTo(JobStatus.QUEUED);
        assertThat(fixture.jobs.openJobs().jobs()).extracting(Job::jobId).containsExactly(fresh);
        assertThat(metrics.toString(StandardCharsets.UTF_8)).contains("\"JobsOverdue\":1.0");
    }

    @Test
    void aSweepThatCouldNotSweepEveryJobFailsAfterSweepingTheRest() {
        // GIVEN an overdue job and an idle one, and a sweeper whose queue is gone, so that it can
        // send no message again
        String overdue = JobId.newId();
        jobsAgo(fixture.config().jobDeadline()).create(overdue, 10);
        // (claimed through its message and given back for a retry, long ago)
        String idle = JobId.newId();
        JobRepository then = jobsAgo(JobSweeper.REQUEUE_AFTER);
        then.create(idle, 10);
        QueueMessage its = new QueueMessage("its-message", new JobMessage(idle, 10).toJson(), null, 1);
        assertThat(then.claim(idle, "a-worker", its.messageId(), Duration.ofMinutes(1))).isInstanceOf(ClaimResult.Claimed.class);
        assertThat(then.release(idle, "a-worker", "S3 slowed down")).isTrue();
        String gone = fixture.clients.sqs().createQueue(create -> create.queueName(Emulators.uniquePrefix())).queueUrl();
        fixture.clients.sqs().deleteQueue(delete -> delete.queueUrl(gone));
        Backlog backlog = new Backlog(fixture.jobs, fixture.digitStore(fixture.config())::state, fixture.config(), Clock.systemUTC());
        JobSweeper sweeper = new JobSweeper(countingJobs(), backlog, fixture.clients.sqs(), gone,
                WorkerFixture.FAST.staleAfter(), JobSweeper.REQUEUE_AFTER, emf, Clock.systemUTC());

        // WHEN it runs, THEN it fails the overdue job, and then the run, for the error alarm to see
        assertThatThrownBy(sweeper::sweep).isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("1 of 2 open jobs could not be swept (1 failed at their deadline, 0 sent again)");
        assertThat(fixture.jobs.find(overdue).orElseThrow().status()).isEqualTo(JobStatus.FAILED);

        // AND the job is still its message's: a dead-lettered duplicate does not fail it, as no other was sent
        assertThat(fixture.jobs.find(idle).orElseThrow().requeuedAt()).as("no message sent, none recorded").isNull();
        deadLetters().process(List.of(deadLetteredDuplicateOf(its)));
        assertThat(fixture.jobs.find(idle).orElseThrow().status()).as("after a duplicate").isEqualTo(JobStatus.IN_PROGRESS);

        // AND the next run, with the queue back, sends the idle job's message

        assertThat(sweeper(Clock.systemUTC()).sweep().requeued()).isEqualTo(1);
        assertThat(received(fixture.config().queueUrl())).extracting(QueueMessage::body)
                .containsExactly(new JobMessage(idle, 10).toJson());
    }

    @Test
    void theSweeperSweepsWhileTheDigitStoresItemCannotBeReadThenFailsItsRun() {
        // GIVEN a digit store whose item this version cannot read, an overdue job and one whose message was lost
        fixture.processor(WorkerFixture.FAST, PiWriter.PI_CORE).handle(fixture.newJob(100), PLENTY);
        fixture.resources.damageDigitStore(fixture.clients);
        String overdue = JobId.newId();
        jobsAgo(fixture.config().jobDeadline()).create(overdue, 10);
        String lost = JobId.newId();
        jobsAgo(JobSweeper.REQUEUE_AFTER).create(lost, 20);

        // WHEN the sweeper runs, THEN it fails the run, for the error alarm to see, naming the item
        assertThatThrownBy(() -> sweeper(Clock.systemUTC()).sweep()).isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("The digit store's item (" + DigitStore.ITEM_KEY + " in the jobs table) cannot be read")
                .hasMessageEndingWith("The 2 open jobs were swept without the waits it explains (1 failed at their deadline,"
                        + " 1 sent again)");

        // AND only after it has failed the overdue job and sent the lost one's message
        assertThat(fixture.jobs.find(overdue).orElseThrow().status()).isEqualTo(JobStatus.FAILED);
        assertThat(received(fixture.config().queueUrl())).extracting(QueueMessage::body)
                .containsExactly(new JobMessage(lost, 20).toJson());
    }

    @Test
    void aRecordTheSweeperCannotReadFailsTheRunAfterTheOthersAreSwept() {
        // GIVEN an overdue job, and an open one whose status a later version wrote
        String overdue = JobId.newId();
        jobsAgo(fixture.config().jobDeadline()).create(overdue, 10);
        String unreadable = WorkerFixture.jobIdOf(fixture.newJob(10));
        fixture.resources.overwriteStatus(fixture.clients, unreadable, "paused");

        // WHEN the sweeper runs, THEN it fails the overdue job, and then the run, for the error alarm to see
        assertThatThrownBy(() -> sweeper(Clock.systemUTC()).sweep()).isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("1 of 2 open jobs could not be swept (1 failed at their deadline");
        assertThat(fixture.jobs.find(overdue).orElseThrow().status()).isEqualTo(JobStatus.FAILED);
    }

    @Test
    void theSweeperSendsTheMessageOfAnIdleJobAgainOnce() {
        // GIVEN a job whose message was lost: queued, untouched for longer than the sweeper waits
        JobRepository past = jobsAgo(JobSweeper.REQUEUE_AFTER);
        String lost = JobId.newId();
        past.create(lost, 20);
        String recent = WorkerFixture.jobIdOf(fixture.newJob(20));
        // AND one as old, given back a moment ago by a worker for a retry, whose message comes back on its own
        String released = JobId.newId();
        past.create(released, 20);
        assertThat(fixture.jobs.claim(released, "a-worker", fixture.config().jobDeadline()))
                .isInstanceOf(ClaimResult.Claimed.class);
        assertThat(fixture.jobs.release(released, "a-worker", "S3 slowed down")).isTrue();

        // WHEN the sweeper runs twice
        JobSweeper.Sweep first = sweeper(Clock.systemUTC()).sweep();
        JobSweeper.Sweep second = sweeper(Clock.systemUTC()).sweep();

        // THEN one message for the idle job is in the queue, and a worker completes the job from it
        assertThat(first.requeued()).isEqualTo(1);
        assertThat(second.requeued()).isZero();
        List<QueueMessage> sent = received(fixture.config().queueUrl());
        assertThat(sent).extracting(QueueMessage::body).containsExactly(new JobMessage(lost, 20).toJson());
        try (JobProcessor processor = fixture.processor(WorkerFixture.FAST, PiWriter.PI_CORE)) {
            assertThat(processor.handle(sent.getFirst(), PLENTY)).isEqualTo(JobProcessor.Outcome.DONE);
        }
        assertThat(fixture.jobs.find(lost).orElseThrow().status()).isEqualTo(JobStatus.COMPLETE);
        assertThat(fixture.jobs.find(recent).orElseThrow().requeuedAt()).isNull();
        assertThat(fixture.jobs.find(released).orElseThrow().requeuedAt()).isNull();
    }

    @Test
    void theSweeperLeavesTheMessageOfAJobWaitingBehindTheWorkAheadOfItAlone() {
        // GIVEN two jobs queued and untouched for longer than the sweeper waits: the first, of
        // 10^8 digits, keeps the one worker busy for minutes by the time model; the second, one
        // minute younger, waits behind it
        MutableClock clock = new MutableClock(Instant.now().minus(JobSweeper.REQUEUE_AFTER).minusSeconds(120));
        JobRepository past = new JobRepository(fixture.clients.dynamoDb(), fixture.config(), clock);
        String first = JobId.newId();
        past.create(first, 100_000_000);
        clock.advance(Duration.ofMinutes(1));
        String behind = JobId.newId();
        past.create(behind, 20);
        Duration firstsWork = ComputeTimeModel.forLambdaMemory(fixture.config().workerMemoryMb()).estimate(100_000_000);
        assertThat(firstsWork.dividedBy(fixture.config().workerConcurrency())).isGreaterThan(Duration.ofMinutes(2));

        // WHEN the sweeper runs
        JobSweeper.Sweep sweep = sweeper(Clock.systemUTC()).sweep();

        // THEN only the first job's message, which nothing explains the wait of, is sent again
        assertThat(sweep.requeued()).isEqualTo(1);
        assertThat(received(fixture.config().queueUrl())).extracting(QueueMessage::body)
                .containsExactly(new JobMessage(first, 100_000_000).toJson());
        assertThat(fixture.jobs.find(behind).orElseThrow().requeuedAt()).isNull();
    }

    @Test
    void theWorkDoneWhileAJobWaitsInTheQueueCountsAsItsWaitNotAsTimeLost() {
        // GIVEN a job accepted 40 minutes ago behind half an hour of work, which is done by now
        // (none is ahead of it any more), and whose message has not been taken yet
        Instant accepted = Instant.now().minus(Duration.ofMinutes(40));
        JobRepository then = new JobRepository(fixture.clients.dynamoDb(), fixture.config(), new MutableClock(accepted));
        String id = JobId.newId();
        then.create(id, 20, accepted.plus(Duration.ofMinutes(30)), null);

        // WHEN the sweeper runs now, 10 minutes after the job's expected start
        JobSweeper.Sweep early = sweeper(Clock.systemUTC()).sweep();

        // THEN its message is left alone: a worker may take it yet
        assertThat(early.requeued()).isZero();
        assertThat(fixture.jobs.find(id).orElseThrow().requeuedAt()).isNull();

        // AND once it has been idle past its expected start for as long as the sweeper waits, its
        // message is sent again, expected to be taken at once (nothing is ahead of it)
        MutableClock later = new MutableClock(accepted.plus(Duration.ofMinutes(30)).plus(JobSweeper.REQUEUE_AFTER).plusSeconds(1));
        assertThat(sweeper(later).sweep().requeued()).isEqualTo(1);
        assertThat(received(fixture.config().queueUrl())).extracting(QueueMessage::body)
                .containsExactly(new JobMessage(id, 20).toJson());
        assertThat(fixture.jobs.find(id).orElseThrow().expectedStartAt()).isEqualTo(later.instant().truncatedTo(ChronoUnit.MILLIS));
    }

    @Test
    void aWorkerFailsAJobPastItsDeadlineInsteadOfStartingIt() {
        String id = jobWithDeadlineIn(Duration.ofSeconds(-1), 100);
        AtomicInteger runs = new AtomicInteger();
        PiWriter counting = (digits, out, progress, cancelled) -> {
            runs.incrementAndGet();
            PiWriter.PI_CORE.write(digits, out, progress, cancelled);
        };

        JobProcessor.Outcome outcome;
        try (JobProcessor processor = fixture.processor(WorkerFixture.FAST, counting)) {
            outcome = processor.handle(new QueueMessage("m1", new JobMessage(id, 100).toJson(), null, 1), PLENTY);
        }

        assertThat(outcome).isEqualTo(JobProcessor.Outcome.DONE);
        assertThat(runs.get()).isZero();
        Job job = fixture.jobs.find(id).orElseThrow();
        assertThat(job.error()).startsWith("Not finished by its deadline");
        assertThat(job.attempts()).as("failed without a claim").isZero();
        assertThat(fixture.metrics()).as("counted as the sweeper counts it").contains("\"JobsOverdue\":1.0", "\"JobsFailed\":1.0");
    }

    @Test
    void aJobPastItsDeadlineThatALiveWorkerHoldsIsLeftToThatWorker() {
        // GIVEN a job past its deadline whose worker is alive (it may be completing it)
        String id = jobWithDeadlineIn(Duration.ofSeconds(-1), 100);
        fixture.jobs.claim(id, "live-worker", Duration.ofMinutes(1));

        // WHEN a duplicate of its message is handled
        JobProcessor.Outcome outcome;
        try (JobProcessor processor = fixture.processor(WorkerSettings.DEFAULT, PiWriter.PI_CORE)) {
            outcome = processor.handle(new QueueMessage("m2", new JobMessage(id, 100).toJson(), null, 1), PLENTY);
        }

        // THEN the message comes back, and the job is still the worker's
        assertThat(outcome).isEqualTo(JobProcessor.Outcome.RETRY);
        assertThat(fixture.jobs.find(id).orElseThrow().status()).isEqualTo(JobStatus.IN_PROGRESS);
        assertThat(fixture.jobs.complete(id, "live-worker", ResultStore.resultKey(id, 100), 102)).isTrue();
    }

    @Test
    void theMessageTheSweeperSentAgainForAJobClaimedAndReleasedSinceItLookedIsNotTheJobs() {
        // GIVEN a job given back for a retry long ago, idle as the sweeper read it, which a worker
        // then claimed through its message and gave back again (its heartbeat is as it was: released)
        JobRepository past = jobsAgo(JobSweeper.REQUEUE_AFTER);
        String id = JobId.newId();
        past.create(id, 20);
        QueueMessage message = new QueueMessage("its-message", new JobMessage(id, 20).toJson(), null, 1);
        past.claim(id, "a-worker", message.messageId(), Duration.ofMinutes(1));
        past.release(id, "a-worker", "S3 slowed down");
        Job seen = fixture.jobs.find(id).orElseThrow();
        fixture.jobs.claim(id, "another-worker", message.messageId(), Duration.ofMinutes(1));
        fixture.jobs.release(id, "another-worker", "S3 slowed down again");

        // WHEN the sweeper records the message it sent again for it
        boolean recorded = fixture.jobs.markRequeued(seen, "sent-again", Instant.now());

        // THEN it does not: the released job's own message comes back, and only it may fail the job
        assertThat(recorded).isFalse();
        deadLetters().process(List.of(new QueueMessage("sent-again", message.body(), null, JobDelivery.MAX_RECEIVE_COUNT)));
        assertThat(fixture.jobs.find(id).orElseThrow().status()).isEqualTo(JobStatus.IN_PROGRESS);
    }

    @Test
    void aMessageSentAgainWhoseRecordWasAppliedThoughTheSweepFailedIsOutAndNotSentTwice() {
        // GIVEN a job whose message was lost, and a table that applies the sweeper's record of the
        // message it sends again, loses its answer, and then refuses the SDK's retries
        String lost = JobId.newId();
        jobsAgo(JobSweeper.REQUEUE_AFTER).create(lost, 20);
        try (FaultProxy proxy = FaultProxy.start(Emulators.aws().dynamoDbEndpoint());
             AwsClients faulty = AwsClients.fromSettings(Emulators.settingsThrough(Map.of("DYNAMODB", proxy.endpoint())))) {
            Predicate<FaultProxy.Request> itsRecord = request -> request.isDynamoDb("UpdateItem") && request.bodyText().contains(lost);
            proxy.inject(itsRecord, Fault.lostAnswer(), 1);
            proxy.injectAlways(itsRecord, Fault.dynamoDbOutage());
            JobRepository jobs = new JobRepository(faulty.dynamoDb(), fixture.config(), Clock.systemUTC(), emf);
            JobSweeper sweeper = new JobSweeper(jobs, new Backlog(jobs, fixture.digitStore(fixture.config())::state,
                    fixture.config(), Clock.systemUTC()), fixture.clients.sqs(), fixture.config().queueUrl(),
                    WorkerFixture.FAST.staleAfter(), JobSweeper.REQUEUE_AFTER, emf, Clock.systemUTC());

            // WHEN it sweeps, and sweeps again once the table answers
            assertThatThrownBy(sweeper::sweep).isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("1 of 1 open jobs could not be swept");
            proxy.heal();
            JobSweeper.Sweep next = sweeper.sweep();

            // THEN the job's message went out in the first sweep, and the record applied keeps the
            // next sweep from sending another
            assertThat(proxy.faulted()).hasSizeGreaterThan(1);
            assertThat(next.requeued()).isZero();
            assertThat(received(fixture.config().queueUrl())).extracting(QueueMessage::body)
                    .containsExactly(new JobMessage(lost, 20).toJson());
        }
    }

    @Test
    void aWorkerFailsAJobThatCannotFinishByItsDeadlineInsteadOfStartingIt() {
        // GIVEN a job whose deadline is 30 s away, less than a time model estimates any computation
        // takes (the calls before the worker's check may take seconds on a busy machine)
        String id = jobWithDeadlineIn(Duration.ofSeconds(30), 100);
        AtomicInteger runs = new AtomicInteger();

        JobProcessor.Outcome outcome;
        PiWriter counting = (digits, out, progress, cancelled) -> runs.incrementAndGet();
        WorkerSettings slow = WorkerFixture.withTimeModel(WorkerFixture.FAST, new ComputeTimeModel(60, 0, 1));
        try (JobProcessor processor = fixture.processor(slow, counting)) {
            outcome = processor.handle(new QueueMessage("m1", new JobMessage(id, 100).toJson(), null, 1), PLENTY);
        }

        assertThat(outcome).isEqualTo(JobProcessor.Outcome.DONE);
        assertThat(runs.get()).isZero();
        Job job = fixture.jobs.find(id).orElseThrow();
        assertThat(job.status()).isEqualTo(JobStatus.FAILED);
        assertThat(job.error()).startsWith("Cannot finish by its deadline: computing 100 digits takes about");
    }

    @Test
    void aComputationStopsAtItsJobsDeadlineAndTheJobFails() {
        // GIVEN a job whose deadline is 6 s away, and a computation that would go on until it is
        // stopped, which the time model expects to take no time at all
        String id = jobWithDeadlineIn(Duration.ofSeconds(6), 100);
        PiWriter endless = (digits, out, progress, cancelled) -> {
            while (!cancelled.getAsBoolean()) {
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
            throw new java.util.concurrent.CancellationException("stopped");
        };

        // WHEN a worker with ten minutes of its invocation left computes it
        long started = System.nanoTime();
        JobProcessor.Outcome outcome;
        WorkerSettings instant = WorkerFixture.withTimeModel(WorkerFixture.FAST, new ComputeTimeModel(0, 0, 1));
        try (JobProcessor processor = fixture.processor(instant, endless)) {
            outcome = processor.handle(new QueueMessage("m1", new JobMessage(id, 100).toJson(), null, 1), PLENTY);
        }

        // THEN it stops by the job's deadline, not the invocation's, and fails the job with that reason
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
        assertThat(outcome).isEqualTo(JobProcessor.Outcome.DONE);
        Job job = fixture.jobs.find(id).orElseThrow();
        assertThat(job.status()).isEqualTo(JobStatus.FAILED);
        assertThat(job.error()).startsWith("Not finished by its deadline");
    }

    /** A queued job, accepted so long ago that its deadline is {@code left} away (past, when negative). */
    private String jobWithDeadlineIn(Duration left, int digits) {
        return WorkerFixture.jobIdOf(fixture.newJobDueIn(left, digits));
    }

    @Test
    void aClaimThatFindsTheResultStoredWholeCompletesTheJobWithoutComputing() throws Exception {
        // GIVEN a job whose earlier attempt stored its result and died before recording it
        QueueMessage message = fixture.newJob(30);
        String id = WorkerFixture.jobIdOf(message);
        String key = ResultStore.resultKey(id, 30);
        fixture.store(fixture.config()).upload(key, out -> PiWriter.PI_CORE.write(30, out, (f, p) -> { }, () -> false));
        AtomicInteger runs = new AtomicInteger();
        PiWriter counting = (digits, out, progress, cancelled) -> runs.incrementAndGet();

        // WHEN its message comes back
        JobProcessor.Outcome outcome;
        try (JobProcessor processor = fixture.processor(WorkerFixture.FAST, counting)) {
            outcome = processor.handle(message, PLENTY);
        }

        // THEN the job is complete with that object, and nothing was computed
        assertThat(outcome).isEqualTo(JobProcessor.Outcome.DONE);
        assertThat(runs.get()).isZero();
        Job job = fixture.jobs.find(id).orElseThrow();
        assertThat(job.status()).isEqualTo(JobStatus.COMPLETE);
        assertThat(job.resultKey()).isEqualTo(key);
        assertThat(job.resultBytes()).isEqualTo(32);
    }

    @Test
    void aPartialResultFromAnEarlierAttemptIsComputedAgain() throws Exception {
        QueueMessage message = fixture.newJob(30);
        String id = WorkerFixture.jobIdOf(message);
        fixture.store(fixture.config()).upload(ResultStore.resultKey(id, 30), out -> out.write("3.14".getBytes(StandardCharsets.US_ASCII)));

        try (JobProcessor processor = fixture.processor(WorkerFixture.FAST, PiWriter.PI_CORE)) {
            assertThat(processor.handle(message, PLENTY)).isEqualTo(JobProcessor.Outcome.DONE);
        }

        Job job = fixture.jobs.find(id).orElseThrow();
        assertThat(job.status()).isEqualTo(JobStatus.COMPLETE);
        assertThat(fixture.store(fixture.config()).size(job.resultKey())).hasValue(32);
    }

    /** Another message for {@code message}'s job (a send retried, a re-send), which the queue gave up on. */
    private static QueueMessage deadLetteredDuplicateOf(QueueMessage message) {
        return new QueueMessage("another-" + message.messageId(), message.body(), null, JobDelivery.MAX_RECEIVE_COUNT);
    }

    /** Lists job {@code id}, of 2,000 digits, to wait for another worker's live computation of 4,000. */
    private DigitStore listedForALiveComputation(String id) {
        DigitStore store = fixture.digitStore(fixture.config());
        assertThat(store.takeLease("computing-worker", 4_000, 4_000, LEASE_ENDS_BY, JobDelivery.STALE_AFTER)).isTrue();
        assertThat(store.await(new DigitStore.Waiter(id, 2_000), "computing-worker")).isTrue();
        return store;
    }

    private DeadLetters deadLetters() {
        return new DeadLetters(fixture.jobs, fixture.digitStore(fixture.config())::state, emf, Clock.systemUTC());
    }

    /** The jobs table with a clock a minute further back than {@code ago}: what it writes has been untouched since. */
    private JobRepository jobsAgo(Duration ago) {
        return new JobRepository(fixture.clients.dynamoDb(), fixture.config(),
                new MutableClock(Instant.now().minus(ago).minusSeconds(60)));
    }

    private JobSweeper sweeper(Clock clock) {
        Backlog backlog = new Backlog(fixture.jobs, fixture.digitStore(fixture.config())::state, fixture.config(), clock);
        return new JobSweeper(countingJobs(), backlog, fixture.clients.sqs(), fixture.config().queueUrl(),
                WorkerFixture.FAST.staleAfter(), JobSweeper.REQUEUE_AFTER, emf, clock);
    }

    /** The fixture's jobs, with what the repository counts (jobs failed at their deadline) in {@link #emf}, as a sweeper's are. */
    private JobRepository countingJobs() {
        return new JobRepository(fixture.clients.dynamoDb(), fixture.config(), Clock.systemUTC(), emf);
    }

    private List<QueueMessage> received(String queueUrl) {
        return EventSourceStandIn.receive(fixture.clients.sqs(), queueUrl, 10);
    }
}
