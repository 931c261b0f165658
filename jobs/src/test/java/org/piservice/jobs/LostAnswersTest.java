package org.piservice.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Map;
import java.util.Optional;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.piservice.contract.JobDelivery;
import org.piservice.jobs.testing.Emulators;
import org.piservice.jobs.testing.FaultProxy;
import org.piservice.jobs.testing.FaultProxy.Fault;
import org.piservice.jobs.testing.MutableClock;
import org.piservice.jobs.testing.TestResources;

/**
 * Conditional writes whose answer is lost on the way back (a proxy forwards the write, then drops
 * the connection): the SDK sends the write again, its condition now fails on the write's own
 * effect, and the writer must take that for its own success. And a write that took effect must
 * not be undone by a lesser one after it that fails.
 */
class LostAnswersTest {

    /** When the leases these tests take end at the latest: as an invocation's, long before any of their jobs is due. */
    private static final Instant LEASE_ENDS_BY = Instant.now().plus(Duration.ofMinutes(15));

    private final TestResources resources = Emulators.newResources();
    private FaultProxy proxy;
    private AwsClients clients;

    @BeforeEach
    void startProxy() {
        proxy = FaultProxy.start(Emulators.aws().dynamoDbEndpoint());
        clients = AwsClients.fromSettings(Emulators.settingsThrough(Map.of("DYNAMODB", proxy.endpoint())));
    }

    @AfterEach
    void stopProxy() {
        clients.close();
        proxy.close();
    }

    @Test
    void aClaimWhoseAnswerWasLostIsTheClaimersOwn() {
        JobRepository jobs = new JobRepository(clients.dynamoDb(), resources.config());
        String id = JobId.newId();
        jobs.create(id, 100);
        proxy.inject(request -> request.isDynamoDb("UpdateItem"), Fault.lostAnswer(), 1);

        ClaimResult claim = jobs.claim(id, "worker-1", "m1", JobDelivery.STALE_AFTER);

        assertThat(proxy.faulted()).hasSize(1);
        assertThat(claim).isInstanceOfSatisfying(ClaimResult.Claimed.class, claimed -> {
            assertThat(claimed.job().owner()).isEqualTo("worker-1");
            assertThat(claimed.job().attempts()).isEqualTo(1);
        });
    }

    @Test
    void aTakeoverWhoseNoteOfTheSilentAttemptFailsIsStillTheClaimersOwn() {
        MutableClock clock = new MutableClock(Instant.now());
        JobRepository jobs = new JobRepository(clients.dynamoDb(), resources.config(), clock);
        String id = JobId.newId();
        jobs.create(id, 100);
        jobs.claim(id, "dead", "m1", JobDelivery.STALE_AFTER);
        clock.advance(JobDelivery.STALE_AFTER.plusSeconds(1));
        // A takeover's second write notes why the attempt before ended; the table refuses that one
        // (an answer the SDK does not retry).
        proxy.injectAlways(request -> request.isDynamoDb("UpdateItem")
                && request.bodyText().contains(JobRepository.SILENT_ATTEMPT), Fault.dynamoDbRefusal());

        ClaimResult takeover = jobs.claim(id, "alive", "m2", JobDelivery.STALE_AFTER);

        assertThat(proxy.faulted()).isNotEmpty();
        assertThat(takeover).as("the claim is written: an exception would leave it held by no one")
                .isInstanceOfSatisfying(ClaimResult.Claimed.class, claimed -> {
                    assertThat(claimed.job().owner()).isEqualTo("alive");
                    assertThat(claimed.job().attempts()).isEqualTo(2);
                });
        assertThat(jobs.heartbeat(id, "alive", 0.1)).isTrue();
    }

    @Test
    void aCompletionAFailureAndAReleaseWhoseAnswersWereLostAreTheWritersOwn() {
        JobRepository jobs = new JobRepository(clients.dynamoDb(), resources.config());
        String completed = claimedJob(jobs, "worker-1");
        String failed = claimedJob(jobs, "worker-2");
        String released = claimedJob(jobs, "worker-3");

        // one lost answer each, so that the SDK's second try of each is refused by the first one's effect
        proxy.inject(request -> request.isDynamoDb("UpdateItem"), Fault.lostAnswer(), 1);
        assertThat(jobs.complete(completed, "worker-1", "results/x.txt", 102)).as("completed").isTrue();
        proxy.inject(request -> request.isDynamoDb("UpdateItem"), Fault.lostAnswer(), 1);
        assertThat(jobs.fail(failed, "worker-2", "too large")).as("failed").isTrue();
        proxy.inject(request -> request.isDynamoDb("UpdateItem"), Fault.lostAnswer(), 1);
        assertThat(jobs.release(released, "worker-3", "S3 was down")).as("released").isTrue();

        assertThat(proxy.faulted()).hasSize(3);
        assertThat(jobs.find(completed).orElseThrow().status()).isEqualTo(JobStatus.COMPLETE);
        assertThat(jobs.find(failed).orElseThrow().status()).isEqualTo(JobStatus.FAILED);
        assertThat(jobs.find(released).orElseThrow().owner()).isNull();
    }

    @Test
    void aFailureAtTheDeadlineWhoseAnswerWasLostIsTheFailersOwnAndCountedOnce() {
        MutableClock clock = new MutableClock(Instant.now().minus(resources.config().jobDeadline()).minusSeconds(60));
        String id = JobId.newId();
        new JobRepository(clients.dynamoDb(), resources.config(), clock).create(id, 100);
        ByteArrayOutputStream emitted = new ByteArrayOutputStream();
        JobRepository jobs = new JobRepository(clients.dynamoDb(), resources.config(), Clock.systemUTC(),
                new EmfMetrics(new PrintStream(emitted, true, StandardCharsets.UTF_8), Clock.systemUTC()));
        Job overdue = jobs.find(id).orElseThrow();
        proxy.inject(request -> request.isDynamoDb("UpdateItem"), Fault.lostAnswer(), 1);

        boolean failed = jobs.failOverdue(overdue);

        assertThat(proxy.faulted()).hasSize(1);
        assertThat(failed).isTrue();
        assertThat(jobs.failOverdue(overdue)).as("a second sweep's failure").isFalse();
        assertThat(jobs.failOverdueUnheld(overdue, JobDelivery.STALE_AFTER)).as("the api's, after it").isFalse();
        assertThat(emitted.toString(StandardCharsets.UTF_8).lines())
                .singleElement(InstanceOfAssertFactories.STRING)
                .contains("\"JobsOverdue\":1.0", "\"JobsFailed\":1.0", id);
    }

    @Test
    void aCancellationWhoseAnswerWasLostIsTheCancellersAndGivesTheDigitsBackOnce() {
        // GIVEN a queued job whose 2,000 digits were charged to its client's day
        ClientDigitBudget budget = new ClientDigitBudget(clients.dynamoDb(), resources.config(), Clock.systemUTC(),
                EmfMetrics.stdout());
        LocalDate day = budget.today();
        assertThat(budget.charge("198.51.100.7", day, 2000).admitted()).isTrue();
        JobRepository jobs = new JobRepository(clients.dynamoDb(), resources.config());
        String id = JobId.newId();
        jobs.create(id, 2000, null, ClientDigitBudget.account("198.51.100.7", day));
        proxy.inject(request -> request.isDynamoDb("UpdateItem"), Fault.lostAnswer(), 1);

        // WHEN its cancellation's answer is lost, so that the SDK's second try is refused by the first's effect
        Optional<Job> cancelled = jobs.cancel(id);

        // THEN the cancellation is the canceller's, and the day has its 2,000 digits back, once
        assertThat(proxy.faulted()).hasSize(1);
        assertThat(cancelled).map(Job::status).contains(JobStatus.CANCELLED);
        assertThat(budget.charge("198.51.100.7", day, budget.limit()).admitted()).as("the whole day").isTrue();
        assertThat(budget.charge("198.51.100.7", day, 1).admitted()).as("one more").isFalse();
    }

    @Test
    void anotherWritersEndIsNotTheRefusedWritersOwnAndCostsNoRead() {
        JobRepository jobs = new JobRepository(clients.dynamoDb(), resources.config());
        String id = claimedJob(jobs, "worker-1");
        Job claimed = jobs.find(id).orElseThrow();
        assertThat(jobs.fail(id, "worker-1", "too large")).isTrue();
        proxy.injectAlways(request -> request.isDynamoDb("GetItem"), Fault.dynamoDbOutage());

        assertThat(jobs.complete(id, "worker-1", "results/x.txt", 102)).as("completed after its own failure").isFalse();
        assertThat(jobs.fail(id, "worker-2", "too large")).as("failed by an owner it never had").isFalse();
        assertThat(jobs.failOverdue(claimed)).as("failed again").isFalse();
        assertThat(proxy.faulted()).as("reads").isEmpty();
    }

    @Test
    void aLeaseWhoseAnswerWasLostIsTheTakersOwn() {
        DigitStore store = digitStore();
        proxy.inject(request -> request.isDynamoDb("UpdateItem"), Fault.lostAnswer(), 1);

        boolean taken = store.takeLease("worker-1", 2000, 1000, LEASE_ENDS_BY, JobDelivery.STALE_AFTER);

        assertThat(proxy.faulted()).hasSize(1);
        assertThat(taken).isTrue();
        assertThat(store.takeLease("worker-2", 2000, 1000, LEASE_ENDS_BY, JobDelivery.STALE_AFTER)).as("held by worker-1").isFalse();
    }

    @Test
    void anOfferWhosePointerWriteLostItsAnswerIsStoredAndTheOldStoreDeleted() throws IOException {
        DigitStore store = digitStore();
        String shorter = DigitStoreTest.text(1000);
        DigitStore.Candidate first = store.write(1000, out -> out.write(shorter.getBytes(StandardCharsets.US_ASCII)));
        assertThat(store.offer(first)).isEqualTo(new DigitStore.Offer.Stored(1000));
        String longer = DigitStoreTest.text(2000);
        DigitStore.Candidate second = store.write(2000, out -> out.write(longer.getBytes(StandardCharsets.US_ASCII)));
        proxy.inject(request -> request.isDynamoDb("UpdateItem"), Fault.lostAnswer(), 1);

        DigitStore.Offer offer = store.offer(second);

        assertThat(proxy.faulted()).hasSize(1);
        assertThat(offer).isEqualTo(new DigitStore.Offer.Stored(2000));
        assertThat(new ResultStore(clients.s3(), clients.presigner(), resources.config()).size(first.key()))
                .as("the store it replaced").isEmpty();
    }

    @Test
    void aResendRecordWhoseAnswerWasLostIsTheSweepersOwn() {
        JobRepository jobs = new JobRepository(clients.dynamoDb(), resources.config());
        String id = JobId.newId();
        jobs.create(id, 100);
        Job seen = jobs.find(id).orElseThrow();
        proxy.inject(request -> request.isDynamoDb("UpdateItem"), Fault.lostAnswer(), 1);

        boolean recorded = jobs.markRequeued(seen, "the-message-sent-again", Instant.now());

        assertThat(proxy.faulted()).hasSize(1);
        assertThat(recorded).as("the message is the job's").isTrue();
        assertThat(jobs.find(id).orElseThrow().requeuedAt()).isNotNull();
    }

    private static String claimedJob(JobRepository jobs, String owner) {
        String id = JobId.newId();
        jobs.create(id, 100);
        assertThat(jobs.claim(id, owner, JobDelivery.STALE_AFTER)).isInstanceOf(ClaimResult.Claimed.class);
        return id;
    }

    private DigitStore digitStore() {
        ResultStore results = new ResultStore(clients.s3(), clients.presigner(), resources.config());
        return new DigitStore(clients.dynamoDb(), clients.s3(), results, resources.config());
    }
}
