package org.piservice.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.piservice.contract.JobDelivery;
import org.piservice.contract.ServiceMetrics;
import org.piservice.contract.Storage;
import org.piservice.core.ComputeTimeModel;
import org.piservice.jobs.testing.Await;
import org.piservice.jobs.testing.Emulators;
import org.piservice.jobs.testing.FaultProxy;
import org.piservice.jobs.testing.FaultProxy.Fault;
import org.piservice.jobs.testing.LogCapture;
import org.piservice.jobs.testing.TestResources;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;

/** Submitting jobs with real SDK clients against the embedded emulators, some through a proxy that injects faults. */
class JobSubmissionTest {

    private final AwsClients clients = Emulators.clients();
    private final TestResources resources = Emulators.newResources();
    private final JobRepository jobs = new JobRepository(clients.dynamoDb(), resources.config());
    private final ByteArrayOutputStream metricLines = new ByteArrayOutputStream();
    private final EmfMetrics metrics = new EmfMetrics(new PrintStream(metricLines, true, StandardCharsets.UTF_8),
            Clock.systemUTC());
    @RegisterExtension
    final LogCapture logs = new LogCapture();
    /** The submissions' clock, stopped: a test that charges a client's day more than once must not cross midnight. */
    private final Clock stopped = Clock.fixed(Instant.now(), ZoneOffset.UTC);

    @Test
    void aSubmittedJobIsRecordedAsQueuedAndItsMessageSent() {
        JobSubmission.Outcome outcome = submission(clients.dynamoDb(), clients.sqs(), resources.config()).submit(request(1000));

        assertThat(outcome).isInstanceOf(JobSubmission.Accepted.class);
        Job job = jobs.find(outcome.jobId()).orElseThrow();
        assertThat(job.status()).isEqualTo(JobStatus.QUEUED);
        assertThat(job.digits()).isEqualTo(1000);
        assertThat(queuedMessages()).containsExactly(new JobMessage(outcome.jobId(), 1000));
    }

    @Test
    void aJobIsRecordedWithWhenItsMessageShouldBeTakenAfterTheWorkAheadOfItOrTheComputationItWaitsFor() {
        JobSubmission submission = submission(clients.dynamoDb(), clients.sqs(), resources.config());
        Duration firstsWork = ComputeTimeModel.forLambdaMemory(resources.config().workerMemoryMb()).estimate(10_000_000)
                .dividedBy(resources.config().workerConcurrency());
        assertThat(firstsWork).isGreaterThan(Duration.ofSeconds(1));

        // WHEN a job of 10^7 digits and then one of 1,000 are submitted
        String first = submission.submit(request(10_000_000)).jobId();
        String second = submission.submit(request(1000)).jobId();

        // THEN the first is expected to be taken at once, the second once the first's work is done
        // (to the millisecond that the record keeps)
        Instant now = stopped.instant();
        assertThat(jobs.find(first).orElseThrow().expectedStartAt()).isBetween(now.truncatedTo(ChronoUnit.MILLIS), now);
        assertThat(jobs.find(second).orElseThrow().expectedStartAt())
                .isBetween(now.plus(firstsWork).truncatedTo(ChronoUnit.MILLIS), now.plus(firstsWork));
        // AND a claim, which ends the message's wait, clears it
        assertThat(jobs.claim(second, "a-worker", JobDelivery.STALE_AFTER)).isInstanceOfSatisfying(ClaimResult.Claimed.class,
                claimed -> assertThat(claimed.job().expectedStartAt()).isNull());
        assertThat(jobs.find(second).orElseThrow().expectedStartAt()).isNull();

        // AND a job a live computation covers, when that computation's worker reckons it done
        DigitStore store = new DigitStore(clients.dynamoDb(), clients.s3(),
                new ResultStore(clients.s3(), clients.presigner(), resources.config()), resources.config());
        Instant leaseEnd = Instant.now().plus(Duration.ofMinutes(10)).truncatedTo(ChronoUnit.MILLIS);
        assertThat(store.takeLease("computing-worker", 4000, 4000, leaseEnd, JobDelivery.STALE_AFTER)).isTrue();
        String waiting = submission.submit(request(3000)).jobId();
        assertThat(jobs.find(waiting).orElseThrow().expectedStartAt()).isEqualTo(leaseEnd);
    }

    @Test
    void aJobWhoseMessageCannotBeSentIsWithdrawn() {
        // GIVEN a queue that does not exist (deleted under the service, or misconfigured)
        String gone = clients.sqs().createQueue(create -> create.queueName(Emulators.uniquePrefix())).queueUrl();
        clients.sqs().deleteQueue(delete -> delete.queueUrl(gone));
        ServiceConfig config = TestResources.config(resources.config().tableName(), gone, resources.config().bucketName());

        JobSubmission.Outcome outcome = submission(clients.dynamoDb(), clients.sqs(), config).submit(request(10));

        assertThat(outcome).isInstanceOfSatisfying(JobSubmission.NotQueued.class, notQueued ->
                assertThat(notQueued.cause()).isInstanceOf(QueueDoesNotExistException.class));
        assertThat(jobs.find(outcome.jobId())).as("the record is withdrawn").isEmpty();
    }

    @Test
    void aJobTheTableCannotRecordIsNeverQueued() {
        ServiceConfig noTable = TestResources.config("no-such-table", resources.config().queueUrl(),
                resources.config().bucketName());

        JobSubmission.Outcome outcome = submission(clients.dynamoDb(), clients.sqs(),
                noTable).submit(request(10));

        assertThat(outcome).isInstanceOf(JobSubmission.NotRecorded.class);
        assertThat(queuedMessages()).isEmpty();
    }

    @Test
    void aJobAWorkerHasAlreadyStandsAlthoughItsSendReportedAFailure() throws Exception {
        // GIVEN SQS whose every answer to a send is lost after the message is in the queue, a
        // worker that claims the job as soon as its message arrives, and a table that holds the
        // withdrawal until that claim is made
        try (FaultProxy sqsProxy = FaultProxy.start(Emulators.aws().sqsEndpoint());
             FaultProxy dynamoDbProxy = FaultProxy.start(Emulators.aws().dynamoDbEndpoint());
             AwsClients proxied = AwsClients.fromSettings(Emulators.settingsThrough(Map.of("SQS", sqsProxy.endpoint(), "DYNAMODB", dynamoDbProxy.endpoint())));
             ExecutorService worker = Executors.newSingleThreadExecutor()) {
            sqsProxy.injectAlways(request -> request.isSqs("SendMessage"), Fault.lostAnswer());
            CountDownLatch claimed = new CountDownLatch(1);
            dynamoDbProxy.injectAlways(request -> request.isDynamoDb("DeleteItem"), new Fault.Held(claimed));
            Future<ClaimResult> claim = worker.submit(() -> {
                try {
                    Message message = clients.sqs().receiveMessage(receive -> receive.queueUrl(resources.config().queueUrl())
                            .waitTimeSeconds(10)).messages().getFirst();
                    return jobs.claim(JobMessage.parse(message.body()).jobId(), "worker-1", Duration.ofMinutes(1));
                } finally {
                    claimed.countDown();
                }
            });

            // WHEN a job is submitted
            JobSubmission.Outcome outcome = submission(proxied.dynamoDb(), proxied.sqs(), resources.config()).submit(request(10));

            // THEN its send failed, its withdrawal was tried, and the job stands, with the worker that has it
            assertThat(sqsProxy.faulted()).isNotEmpty();
            assertThat(dynamoDbProxy.faulted()).isNotEmpty();
            assertThat(claim.get()).isInstanceOf(ClaimResult.Claimed.class);
            assertThat(outcome).isInstanceOf(JobSubmission.Accepted.class);
            assertThat(jobs.find(outcome.jobId()).orElseThrow().status()).isEqualTo(JobStatus.IN_PROGRESS);
        }
    }

    @Test
    void aJobThatCanBeNeitherSentNorWithdrawnIsAcceptedForTheSweeperToSend() {
        // GIVEN a queue that does not exist and a table in an outage for deletes
        String gone = clients.sqs().createQueue(create -> create.queueName(Emulators.uniquePrefix())).queueUrl();
        clients.sqs().deleteQueue(delete -> delete.queueUrl(gone));
        ServiceConfig config = TestResources.config(resources.config().tableName(), gone, resources.config().bucketName());
        try (FaultProxy proxy = FaultProxy.start(Emulators.aws().dynamoDbEndpoint());
             AwsClients proxied = AwsClients.fromSettings(Emulators.settingsThrough(Map.of("DYNAMODB", proxy.endpoint())))) {
            proxy.injectAlways(request -> request.isDynamoDb("DeleteItem"), Fault.dynamoDbOutage());

            // WHEN a job is submitted
            JobSubmission.Outcome outcome = submission(proxied.dynamoDb(), clients.sqs(), config)
                    .submit(request(10));

            // THEN the job, which stays, is its client's: queued, for the sweeper to send its message
            assertThat(proxy.faulted()).isNotEmpty();
            assertThat(outcome).isInstanceOf(JobSubmission.Accepted.class);
            assertThat(jobs.find(outcome.jobId()).orElseThrow().status()).isEqualTo(JobStatus.QUEUED);
        }
    }

    @Test
    void aWithdrawalWhoseAnswersAreLostIsFoundDoneAndNoJobIsClaimed() {
        // GIVEN a queue that does not exist, and a table whose every answer to a delete is lost
        // after the delete took effect
        String gone = clients.sqs().createQueue(create -> create.queueName(Emulators.uniquePrefix())).queueUrl();
        clients.sqs().deleteQueue(delete -> delete.queueUrl(gone));
        ServiceConfig config = TestResources.config(resources.config().tableName(), gone, resources.config().bucketName());
        try (FaultProxy proxy = FaultProxy.start(Emulators.aws().dynamoDbEndpoint());
             AwsClients proxied = AwsClients.fromSettings(Emulators.settingsThrough(Map.of("DYNAMODB", proxy.endpoint())))) {
            proxy.injectAlways(request -> request.isDynamoDb("DeleteItem"), Fault.lostAnswer());

            // WHEN a job is submitted
            JobSubmission.Outcome outcome = submission(proxied.dynamoDb(), clients.sqs(), config)
                    .submit(request(10));

            // THEN it was withdrawn, as a look at the table shows, and no job is claimed for the client
            assertThat(proxy.faulted()).isNotEmpty();
            assertThat(outcome).isInstanceOf(JobSubmission.NotQueued.class);
            assertThat(jobs.find(outcome.jobId())).isEmpty();
        }
    }

    @Test
    void aJobServedFromTheStoreWhoseRecordTheTableCannotConfirmIsNotMade() throws Exception {
        // GIVEN a digit store that covers the job, a client that sends an idempotency key, and a
        // table that loses its answer to the job's complete record (written all the same), then
        // fails every read of the job until another record is written
        storeOf(2000);
        try (FaultProxy proxy = FaultProxy.start(Emulators.aws().dynamoDbEndpoint());
             AwsClients proxied = AwsClients.fromSettings(Emulators.settingsThrough(Map.of("DYNAMODB", proxy.endpoint())))) {
            AtomicInteger jobWrites = new AtomicInteger();
            proxy.injectAlways(request -> request.isDynamoDb("PutItem") && request.bodyText().contains("\"complete\"")
                    && jobWrites.incrementAndGet() == 1, Fault.lostAnswer());
            proxy.injectAlways(request -> request.isDynamoDb("GetItem") && !request.bodyText().contains(DigitStore.ITEM_KEY)
                    && jobWrites.get() <= 2, Fault.dynamoDbOutage());

            // WHEN it is submitted
            JobSubmission.Outcome outcome = submission(proxied.dynamoDb(), clients.sqs(), resources.config()).submit(keyed(1000));

            // THEN no job is made (the client may try again), rather than one queued under the id the complete record has
            assertThat(proxy.faulted()).isNotEmpty();
            assertThat(outcome).isInstanceOf(JobSubmission.NotRecorded.class);
            assertThat(queuedMessages()).isEmpty();
        }
        assertThat(submission(clients.dynamoDb(), clients.sqs(), resources.config()).submit(keyed(1000)))
                .as("the client's next try, its key free again").isInstanceOf(JobSubmission.Served.class);
    }

    @Test
    void aKeyWhoseReservationCouldNotBeConfirmedIsFreeForTheRetryTheAnswerAsksFor() {
        // GIVEN a client that sends an idempotency key, and a table that loses its answer to the
        // key's reservation (written all the same), then fails the read that would tell whose it is
        try (FaultProxy proxy = FaultProxy.start(Emulators.aws().dynamoDbEndpoint());
             AwsClients proxied = AwsClients.fromSettings(Emulators.settingsThrough(Map.of("DYNAMODB", proxy.endpoint())))) {
            proxy.inject(request -> request.isDynamoDb("PutItem"), Fault.lostAnswer(), 1);
            proxy.injectAlways(request -> request.isDynamoDb("GetItem"), Fault.dynamoDbOutage());

            // WHEN it is submitted
            JobSubmission.Outcome outcome = submission(proxied.dynamoDb(), clients.sqs(), resources.config()).submit(keyed(1000));

            // THEN no job is made, and the client is to try again (the api's 503)
            assertThat(proxy.faulted()).isNotEmpty();
            assertThat(outcome).isInstanceOf(JobSubmission.NotRecorded.class);
        }
        // AND its retry with the key is the key's first use, not one still being answered (a 409)
        assertThat(submission(clients.dynamoDb(), clients.sqs(), resources.config()).submit(keyed(1000)))
                .isInstanceOf(JobSubmission.Accepted.class);
    }

    @Test
    void aServedJobsRecordAppliedAfterTheReadThatFoundNoneIsServedNotAnError() throws Exception {
        // GIVEN a digit store that covers the job, and a table that holds the job's complete record
        // past the client's time for it (the write is applied later all the same), answers the read
        // that follows, and holds the queued record the submission then writes
        storeOf(2000);
        CountDownLatch completeApplied = new CountDownLatch(1);
        CountDownLatch queuedWritten = new CountDownLatch(1);
        // Each write given up on after 5 s: the test's steps between the two writes take place within them
        CallBudget quick = new CallBudget(Duration.ofSeconds(2), Duration.ofSeconds(5), 2);
        try (FaultProxy proxy = FaultProxy.start(Emulators.aws().dynamoDbEndpoint());
             AwsClients proxied = AwsClients.fromSettings(Emulators.settingsThrough(Map.of("DYNAMODB", proxy.endpoint())),
                     new CallBudget.PerService(quick, null, null));
             ExecutorService client = Executors.newSingleThreadExecutor()) {
            proxy.injectAlways(request -> isJobWrite(request, JobStatus.COMPLETE), new Fault.Held(completeApplied));
            proxy.injectAlways(request -> isJobWrite(request, JobStatus.QUEUED), new Fault.Held(queuedWritten));
            Future<JobSubmission.Outcome> outcome = client.submit(() ->
                    submission(proxied.dynamoDb(), clients.sqs(), resources.config()).submit(request(1000)));

            // WHEN the complete record is applied between that read and the queued record's write
            Await.awaitTrue(() -> proxy.faulted().stream().anyMatch(request -> isJobWrite(request, JobStatus.QUEUED)));
            completeApplied.countDown();
            Matcher id = Pattern.compile("\"" + Storage.TABLE_KEY + "\":\\{\"S\":\"([^\"]+)\"")
                    .matcher(proxy.faulted().getFirst().bodyText());
            assertThat(id.find()).isTrue();
            String jobId = id.group(1);
            Await.awaitTrue(() -> jobs.find(jobId).isPresent());
            queuedWritten.countDown();

            // THEN the job is served from the store, as its record says, and nothing is queued
            assertThat(outcome.get(30, TimeUnit.SECONDS)).isEqualTo(new JobSubmission.Served(jobId));
            assertThat(jobs.find(jobId).orElseThrow().status()).isEqualTo(JobStatus.COMPLETE);
            assertThat(queuedMessages()).isEmpty();
        }
    }

    private static boolean isJobWrite(FaultProxy.Request request, JobStatus status) {
        return request.isDynamoDb("PutItem") && request.bodyText().contains("\"" + status.wireName() + "\"");
    }

    @Test
    void aJobSubmittedWhileTheDigitStoresItemCannotBeReadIsQueuedNotAnError() throws Exception {
        // GIVEN a digit store of 2000 digits whose item this version cannot read
        storeOf(2000);
        resources.damageDigitStore(clients);

        // WHEN a job it would cover is submitted
        JobSubmission.Outcome outcome = submission(clients.dynamoDb(), clients.sqs(), resources.config()).submit(request(1500));

        // THEN it is queued, for a worker of its own
        assertThat(outcome).isInstanceOf(JobSubmission.Accepted.class);
        assertThat(queuedMessages()).containsExactly(new JobMessage(outcome.jobId(), 1500));
    }

    @Test
    void aJobLongerThanOneCopyCallTakesIsLeftToAWorkerToCopyWhateverTheBacklog() throws Exception {
        // GIVEN a digit store a little longer than one copy call takes, and one worker with hours of jobs queued
        int longest = (int) DigitStore.COPY_PART_BYTES + 500;
        storeOf(longest);
        ServiceConfig c = resources.config();
        ServiceConfig oneWorker = new ServiceConfig(c.tableName(), c.queueUrl(), c.bucketName(), longest, c.downloadUrlTtl(),
                c.jobTtl(), c.maxUnfinishedJobsPerClient(), c.clientDigitsPerDay(), c.jobDeadline(), 1, c.workerMemoryMb());
        JobRepository queued = new JobRepository(clients.dynamoDb(), oneWorker);
        for (int i = 0; i < 40; i++) {
            queued.create(JobId.newId(), 500_000_000);
        }
        assertThat(submission(clients.dynamoDb(), clients.sqs(), oneWorker).submit(request(longest + 1)))
                .as("a job the store does not cover").isInstanceOf(JobSubmission.Backlogged.class);
        JobSubmission submission = submission(clients.dynamoDb(), clients.sqs(), oneWorker);

        // WHEN a job as long as one call takes is submitted, and one a little longer
        JobSubmission.Outcome oneCall = submission.submit(request((int) DigitStore.COPY_PART_BYTES - 2));
        JobSubmission.Outcome longer = submission.submit(request(longest));

        // THEN the first is served, and the second queued for a worker, which copies it (not refused for the backlog)
        assertThat(oneCall).isInstanceOf(JobSubmission.Served.class);
        assertThat(longer).isInstanceOf(JobSubmission.Accepted.class);
        assertThat(queuedMessages()).contains(new JobMessage(longer.jobId(), longest));
    }

    @Test
    void aJobTheDigitStoreCopiesWrongIsQueuedNotAnError() throws Exception {
        // GIVEN a digit store of 2000 digits whose object lost its end (a hand, a faulty copy)
        DigitStore store = storeOf(2000);
        clients.s3().putObject(put -> put.bucket(resources.config().bucketName()).key(store.state().key()),
                RequestBody.fromString(DigitStoreTest.text(1000)));
        assertThatThrownBy(() -> store.copyPrefix(1500, "results/x/pi-1500.txt")).isInstanceOf(DigitStore.WrongLengthCopy.class);

        // WHEN a job it claims to cover is submitted, by a client that may ask for 2,000 digits a day
        JobSubmission submission = submission(clients.dynamoDb(), clients.sqs(), dailyDigits(resources.config().queueUrl(), 2000));
        JobSubmission.Outcome outcome = submission.submit(request(1500));

        // THEN it is queued, for a worker to serve or fail with the reason, and its digits charged once
        assertThat(outcome).isInstanceOf(JobSubmission.Accepted.class);
        assertThat(jobs.find(outcome.jobId()).orElseThrow().status()).isEqualTo(JobStatus.QUEUED);
        assertThat(queuedMessages()).containsExactly(new JobMessage(outcome.jobId(), 1500));
        assertThat(submission.submit(request(501))).isInstanceOf(JobSubmission.OverDigitBudget.class);
        assertThat(submission.submit(request(500))).isInstanceOf(JobSubmission.Served.class);
    }

    @Test
    void aBurstFromOneClientGetsNoMoreJobsThanItsLimit() throws Exception {
        // GIVEN a table slow to record jobs: each PutItem held 300 ms on its way, which leaves a job
        // admitted by the quota long without its record
        int limit = resources.config().maxUnfinishedJobsPerClient();
        try (FaultProxy proxy = FaultProxy.start(Emulators.aws().dynamoDbEndpoint());
             AwsClients slowPuts = AwsClients.fromSettings(Emulators.settingsThrough(Map.of("DYNAMODB", proxy.endpoint())));
             ExecutorService senders = Executors.newFixedThreadPool(4 * limit)) {
            proxy.injectAlways(request -> request.isDynamoDb("PutItem"), Fault.late(Duration.ofMillis(300)));
            JobSubmission submission = submission(slowPuts.dynamoDb(), clients.sqs(), resources.config());

            // WHEN one client sends four times its limit of requests at once
            List<Future<JobSubmission.Outcome>> outcomes = new ArrayList<>();
            for (int i = 0; i < 4 * limit; i++) {
                int digits = 1000 + i;
                outcomes.add(senders.submit(() -> submission.submit(request(digits))));
            }
            List<JobSubmission.Outcome> done = new ArrayList<>();
            for (Future<JobSubmission.Outcome> outcome : outcomes) {
                done.add(outcome.get());
            }

            // THEN its limit of them are accepted and the rest refused, leaving no record behind
            assertThat(done).filteredOn(JobSubmission.Accepted.class::isInstance).hasSize(limit);
            assertThat(done).filteredOn(JobSubmission.OverQuota.class::isInstance).hasSize(3 * limit);
            assertThat(queuedMessages()).hasSize(limit);
            assertThat(done).filteredOn(JobSubmission.OverQuota.class::isInstance)
                    .allSatisfy(refused -> assertThat(jobs.find(refused.jobId())).isEmpty());
        }
    }

    @Test
    void everyJobCountsItsDigitsAgainstItsClientsDayAndOneThatDidNotStartIsTakenBack() throws Exception {
        // GIVEN clients that may ask for 5,000 digits a day, and a job of one that did not start (no queue)
        String gone = clients.sqs().createQueue(create -> create.queueName(Emulators.uniquePrefix())).queueUrl();
        clients.sqs().deleteQueue(delete -> delete.queueUrl(gone));
        assertThat(submission(clients.dynamoDb(), clients.sqs(), dailyDigits(gone, 5000)).submit(request(2000)))
                .isInstanceOf(JobSubmission.NotQueued.class);
        JobSubmission submission = submission(clients.dynamoDb(), clients.sqs(), dailyDigits(resources.config().queueUrl(), 5000));

        // WHEN it has 2,000 digits computed and 3,000 served from the store, as much as it may
        assertThat(submission.submit(request(2000))).isInstanceOf(JobSubmission.Accepted.class);
        storeOf(2000);
        assertThat(submission.submit(request(2000))).isInstanceOf(JobSubmission.Served.class);
        assertThat(submission.submit(request(1000))).isInstanceOf(JobSubmission.Served.class);

        // THEN its next job is refused until the next day (UTC), with nothing recorded, while another client is served
        Instant tomorrow = LocalDate.now(stopped).plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        JobSubmission.Outcome refused = submission.submit(request(1));
        assertThat(refused).isEqualTo(new JobSubmission.OverDigitBudget(refused.jobId(), 5000, tomorrow));
        assertThat(jobs.find(refused.jobId())).isEmpty();
        assertThat(submission.submit(new JobSubmission.Request(2000, "203.0.113.9", Optional.empty())))
                .isInstanceOf(JobSubmission.Served.class);
    }

    @Test
    void aRepeatedRequestCountsNoDigitsAndAJobTheQuotaRefusesCountsNone() {
        // GIVEN clients that may ask for 5,000 digits a day, and one with 2,000 asked for under a key
        // and then again (the repeat gets its job), and as many unfinished jobs as it may have
        JobSubmission submission = submission(clients.dynamoDb(), clients.sqs(), dailyDigits(resources.config().queueUrl(), 5000));
        String first = submission.submit(keyed(2000)).jobId();
        assertThat(submission.submit(keyed(2000))).isEqualTo(new JobSubmission.Repeated(first));
        for (int i = 1; i < resources.config().maxUnfinishedJobsPerClient(); i++) {
            assertThat(submission.submit(request(1000))).isInstanceOf(JobSubmission.Accepted.class);
        }
        assertThat(submission.submit(request(1000))).isInstanceOf(JobSubmission.OverQuota.class);

        // WHEN one of its jobs ends, after a worker took it, and it asks for what is left of its day
        endComputed(first);
        JobSubmission.Outcome last = submission.submit(request(5000 - 2000 - 1000 * (resources.config().maxUnfinishedJobsPerClient() - 1)));

        // THEN that fits: neither the repeat nor the refused job counted; and the day is full
        // (a place in the quota made again, which a job is refused for first)
        assertThat(last).isInstanceOf(JobSubmission.Accepted.class);
        endComputed(last.jobId());
        JobSubmission.Outcome overDay = submission.submit(request(1));
        assertThat(overDay).isInstanceOf(JobSubmission.OverDigitBudget.class);
        assertThat(jobs.find(overDay.jobId())).as("the refused job's record").isEmpty();
    }

    @Test
    void aJobThatEndsBeforeAnyWorkerClaimedItGivesItsClientsDayItsDigitsBack() {
        // GIVEN a client that may ask for 5,000 digits a day, with three jobs of 1,500 accepted
        JobSubmission submission = submission(clients.dynamoDb(), clients.sqs(), dailyDigits(resources.config().queueUrl(), 5000));
        List<String> accepted = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            JobSubmission.Outcome outcome = submission.submit(request(1500));
            assertThat(outcome).isInstanceOf(JobSubmission.Accepted.class);
            accepted.add(outcome.jobId());
        }

        // WHEN one is cancelled while queued, one fails at its deadline with no worker having
        // claimed it, and one is cancelled once a worker took it
        assertThat(jobs.cancel(accepted.get(0))).isPresent();
        JobRepository afterTheDeadline = new JobRepository(clients.dynamoDb(), resources.config(),
                Clock.offset(Clock.systemUTC(), resources.config().jobDeadline().plusMinutes(1)));
        assertThat(afterTheDeadline.failOverdue(jobs.find(accepted.get(1)).orElseThrow())).isTrue();
        endComputed(accepted.get(2));

        // THEN the first two cost nothing, the third keeps its 1,500: 3,500 are left, and no more
        assertThat(submission.submit(request(2000))).isInstanceOf(JobSubmission.Accepted.class);
        assertThat(submission.submit(request(1500))).isInstanceOf(JobSubmission.Accepted.class);
        assertThat(submission.submit(request(1))).isInstanceOf(JobSubmission.OverDigitBudget.class);
    }

    @Test
    void aClientWhoseJobsArePastTheirDeadlinesIsNotHeldAtItsLimitByThem() {
        // GIVEN a client with as many unfinished jobs as it may have, which no worker took
        int limit = resources.config().maxUnfinishedJobsPerClient();
        List<String> accepted = new ArrayList<>();
        for (int i = 0; i < limit; i++) {
            accepted.add(submission(clients.dynamoDb(), clients.sqs(), resources.config()).submit(request(100)).jobId());
        }

        // WHEN it asks for another once their deadlines have passed, before the sweeper's next run
        Clock later = Clock.offset(Clock.systemUTC(), resources.config().jobDeadline().plusMinutes(1));
        DigitStore store = new DigitStore(clients.dynamoDb(), clients.s3(),
                new ResultStore(clients.s3(), clients.presigner(), resources.config()), resources.config());
        JobSubmission.Outcome outcome = new JobSubmission(store, clients.dynamoDb(), clients.sqs(), resources.config(),
                later, metrics).submit(request(100));

        // THEN it is accepted, and those jobs are failed at their deadlines, as the api fails one asked about
        // (cancelling one, as the quota's refusal advises, would have been refused: failed already)
        assertThat(outcome).isInstanceOf(JobSubmission.Accepted.class);
        assertThat(accepted).allSatisfy(id -> assertThat(jobs.find(id).orElseThrow().status()).isEqualTo(JobStatus.FAILED));
    }

    @Test
    void aCancellationWhoseRefundTheTableRefusesStillCancelsAndTheDigitsStayCharged() {
        // GIVEN a client that may ask for 2,000 digits a day, with a job of 2,000 queued, and a
        // table that refuses to take digits back
        ServiceConfig config = dailyDigits(resources.config().queueUrl(), 2000);
        JobSubmission submission = submission(clients.dynamoDb(), clients.sqs(), config);
        String queued = submission.submit(request(2000)).jobId();
        try (FaultProxy proxy = FaultProxy.start(Emulators.aws().dynamoDbEndpoint());
             AwsClients proxied = AwsClients.fromSettings(Emulators.settingsThrough(Map.of("DYNAMODB", proxy.endpoint())))) {
            proxy.injectAlways(request -> request.isDynamoDb("UpdateItem") && request.bodyText().contains("{\"N\":\"-"),
                    Fault.dynamoDbRefusal());

            // WHEN its client cancels it
            Optional<Job> cancelled = new JobRepository(proxied.dynamoDb(), config, Clock.systemUTC(), metrics).cancel(queued);

            // THEN it is cancelled all the same, its day keeps the digits, and operators see why
            assertThat(cancelled).map(Job::status).contains(JobStatus.CANCELLED);
            assertThat(proxy.faulted()).as("refunds refused").isNotEmpty();
            assertThat(submission.submit(request(1))).isInstanceOf(JobSubmission.OverDigitBudget.class);
            assertThat(jobsWhoseRefundFailed()).containsExactly(queued);
        }
    }

    @Test
    void aClientAtItsQuotaAndOverItsDayIsToldOfTheDayWhichLastsLonger() {
        // GIVEN a client that may ask for 5,000 digits a day, with as many unfinished jobs as it may have, of 1,500 each
        JobSubmission submission = submission(clients.dynamoDb(), clients.sqs(), dailyDigits(resources.config().queueUrl(), 5000));
        int limit = resources.config().maxUnfinishedJobsPerClient();
        assertThat(limit * 1500).isBetween(5000 - 1000 + 1, 5000 - 500);
        for (int i = 0; i < limit; i++) {
            assertThat(submission.submit(request(1500))).isInstanceOf(JobSubmission.Accepted.class);
        }

        // WHEN it asks for more than its day has left, and then for less
        JobSubmission.Outcome overDay = submission.submit(request(1000));
        JobSubmission.Outcome overQuota = submission.submit(request(500));

        // THEN the first is refused until the next day, the second for the quota alone, and neither is recorded
        assertThat(overDay).isInstanceOf(JobSubmission.OverDigitBudget.class);
        assertThat(overQuota).isInstanceOf(JobSubmission.OverQuota.class);
        assertThat(jobs.find(overDay.jobId())).isEmpty();
        assertThat(jobs.find(overQuota.jobId())).isEmpty();
    }

    @Test
    void aClientAtItsQuotaWhoseJobTheDigitStoreFailedToServeIsToldOfTheQuotaNotOfADayItsChargeFilled() throws Exception {
        // GIVEN a client with as many unfinished jobs as it may have, of 1,000 digits each, whose day
        // has room for 2,000 more; and a digit store of 2,000 digits whose object lost its end
        int limit = resources.config().maxUnfinishedJobsPerClient();
        ServiceConfig config = dailyDigits(resources.config().queueUrl(), limit * 1000 + 2000);
        JobSubmission submission = submission(clients.dynamoDb(), clients.sqs(), config);
        for (int i = 0; i < limit; i++) {
            assertThat(submission.submit(request(1000))).isInstanceOf(JobSubmission.Accepted.class);
        }
        DigitStore store = storeOf(2000);
        clients.s3().putObject(put -> put.bucket(resources.config().bucketName()).key(store.state().key()),
                RequestBody.fromString(DigitStoreTest.text(1000)));

        // WHEN it asks for 1,500 digits, which the day charges before the copy fails
        JobSubmission.Outcome outcome = submission.submit(request(1500));

        // THEN it is refused for the quota, which frees a place soon, not until the next day; its
        // digits are given back
        assertThat(outcome).isInstanceOf(JobSubmission.OverQuota.class);
        assertThat(jobs.find(outcome.jobId())).isEmpty();
        ClientDigitBudget day = new ClientDigitBudget(clients.dynamoDb(), config, Clock.systemUTC(), metrics);
        assertThat(day.probe(request(1).client(), day.today(), 2000).admitted()).isTrue();
    }

    @Test
    void aJobWhoseRecordNamesADayThisVersionCannotReadIsCancelledAllTheSame() {
        String id = JobId.newId();
        jobs.create(id, 100, null, "not a client's day");

        assertThat(new JobRepository(clients.dynamoDb(), resources.config(), Clock.systemUTC(), metrics).cancel(id))
                .map(Job::status).contains(JobStatus.CANCELLED);
        assertThat(jobsWhoseRefundFailed()).containsExactly(id);
    }

    @Test
    void aJobTheTableFailsToRecordCostsItsClientNoDigitsEvenWhenNothingCouldBeTakenBack() {
        // GIVEN a client that may ask for 2,000 digits a day, and a table that fails to record a
        // job, and would fail to take digits back too (a table too slow for the request's last calls)
        ServiceConfig config = dailyDigits(resources.config().queueUrl(), 2000);
        try (FaultProxy proxy = FaultProxy.start(Emulators.aws().dynamoDbEndpoint());
             AwsClients proxied = AwsClients.fromSettings(Emulators.settingsThrough(Map.of("DYNAMODB", proxy.endpoint())))) {
            Fault refused = Fault.dynamoDbRefusal();
            proxy.injectAlways(request -> request.isDynamoDb("PutItem"), refused);
            proxy.injectAlways(request -> request.isDynamoDb("UpdateItem") && request.bodyText().contains("{\"N\":\"-"), refused);

            // WHEN it asks for 2,000 digits, in vain, and then again once the table is well
            JobSubmission.Outcome failed = submission(proxied.dynamoDb(), clients.sqs(), config).submit(request(2000));
            proxy.heal();
            JobSubmission.Outcome again = submission(proxied.dynamoDb(), clients.sqs(), config).submit(request(2000));

            // THEN the failed request took nothing from its day, and had nothing to give back
            assertThat(failed).isInstanceOf(JobSubmission.NotRecorded.class);
            assertThat(again).isInstanceOf(JobSubmission.Accepted.class);
            assertThat(jobsWhoseRefundFailed()).isEmpty();
        }
    }

    @Test
    void aRefundTheTableRefusesIsCountedAndLoggedOnTheJobsLines() {
        // GIVEN a queue that is gone, and a table that refuses to take digits back
        String gone = clients.sqs().createQueue(create -> create.queueName(Emulators.uniquePrefix())).queueUrl();
        clients.sqs().deleteQueue(delete -> delete.queueUrl(gone));
        try (FaultProxy proxy = FaultProxy.start(Emulators.aws().dynamoDbEndpoint());
             AwsClients proxied = AwsClients.fromSettings(Emulators.settingsThrough(Map.of("DYNAMODB", proxy.endpoint())))) {
            proxy.injectAlways(request -> request.isDynamoDb("UpdateItem") && request.bodyText().contains("{\"N\":\"-"),
                    Fault.dynamoDbRefusal());

            // WHEN a job is asked for, which cannot be queued
            JobSubmission.Outcome outcome = submission(proxied.dynamoDb(), clients.sqs(), dailyDigits(gone, 2000))
                    .submit(request(2000));

            // THEN it did not start, and the refund of its digits that failed is counted and logged on its lines
            assertThat(outcome).isInstanceOf(JobSubmission.NotQueued.class);
            assertThat(proxy.faulted()).as("refunds refused").isNotEmpty();
            assertThat(jobsWhoseRefundFailed()).containsExactly(outcome.jobId());
            JsonNode logged = logs.withMessage("could not give back the digits").getFirst();
            assertThat(logged.path("level").asText()).isEqualTo("WARN");
            assertThat(logged.path(LogFields.JOB_ID).asText()).as(logged.toString()).isEqualTo(outcome.jobId());
        }
    }

    @Test
    void aClientAtItsLimitWithAJobThisVersionCannotReadIsRefusedForItsQuotaNotAnError() {
        // GIVEN a client with as many unfinished jobs as it may have, one of whose records carries a
        // status this version does not know (written by a later one, during a deploy)
        JobSubmission submission = submission(clients.dynamoDb(), clients.sqs(), resources.config());
        String unreadable = submission.submit(request(1000)).jobId();
        for (int i = 1; i < resources.config().maxUnfinishedJobsPerClient(); i++) {
            assertThat(submission.submit(request(1000))).isInstanceOf(JobSubmission.Accepted.class);
        }
        clients.dynamoDb().updateItem(update -> update.tableName(resources.config().tableName())
                .key(Map.of(Storage.TABLE_KEY, AttributeValue.fromS(unreadable)))
                .updateExpression("SET #status = :later")
                .expressionAttributeNames(Map.of("#status", "status"))
                .expressionAttributeValues(Map.of(":later", AttributeValue.fromS("archived"))));

        // WHEN it asks for one more
        JobSubmission.Outcome outcome = submission.submit(request(1000));

        // THEN the unreadable job counts as unfinished: the client is at its limit, as it was
        assertThat(outcome).isInstanceOf(JobSubmission.OverQuota.class);
    }

    /** The resources' configuration with {@code queueUrl}, jobs of at most 2,000 digits and {@code digitsPerDay}. */
    private ServiceConfig dailyDigits(String queueUrl, int digitsPerDay) {
        ServiceConfig c = resources.config();
        return new ServiceConfig(c.tableName(), queueUrl, c.bucketName(), 2000, c.downloadUrlTtl(), c.jobTtl(),
                c.maxUnfinishedJobsPerClient(), digitsPerDay, c.jobDeadline(), c.workerConcurrency(), c.workerMemoryMb());
    }

    /** Ends a queued job as a worker would that took it and then learnt it was cancelled. */
    private void endComputed(String jobId) {
        assertThat(jobs.claim(jobId, "a-worker", JobDelivery.STALE_AFTER)).isInstanceOf(ClaimResult.Claimed.class);
        assertThat(jobs.cancel(jobId)).isPresent();
    }

    private List<JobMessage> queuedMessages() {
        return clients.sqs().receiveMessage(receive -> receive.queueUrl(resources.config().queueUrl())
                        .maxNumberOfMessages(10).visibilityTimeout(0)).messages().stream()
                .map(Message::body).map(JobMessage::parse).toList();
    }

    /** A submission as the api makes one, through these clients, for {@code config}'s table, queue and bucket. */
    private JobSubmission submission(DynamoDbClient dynamoDb, SqsClient sqs, ServiceConfig config) {
        DigitStore store = new DigitStore(dynamoDb, clients.s3(), new ResultStore(clients.s3(), clients.presigner(), config), config);
        return new JobSubmission(store, dynamoDb, sqs, config, stopped, metrics);
    }

    /** The jobs whose refunds of their clients' digits failed, as the metric lines name them. */
    private List<String> jobsWhoseRefundFailed() {
        ObjectMapper json = new ObjectMapper();
        return metricLines.toString(StandardCharsets.UTF_8).lines().map(line -> {
            try {
                return json.readTree(line);
            } catch (IOException e) {
                throw new AssertionError("not a metric line: " + line, e);
            }
        }).filter(line -> line.has(ServiceMetrics.DIGIT_REFUNDS_FAILED)).map(line -> line.path(LogFields.JOB_ID).asText()).toList();
    }

    /** A digit store of {@code digits} decimals, as a computation makes it. */
    private DigitStore storeOf(long digits) throws IOException {
        DigitStore store = new DigitStore(clients.dynamoDb(), clients.s3(),
                new ResultStore(clients.s3(), clients.presigner(), resources.config()), resources.config());
        assertThat(store.offer(store.write(digits, out -> out.write(DigitStoreTest.text(digits).getBytes(StandardCharsets.US_ASCII)))))
                .isEqualTo(new DigitStore.Offer.Stored(digits));
        return store;
    }

    private static JobSubmission.Request request(int digits) {
        return new JobSubmission.Request(digits, "198.51.100.7", Optional.empty());
    }

    private static JobSubmission.Request keyed(int digits) {
        return new JobSubmission.Request(digits, "198.51.100.7", Optional.of("one-request"));
    }
}
