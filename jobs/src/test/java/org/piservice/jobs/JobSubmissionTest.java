package org.piservice.jobs;

import java.time.Clock;
import java.util.Optional;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.piservice.emulators.LocalAws;
import org.piservice.jobs.testing.Emulators;
import org.piservice.jobs.testing.FaultProxy;
import org.piservice.jobs.testing.TestResources;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemRequest;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;

/** Submitting jobs with real SDK clients against the embedded emulators, some clients made to fail. */
class JobSubmissionTest {

    private final AwsClients clients = Emulators.clients();
    private final TestResources resources = Emulators.newResources();
    private final JobRepository jobs = new JobRepository(clients.dynamoDb(), resources.config());

    @Test
    void aSubmittedJobIsRecordedAsQueuedAndItsMessageSent() {
        JobSubmission.Outcome outcome = submission(jobs, clients.sqs(), resources.config()).submit(request(1000));

        assertThat(outcome).isInstanceOf(JobSubmission.Accepted.class);
        Job job = jobs.find(outcome.jobId()).orElseThrow();
        assertThat(job.status()).isEqualTo(JobStatus.QUEUED);
        assertThat(job.digits()).isEqualTo(1000);
        assertThat(queuedMessages()).containsExactly(new JobMessage(outcome.jobId(), 1000));
    }

    @Test
    void aJobWhoseMessageCannotBeSentIsWithdrawn() {
        // GIVEN a queue that does not exist (deleted under the service, or misconfigured)
        String gone = clients.sqs().createQueue(create -> create.queueName(Emulators.uniquePrefix())).queueUrl();
        clients.sqs().deleteQueue(delete -> delete.queueUrl(gone));
        ServiceConfig config = TestResources.config(resources.config().tableName(), gone, resources.config().bucketName());

        JobSubmission.Outcome outcome = submission(jobs, clients.sqs(), config).submit(request(10));

        assertThat(outcome).isInstanceOfSatisfying(JobSubmission.NotQueued.class, notQueued ->
                assertThat(notQueued.cause()).isInstanceOf(QueueDoesNotExistException.class));
        assertThat(jobs.find(outcome.jobId())).as("the record is withdrawn").isEmpty();
    }

    @Test
    void aJobTheTableCannotRecordIsNeverQueued() {
        ServiceConfig noTable = TestResources.config("no-such-table", resources.config().queueUrl(),
                resources.config().bucketName());

        JobSubmission.Outcome outcome = submission(new JobRepository(clients.dynamoDb(), noTable), clients.sqs(),
                noTable).submit(request(10));

        assertThat(outcome).isInstanceOf(JobSubmission.NotRecorded.class);
        assertThat(queuedMessages()).isEmpty();
    }

    @Test
    void aJobAWorkerHasAlreadyStandsAlthoughItsSendReportedAFailure() {
        // GIVEN an SQS client whose send delivers the message, a worker claims the job, and then the
        // response is lost (as when the connection drops after SQS accepted the message)
        ExecutionInterceptor claimThenLoseTheResponse = new ExecutionInterceptor() {
            @Override
            public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
                JobMessage sent = JobMessage.parse(queuedMessages().getFirst().toJson());
                jobs.claim(sent.jobId(), "worker-1", Duration.ofMinutes(1));
                throw SdkClientException.create("connection reset after the message was sent");
            }
        };
        try (SqsClient sqs = sqs(override -> override.addExecutionInterceptor(claimThenLoseTheResponse))) {

            // WHEN a job is submitted through it
            JobSubmission.Outcome outcome = submission(jobs, sqs, resources.config()).submit(request(10));

            // THEN the job stands, with the worker that has it
            assertThat(outcome).isInstanceOf(JobSubmission.Accepted.class);
            assertThat(jobs.find(outcome.jobId()).orElseThrow().status()).isEqualTo(JobStatus.IN_PROGRESS);
        }
    }

    @Test
    void aJobThatCanBeNeitherSentNorWithdrawnIsAcceptedForTheSweeperToSend() {
        // GIVEN a queue that does not exist and a table that refuses deletes
        String gone = clients.sqs().createQueue(create -> create.queueName(Emulators.uniquePrefix())).queueUrl();
        clients.sqs().deleteQueue(delete -> delete.queueUrl(gone));
        ServiceConfig config = TestResources.config(resources.config().tableName(), gone, resources.config().bucketName());
        ExecutionInterceptor refuseDeletes = new ExecutionInterceptor() {
            @Override
            public SdkRequest modifyRequest(Context.ModifyRequest context, ExecutionAttributes attributes) {
                if (context.request() instanceof DeleteItemRequest) {
                    throw SdkClientException.create("the table is unreachable");
                }
                return context.request();
            }
        };
        try (DynamoDbClient dynamoDb = dynamoDb(override -> override.addExecutionInterceptor(refuseDeletes))) {
            JobRepository refusingDeletes = new JobRepository(dynamoDb, config);

            // WHEN a job is submitted
            JobSubmission.Outcome outcome = submission(refusingDeletes, clients.sqs(), config).submit(request(10));

            // THEN the job, which stays, is its client's: queued, for the sweeper to send its message
            assertThat(outcome).isInstanceOf(JobSubmission.Accepted.class);
            assertThat(jobs.find(outcome.jobId()).orElseThrow().status()).isEqualTo(JobStatus.QUEUED);
        }
    }

    @Test
    void aBurstFromOneClientGetsNoMoreJobsThanItsLimit() throws Exception {
        // GIVEN a table slow to record jobs: each PutItem held 300 ms on its way, which leaves a job
        // admitted by the quota long without its record
        int limit = resources.config().maxUnfinishedJobsPerClient();
        try (FaultProxy proxy = FaultProxy.start(Emulators.aws().dynamoDbEndpoint());
             DynamoDbClient slowPuts = DynamoDbClient.builder().endpointOverride(proxy.endpoint())
                     .region(Region.of(LocalAws.REGION)).credentialsProvider(credentials())
                     .httpClient(UrlConnectionHttpClient.create()).build();
             ExecutorService senders = Executors.newFixedThreadPool(4 * limit)) {
            proxy.injectAlways(request -> request.isDynamoDb("PutItem"), FaultProxy.Fault.late(Duration.ofMillis(300)));
            JobSubmission submission = submission(new JobRepository(slowPuts, resources.config()), clients.sqs(),
                    resources.config());

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

    private List<JobMessage> queuedMessages() {
        return clients.sqs().receiveMessage(receive -> receive.queueUrl(resources.config().queueUrl())
                        .maxNumberOfMessages(10).visibilityTimeout(0)).messages().stream()
                .map(Message::body).map(JobMessage::parse).toList();
    }

    private static SqsClient sqs(Consumer<ClientOverrideConfiguration.Builder> override) {
        LocalAws aws = Emulators.aws();
        return SqsClient.builder().endpointOverride(aws.sqsEndpoint()).region(Region.of(LocalAws.REGION))
                .credentialsProvider(credentials()).httpClient(UrlConnectionHttpClient.create())
                .overrideConfiguration(override).build();
    }

    private static DynamoDbClient dynamoDb(Consumer<ClientOverrideConfiguration.Builder> override) {
        LocalAws aws = Emulators.aws();
        return DynamoDbClient.builder().endpointOverride(aws.dynamoDbEndpoint()).region(Region.of(LocalAws.REGION))
                .credentialsProvider(credentials()).httpClient(UrlConnectionHttpClient.create())
                .overrideConfiguration(override).build();
    }

    private static StaticCredentialsProvider credentials() {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create(LocalAws.ACCESS_KEY_ID, LocalAws.SECRET_ACCESS_KEY));
    }

    /** A submission with the digit store of {@code config}'s table and bucket. */
    private JobSubmission submission(JobRepository repository, SqsClient sqs, ServiceConfig config) {
        ResultStore results = new ResultStore(clients.s3(), clients.presigner(), config);
        Clock clock = Clock.systemUTC();
        DigitStore store = new DigitStore(clients.dynamoDb(), clients.s3(), results, config);
        return new JobSubmission(repository, store, new IdempotencyKeys(clients.dynamoDb(), repository, config, clock),
                new ClientQuota(clients.dynamoDb(), repository, config, clock),
                new Backlog(repository, store, config, clock), sqs, config, clock);
    }

    private static JobSubmission.Request request(int digits) {
        return new JobSubmission.Request(digits, "198.51.100.7", Optional.empty());
    }
}
