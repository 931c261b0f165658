package org.piservice.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.piservice.api.BadRequests.DOWNLOAD;
import static org.piservice.api.BadRequests.GET;
import static org.piservice.api.BadRequests.POST;
import static org.piservice.api.BadRequests.UNKNOWN_ID;
import static org.piservice.api.BadRequests.path;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.piservice.contract.GatewayAnswers;
import org.piservice.contract.IdleInvocations;
import org.piservice.contract.JobDelivery;
import org.piservice.core.PiDigits;
import org.piservice.emulators.LocalAws;
import org.piservice.emulators.LocalLambdaContext;
import org.piservice.jobs.AwsClients;
import org.piservice.jobs.ClaimResult;
import org.piservice.jobs.DigitStore;
import org.piservice.jobs.EmfMetrics;
import org.piservice.jobs.IdempotencyKeys;
import org.piservice.jobs.Job;
import org.piservice.jobs.JobId;
import org.piservice.jobs.JobRepository;
import org.piservice.jobs.JobStatus;
import org.piservice.jobs.ResultStore;
import org.piservice.jobs.ServiceConfig;
import org.piservice.jobs.testing.Emulators;
import org.piservice.jobs.testing.FaultProxy;
import org.piservice.jobs.testing.HangingProxy;
import org.piservice.jobs.testing.LogCapture;
import org.piservice.jobs.testing.MutableClock;
import org.piservice.jobs.testing.TestResources;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The handler with real SDK clients against the embedded emulators (DynamoDB, SQS, S3) that this
 * test starts through the jobs module's test helpers; events are API Gateway REST proxy events
 * loaded from JSON fixtures.
 */
class ApiHandlerIntegrationTest {

    /** Records the DynamoDB operations the handler makes, to show which requests never reach the table. */
    private static final List<String> dynamoDbOperations = Collections.synchronizedList(new ArrayList<>());

    private static ServiceConfig config;
    private static DynamoDbClient recordedDynamoDb;
    private static ApiHandler handler;
    /** The metric lines the shared handler printed during the current test. */
    private static final ByteArrayOutputStream metrics = new ByteArrayOutputStream();
    private static final List<AwsClients> ownClients = new ArrayList<>();

    /** API Gateway's id of the request in the POST and GET fixtures. */
    private static final String GATEWAY_REQUEST_ID = "4f1d2c3b-5a6e-4f70-8a91-b2c3d4e5f607";

    @RegisterExtension
    final LogCapture logs = new LogCapture();

    @BeforeAll
    static void start() {
        config = Emulators.newResources().withMaxDigits(BadRequests.MAX_DIGITS).config();
        LocalAws aws = Emulators.aws();
        ExecutionInterceptor recorder = new ExecutionInterceptor() {
            @Override
            public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                dynamoDbOperations.add(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME));
            }
        };
        recordedDynamoDb = dynamoDb(aws.dynamoDbEndpoint(), o -> o.addExecutionInterceptor(recorder));
        AwsClients shared = Emulators.clients();
        handler = new ApiHandler(config, new AwsClients(recordedDynamoDb, shared.sqs(), shared.s3(), shared.presigner()),
                Clock.systemUTC(), capturing(metrics));
    }

    private static EmfMetrics capturing(ByteArrayOutputStream out) {
        return new EmfMetrics(new PrintStream(out, true, StandardCharsets.UTF_8), Clock.systemUTC());
    }

    private static DynamoDbClient dynamoDb(URI endpoint, Consumer<ClientOverrideConfiguration.Builder> override) {
        return DynamoDbClient.builder()
                .endpointOverride(endpoint)
                .region(Region.of(LocalAws.REGION))
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(LocalAws.ACCESS_KEY_ID, LocalAws.SECRET_ACCESS_KEY)))
                .httpClient(UrlConnectionHttpClient.create())
                .overrideConfiguration(override)
                .build();
    }

    @AfterAll
    static void stop() {
        recordedDynamoDb.close();
        ownClients.forEach(AwsClients::close);
    }

    @BeforeEach
    void emptyTableAndQueue() {
        AwsClients clients = Emulators.clients();
        clients.dynamoDb().scan(scan -> scan.tableName(config.tableName())).items()
                .forEach(item -> clients.dynamoDb().deleteItem(delete -> delete.tableName(config.tableName())
                        .key(Map.of("job_id", item.get("job_id")))));
        clients.sqs().purgeQueue(purge -> purge.queueUrl(config.queueUrl()));
        dynamoDbOperations.clear();
        metrics.reset();
    }

    // ---- bad input: one row each ----

    static Stream<BadRequests.Row> badRequests() {
        return BadRequests.rows();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRequests")
    void answersBadInputWithAJsonErrorAndLeavesNothingBehind(BadRequests.Row row) throws IOException {
        // GIVEN
        APIGatewayProxyRequestEvent event = row.event();

        // WHEN
        APIGatewayProxyResponseEvent response = handler.handleRequest(event, null);

        // THEN
        assertThat(response.getStatusCode()).isEqualTo(row.status());
        assertThat(response.getHeaders()).containsEntry("Content-Type", "application/json")
                .containsEntry("Access-Control-Allow-Origin", "*");
        JsonNode body = Json.MAPPER.readTree(response.getBody());
        assertThat(body.get("success").asBoolean(true)).isFalse();
        assertThat(body.get("error").asText()).startsWith(row.error()).hasSizeLessThan(BadRequests.MAX_ERROR_LENGTH);
        assertThat(response.getBody()).doesNotContain("Exception", "\tat ", "org.piservice")
                .hasSizeLessThan(BadRequests.MAX_BODY_LENGTH);
        if (row.status() == 405) {
            assertThat(response.getHeaders()).containsKey("Allow");
        }
        assertThat(dynamoDbOperations).as("DynamoDB calls").isEqualTo(row.dynamoDbCalls());
        assertNothingInTableOrQueue();
    }

    /** The table's job records, without the items of clients' quotas and idempotency keys. */
    private static long jobRecords() {
        return Emulators.clients().dynamoDb().scan(scan -> scan.tableName(config.tableName())).items().stream()
                .filter(item -> JobId.isWellFormed(item.get("job_id").s())).count();
    }

    private static void assertNothingInTableOrQueue() {
        AwsClients clients = Emulators.clients();
        assertThat(jobRecords()).as("jobs in the table").isZero();
        Map<QueueAttributeName, String> counts = clients.sqs().getQueueAttributes(get -> get.queueUrl(config.queueUrl())
                .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                        QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE,
                        QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED)).attributes();
        assertThat(counts.values()).as("messages in the queue").containsOnly("0");
    }

    @Test
    void theDailyInvocationThatKeepsTheApiActiveReadsNothing(@TempDir Path folder) throws IOException {
        // GIVEN the event that invocation sends, as Lambda's Java runtime reads it
        Path file = folder.resolve("docs-page.json");
        Files.writeString(file, IdleInvocations.DOCS_PAGE);

        // WHEN the api gets it
        APIGatewayProxyResponseEvent response = handler.handleRequest(EventLoader.loadApiGatewayRestEvent(file.toString()), null);

        // THEN it answers with the docs page, and has called nothing
        assertThat(response.getStatusCode()).isEqualTo(200);
        assertThat(response.getHeaders()).containsEntry("Content-Type", "text/html; charset=utf-8");
        assertThat(dynamoDbOperations).as("DynamoDB calls").isEmpty();
        assertNothingInTableOrQueue();
    }

    // ---- the job routes ----

    private static APIGatewayProxyResponseEvent post(String body) {
        APIGatewayProxyRequestEvent event = EventLoader.loadApiGatewayRestEvent(POST);
        event.setBody(body);
        return handler.handleRequest(event, null);
    }

    private static APIGatewayProxyResponseEvent get(String fixture, String path) {
        APIGatewayProxyRequestEvent event = EventLoader.loadApiGatewayRestEvent(fixture);
        path(path).accept(event);
        return handler.handleRequest(event, null);
    }

    private static String createdJobId(APIGatewayProxyResponseEvent created) throws IOException {
        assertThat(created.getStatusCode()).isEqualTo(202);
        return Json.MAPPER.readTree(created.getBody()).get("job_id").asText();
    }

    @Test
    void answersAPiIaasClientInTheShapesItKnows() throws IOException {
        // GIVEN what a pi_iaas client sends: requests.post(url + "/pi_job", json={"digits": 50})
        // WHEN
        APIGatewayProxyResponseEvent created = post("{\"digits\": 50}");

        // THEN
        assertThat(created.getStatusCode()).isEqualTo(202);
        JsonNode body = Json.MAPPER.readTree(created.getBody());
        assertThat(body.fieldNames()).toIterable().containsExactly("success", "job_id");
        assertThat(body.get("success").asBoolean()).isTrue();
        String jobId = body.get("job_id").asText();
        assertThat(JobId.isWellFormed(jobId)).isTrue();
        assertThat(created.getHeaders()).containsEntry("Location", "/prod/pi_job/" + jobId)
                .containsEntry("Access-Control-Allow-Origin", "*");
        assertThat(created.getHeaders().get("Access-Control-Expose-Headers")).contains("Location");

        List<Message> messages = Emulators.clients().sqs().receiveMessage(receive -> receive.queueUrl(config.queueUrl())
                .maxNumberOfMessages(10)).messages();
        assertThat(messages).hasSize(1);
        assertThat(Json.MAPPER.readTree(messages.getFirst().body()))
                .isEqualTo(Json.MAPPER.readTree("{\"job_id\": \"" + jobId + "\", \"digits\": 50}"));

        APIGatewayProxyResponseEvent status = get(GET, "/pi_job/" + jobId);
        assertThat(status.getStatusCode()).isEqualTo(200);
        assertThat(status.getHeaders()).containsEntry("Access-Control-Allow-Origin", "*");
        JsonNode state = Json.MAPPER.readTree(status.getBody());
        assertThat(state.fieldNames()).toIterable().containsExactly(
                "success", "job_id", "digits", "status", "time_elapsed", "created_at", "progress");
        assertThat(state.get("success").asBoolean()).isTrue();
        assertThat(state.get("job_id").asText()).isEqualTo(jobId);
        assertThat(state.get("digits").asInt()).isEqualTo(50);
        assertThat(state.get("status").asText()).isEqualTo("queued");
        assertThat(state.get("time_elapsed").asText()).matches("[0-9]+ seconds");
        assertThat(state.get("progress").asDouble()).isZero();
    }

    @Test
    void refusesToDownloadAJobThatIsNotComplete() throws IOException {
        String jobId = createdJobId(post("{\"digits\": 50}"));

        APIGatewayProxyResponseEvent download = get(DOWNLOAD, "/download_pi_job/" + jobId);

        assertThat(download.getStatusCode()).isEqualTo(409);
        assertThat(download.getHeaders()).containsEntry("Access-Control-Allow-Origin", "*");
        assertThat(Json.MAPPER.readTree(download.getBody())).isEqualTo(Json.MAPPER.readTree("""
                {"success": false, "job_id": "%s", "status": "queued",
                 "error": "Job is not complete yet (status queued); download it once GET /prod/pi_job/%s says complete"}
                """.formatted(jobId, jobId)));
    }

    @Test
    void redirectsACompleteJobsDownloadToItsResult() throws Exception {
        // GIVEN a job that a worker has done
        String jobId = createdJobId(post("{\"digits\": 50}"));
        String digits = completedByAWorker(jobId);

        // WHEN
        JsonNode state = Json.MAPPER.readTree(get(GET, "/pi_job/" + jobId).getBody());
        APIGatewayProxyResponseEvent download = get(DOWNLOAD, "/download_pi_job/" + jobId);

        // THEN
        assertThat(state.get("status").asText()).isEqualTo("complete");
        assertThat(state.get("progress").asDouble()).isEqualTo(1.0);
        assertThat(state.get("download").asText()).isEqualTo("/prod/download_pi_job/" + jobId);
        assertThat(download.getStatusCode()).isEqualTo(302);
        assertThat(download.getHeaders()).containsEntry("Cache-Control", "no-store")
                .containsEntry("Access-Control-Allow-Origin", "*");
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> file = http.send(HttpRequest.newBuilder(URI.create(download.getHeaders().get("Location"))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(file.statusCode()).isEqualTo(200);
            assertThat(file.body()).isEqualTo(digits);
            assertThat(file.headers().firstValue("Content-Disposition")).hasValue("attachment; filename=\"pi-50.txt\"");
        }
    }

    @Test
    void redirectsADownloadAskedWithHeadToALinkS3AnswersHead() throws Exception {
        // GIVEN a job that a worker has done
        String jobId = createdJobId(post("{\"digits\": 50}"));
        completedByAWorker(jobId);

        // WHEN its download is asked for with HEAD, and the redirect followed with HEAD
        APIGatewayProxyRequestEvent event = EventLoader.loadApiGatewayRestEvent(DOWNLOAD);
        event.setHttpMethod("HEAD");
        path("/download_pi_job/" + jobId).accept(event);
        APIGatewayProxyResponseEvent redirect = handler.handleRequest(event, null);

        // THEN S3 answers it as it would the GET, without the body
        assertThat(redirect.getStatusCode()).isEqualTo(302);
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<Void> file = http.send(HttpRequest.newBuilder(URI.create(redirect.getHeaders().get("Location")))
                    .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
            assertThat(file.statusCode()).isEqualTo(200);
            assertThat(file.headers().firstValueAsLong("Content-Length")).hasValue(52);
            assertThat(file.headers().firstValue("Content-Disposition")).hasValue("attachment; filename=\"pi-50.txt\"");
        }
    }

    /** Completes the job of 50 digits as a worker does, and returns its result. */
    private static String completedByAWorker(String jobId) throws IOException {
        String digits = "3.14159265358979323846264338327950288419716939937510";
        AwsClients clients = Emulators.clients();
        JobRepository jobs = new JobRepository(clients.dynamoDb(), config);
        ResultStore results = new ResultStore(clients.s3(), clients.presigner(), config);
        assertThat(jobs.claim(jobId, "worker-1", Duration.ofMinutes(1))).isInstanceOf(ClaimResult.Claimed.class);
        String key = ResultStore.resultKey(jobId, 50);
        long bytes = results.upload(key, out -> out.write(digits.getBytes(StandardCharsets.US_ASCII)));
        assertThat(jobs.complete(jobId, "worker-1", key, bytes)).isTrue();
        return digits;
    }

    @Test
    void tellsWhyAFailedJobHasNothingToDownload() throws IOException {
        String jobId = createdJobId(post("{\"digits\": 50}"));
        JobRepository jobs = new JobRepository(Emulators.clients().dynamoDb(), config);
        jobs.claim(jobId, "worker-1", Duration.ofMinutes(1));
        jobs.fail(jobId, "worker-1", "the computation did not finish within the time limit");

        JsonNode state = Json.MAPPER.readTree(get(GET, "/pi_job/" + jobId).getBody());
        APIGatewayProxyResponseEvent download = get(DOWNLOAD, "/download_pi_job/" + jobId);

        assertThat(state.get("status").asText()).isEqualTo("failed");
        assertThat(state.get("error").asText()).isEqualTo("the computation did not finish within the time limit");
        assertThat(state.has("progress")).isFalse();
        assertThat(download.getStatusCode()).isEqualTo(409);
        assertThat(Json.MAPPER.readTree(download.getBody()).get("error").asText())
                .isEqualTo("Job failed, so there is no result to download: the computation did not finish within the time limit");
    }

    // ---- idempotent submission and fair admission ----

    /** A POST of {@code body} from {@code sourceIp} to {@code api}. */
    private static APIGatewayProxyResponseEvent post(ApiHandler api, String body, String sourceIp) {
        APIGatewayProxyRequestEvent event = EventLoader.loadApiGatewayRestEvent(POST);
        event.setBody(body);
        event.getRequestContext().getIdentity().setSourceIp(sourceIp);
        return api.handleRequest(event, null);
    }

    /** A POST of {@code body} from {@code sourceIp}, with an {@code Idempotency-Key} when {@code key} is not null. */
    private static APIGatewayProxyResponseEvent post(String body, String sourceIp, String key) {
        APIGatewayProxyRequestEvent event = EventLoader.loadApiGatewayRestEvent(POST);
        event.setBody(body);
        event.getRequestContext().getIdentity().setSourceIp(sourceIp);
        if (key != null) {
            event.getHeaders().put("Idempotency-Key", key);
        }
        return handler.handleRequest(event, null);
    }

    @Test
    void aRepeatedRequestWithItsIdempotencyKeyGetsTheSameJob() throws IOException {
        String key = "\"8e03978e-40d5-43e8-bc93-6894a57f9324\"";
        String first = createdJobId(post("{\"digits\": 50}", "198.51.100.7", key));

        APIGatewayProxyResponseEvent repeat = post("{ \"digits\":50 }", "198.51.100.7", key);
        APIGatewayProxyResponseEvent otherBody = post("{\"digits\": 51}", "198.51.100.7", key);
        APIGatewayProxyResponseEvent otherClient = post("{\"digits\": 50}", "203.0.113.9", key);

        assertThat(createdJobId(repeat)).isEqualTo(first);
        assertThat(repeat.getHeaders()).containsEntry("Location", "/prod/pi_job/" + first);
        assertThat(otherBody.getStatusCode()).isEqualTo(422);
        assertThat(Json.MAPPER.readTree(otherBody.getBody()).get("error").asText())
                .isEqualTo("this Idempotency-Key was used for a request for 50 digits; use a new key for a different request");
        assertThat(createdJobId(otherClient)).as("keys are the client's own").isNotEqualTo(first);
        assertThat(jobRecords()).isEqualTo(2);
        assertThat(Emulators.clients().sqs().receiveMessage(receive -> receive.queueUrl(config.queueUrl())
                .maxNumberOfMessages(10)).messages()).hasSize(2);
    }

    @Test
    void aRequestWhoseKeyIsStillInFlightIs409() throws IOException {
        // GIVEN a first request with the key that has not been answered yet
        IdempotencyKeys keys = new IdempotencyKeys(Emulators.clients().dynamoDb(),
                new JobRepository(Emulators.clients().dynamoDb(), config), config, java.time.Clock.systemUTC());
        assertThat(keys.reserve("198.51.100.7", "k-1", 50, JobId.newId())).isInstanceOf(IdempotencyKeys.Use.First.class);

        APIGatewayProxyResponseEvent second = post("{\"digits\": 50}", "198.51.100.7", "k-1");

        assertThat(second.getStatusCode()).isEqualTo(409);
        assertThat(second.getHeaders()).containsEntry("Retry-After", "1");
        assertThat(Json.MAPPER.readTree(second.getBody()).get("error").asText())
                .isEqualTo("a request with this Idempotency-Key is still being answered; send it again in a moment");
        assertNothingInTableOrQueue();
    }

    @Test
    void aMalformedIdempotencyKeyIs400() throws IOException {
        for (String key : List.of("", "two words", "x".repeat(256))) {
            APIGatewayProxyResponseEvent response = post("{\"digits\": 50}", "198.51.100.7", key);

            assertThat(response.getStatusCode()).as(key).isEqualTo(400);
            assertThat(Json.MAPPER.readTree(response.getBody()).get("error").asText()).as(key)
                    .startsWith("Idempotency-Key must be 1 to 255 visible ASCII characters");
        }
        assertNothingInTableOrQueue();
    }

    @Test
    void aClientWithThreeUnfinishedJobsGets429UntilOneEnds() throws IOException {
        // GIVEN a client with as many unfinished jobs as it may have
        List<String> jobs = new ArrayList<>();
        for (int digits = 50; digits < 50 + config.maxUnfinishedJobsPerClient(); digits++) {
            jobs.add(createdJobId(post("{\"digits\": " + digits + "}", "198.51.100.7", null)));
        }

        // WHEN it asks for one more
        APIGatewayProxyResponseEvent refused = post("{\"digits\": 70}", "198.51.100.7", null);

        // THEN it is refused with the limit, marked as this refusal, and a wait, while another client is served
        assertThat(refused.getStatusCode()).isEqualTo(429);
        assertThat(refused.getHeaders()).containsEntry("Retry-After", "30");
        JsonNode body = Json.MAPPER.readTree(refused.getBody());
        assertThat(body.get("error").asText()).isEqualTo("you have 3 unfinished jobs"
                + " that need computing, the most one client may have; try again once one of them is complete (or cancel one)");
        assertThat(body.get("unfinished_job_limit").asInt()).isEqualTo(3);
        assertThat(post("{\"digits\": 70}", "203.0.113.9", null).getStatusCode()).isEqualTo(202);
        assertThat(jobRecords()).isEqualTo(4);
        // AND the refusal is counted for the dashboard, as one metric line
        assertThat(metrics.toString(StandardCharsets.UTF_8).lines())
                .singleElement().asString().contains("\"JobsRefused\":1.0", "\"JobsRefusedOverQuota\":1.0");

        // AND once one of its jobs is cancelled (or ends otherwise), it may start another
        assertThat(delete(jobs.getFirst()).getStatusCode()).isEqualTo(200);
        assertThat(post("{\"digits\": 70}", "198.51.100.7", null).getStatusCode()).isEqualTo(202);
        assertThat(post("{\"digits\": 71}", "198.51.100.7", null).getStatusCode()).isEqualTo(429);
    }

    @Test
    void aClientPastItsDigitsForTheDayGets429UntilMidnightUtcWhileOthersAreServed() throws IOException {
        // GIVEN a deployment whose clients may ask for 150,000 digits a day, and a client that asked for 80,000
        // (on a clock stopped, so that both requests fall on one day, within a second)
        Clock asked = Clock.fixed(Instant.now().truncatedTo(ChronoUnit.SECONDS).plusMillis(400), ZoneOffset.UTC);
        ServiceConfig shared = config;
        ApiHandler handler = new ApiHandler(new ServiceConfig(shared.tableName(), shared.queueUrl(), shared.bucketName(),
                shared.maxDigits(), shared.downloadUrlTtl(), shared.jobTtl(), shared.maxUnfinishedJobsPerClient(), 150_000,
                shared.jobDeadline(), shared.workerConcurrency(), shared.workerMemoryMb()), Emulators.clients(),
                asked, capturing(metrics));
        assertThat(post(handler, "{\"digits\": 80000}", "198.51.100.7").getStatusCode()).isEqualTo(202);

        // WHEN it asks for 80,000 more
        APIGatewayProxyResponseEvent refused = post(handler, "{\"digits\": 80000}", "198.51.100.7");

        // THEN it is refused with the limit, marked as this refusal, until midnight UTC, while another client is served
        assertThat(refused.getStatusCode()).isEqualTo(429);
        // (the whole seconds up to it: a client that waits fewer comes back before it)
        long untilMidnight = Duration.between(asked.instant(), LocalDate.now(asked).plusDays(1)
                .atStartOfDay(ZoneOffset.UTC).toInstant()).toSeconds() + 1;
        assertThat(refused.getHeaders()).containsEntry("Retry-After", Long.toString(untilMidnight));
        JsonNode body = Json.MAPPER.readTree(refused.getBody());
        assertThat(body.get("error").asText()).startsWith("with these 80,000 digits your jobs today (UTC) would ask for"
                + " more than 150,000, the most one client may in a day; ask for fewer, cancel a job of yours that has not"
                + " started (its digits count no more), or try again after midnight UTC, in ");
        assertThat(body.get("daily_digit_limit").asInt()).isEqualTo(150_000);
        assertThat(body.has("unfinished_job_limit")).isFalse();
        assertThat(post(handler, "{\"digits\": 80000}", "203.0.113.9").getStatusCode()).isEqualTo(202);
        assertThat(metrics.toString(StandardCharsets.UTF_8).lines())
                .anySatisfy(line -> assertThat(line).contains("\"JobsRefused\":1.0", "\"JobsRefusedOverDigitBudget\":1.0"));
        // AND what fits the rest of its day is served
        assertThat(post(handler, "{\"digits\": 70000}", "198.51.100.7").getStatusCode()).isEqualTo(202);
    }

    // ---- admission by the backlog ----

    /**
     * Five jobs of 10,000,000 digits (18.5 s each by the engine's time model for the default
     * worker: 92.3 s of work), accepted and queued through another instance of the api, from five
     * clients.
     */
    private static void queueFiveLargeJobs(TestResources resources) throws IOException {
        ApiHandler another = new ApiHandler(resources.config(), Emulators.clients());
        for (int i = 1; i <= 5; i++) {
            assertThat(post(another, "{\"digits\": 10000000}", "198.51.100." + i).getStatusCode()).isEqualTo(202);
        }
        assertThat(messagesIn(resources.config().queueUrl())).isEqualTo(5);
    }

    /** The resources' configuration for a deployment of {@code workers} workers and a {@code deadline}. */
    private static ServiceConfig deployment(TestResources resources, int workers, Duration deadline) {
        return deployment(resources, workers, deadline, resources.config().workerMemoryMb());
    }

    /** As {@link #deployment(TestResources, int, Duration)}, with workers of {@code workerMemoryMb}. */
    private static ServiceConfig deployment(TestResources resources, int workers, Duration deadline, int workerMemoryMb) {
        ServiceConfig shared = resources.config();
        return new ServiceConfig(shared.tableName(), shared.queueUrl(), shared.bucketName(), shared.maxDigits(),
                shared.downloadUrlTtl(), shared.jobTtl(), shared.maxUnfinishedJobsPerClient(), shared.clientDigitsPerDay(),
                deadline, workers,
                workerMemoryMb);
    }

    @Test
    void aJobThatCouldNotFinishByItsDeadlineEvenAloneIsNoMatterOfTheBacklog() throws IOException {
        // GIVEN a backlog of five large jobs, and a deployment of one 512 MB worker (a third of a vCPU)
        // with a one-minute deadline, where 10,000,000 digits take about 64 s by themselves
        TestResources resources = Emulators.newResources();
        queueFiveLargeJobs(resources);
        ApiHandler api = new ApiHandler(deployment(resources, 1, Duration.ofMinutes(1), 512), Emulators.clients());

        // WHEN such a job and a small one are asked for
        APIGatewayProxyResponseEvent large = post(api, "{\"digits\": 10000000}", "203.0.113.40");
        APIGatewayProxyResponseEvent small = post(api, "{\"digits\": 1000000}", "203.0.113.41");

        // THEN the large one is accepted, for the worker to fail at once with its reason, not refused
        // again and again until the backlog is gone; the small one waits for the backlog
        assertThat(large.getStatusCode()).isEqualTo(202);
        assertThat(small.getStatusCode()).isEqualTo(503);
    }

    @Test
    void aJobTheBacklogWouldKeepPastItsDeadlineIs503WithRetryAfterWhileOneThatFitsIsAccepted() throws IOException {
        // GIVEN a backlog of five large jobs, and an instance of a deployment with two workers and a
        // one-minute deadline: they start a new job after about 46.1 s
        TestResources resources = Emulators.newResources();
        queueFiveLargeJobs(resources);
        AwsClients shared = Emulators.clients();
        // (its clock stands still, so that one reading serves every request however slow this machine is)
        ByteArrayOutputStream refusals = new ByteArrayOutputStream();
        ApiHandler api = new ApiHandler(deployment(resources, 2, Duration.ofMinutes(1)),
                new AwsClients(recordedDynamoDb, shared.sqs(), shared.s3(), shared.presigner()), MutableClock.startingNow(),
                capturing(refusals));

        // WHEN a job of 10,000,000 digits (18.5 s) is asked for
        APIGatewayProxyResponseEvent refused = post(api, "{\"digits\": 10000000}", "203.0.113.20");

        // THEN it is refused, with the wait until it would fit (46.1 + 18.5 - 60 = 4.6 s) and why
        assertThat(refused.getStatusCode()).isEqualTo(503);
        assertThat(refused.getHeaders()).containsEntry("Retry-After", "5");
        assertThat(Json.MAPPER.readTree(refused.getBody()).get("error").asText()).isEqualTo("the jobs queued already"
                + " keep the workers busy for about 46 seconds, so a job of 10000000 digits accepted now could not finish"
                + " within its deadline of 60 seconds; try again in 5 seconds");
        assertThat(messagesIn(resources.config().queueUrl())).isEqualTo(5);

        // AND a job of 6,000,000 digits (11.6 s), which fits (46.1 + 11.6 s), is accepted and queued
        assertThat(post(api, "{\"digits\": 6000000}", "203.0.113.21").getStatusCode()).isEqualTo(202);
        assertThat(messagesIn(resources.config().queueUrl())).isEqualTo(6);
        // AND the same again no longer fits behind it (51.9 + 11.6 s): the instance counts what it accepted
        assertThat(post(api, "{\"digits\": 6000000}", "203.0.113.22").getStatusCode()).isEqualTo(503);
        // AND the three requests read the backlog once
        assertThat(dynamoDbOperations.stream().filter("Query"::equals)).hasSize(1);
        // AND each refusal is counted for the alarm that says the workers cannot keep up
        assertThat(refusals.toString(StandardCharsets.UTF_8).lines()).hasSize(2)
                .allSatisfy(line -> assertThat(line).contains("\"JobsRefused\":1.0", "\"JobsRefusedForBacklog\":1.0"));
    }

    @Test
    void jobsTheDigitStoreServesOrARunningComputationCoversAreAcceptedWhateverTheBacklog() throws Exception {
        // GIVEN a backlog of five large jobs and one worker: a new job would start after about 92 s,
        // past its one-minute deadline, however small it is
        TestResources resources = Emulators.newResources();
        queueFiveLargeJobs(resources);
        ServiceConfig oneWorker = deployment(resources, 1, Duration.ofMinutes(1));
        ApiHandler api = new ApiHandler(oneWorker, Emulators.clients());
        assertThat(post(api, "{\"digits\": 1500}", "203.0.113.30").getStatusCode()).isEqualTo(503);
        // AND a digit store of 2,000 digits, and a worker computing 3,000, to be done in 30 s
        AwsClients clients = Emulators.clients();
        DigitStore store = new DigitStore(clients.dynamoDb(), clients.s3(),
                new ResultStore(clients.s3(), clients.presigner(), oneWorker), oneWorker);
        assertThat(store.offer(store.write(2000, out -> PiDigits.write(2000, out, (fraction, phase) -> { }, () -> false))))
                .isInstanceOf(DigitStore.Offer.Stored.class);
        assertThat(store.takeLease("a-worker", 3000, 3000, Instant.now().plusSeconds(30), JobDelivery.STALE_AFTER)).isTrue();

        // WHEN jobs that neither needs a worker of its own are asked for
        APIGatewayProxyResponseEvent served = post(api, "{\"digits\": 1500}", "203.0.113.30");
        APIGatewayProxyResponseEvent waiting = post(api, "{\"digits\": 2500}", "203.0.113.31");

        // THEN both are accepted: one complete at once, the other queued for the running computation
        JobRepository jobs = new JobRepository(clients.dynamoDb(), oneWorker);
        assertThat(jobs.find(createdJobId(served)).orElseThrow().status()).isEqualTo(JobStatus.COMPLETE);
        assertThat(jobs.find(createdJobId(waiting)).orElseThrow().status()).isEqualTo(JobStatus.QUEUED);
        // AND one that needs computing is still refused
        assertThat(post(api, "{\"digits\": 3500}", "203.0.113.32").getStatusCode()).isEqualTo(503);
        // AND so is one a running computation covers, once that may end after the job's deadline:
        // the job would be computed beside it
        assertThat(store.takeLease("another-worker", 4000, 4000, Instant.now().plus(Duration.ofMinutes(10)),
                JobDelivery.STALE_AFTER)).isTrue();
        assertThat(post(api, "{\"digits\": 2500}", "203.0.113.33").getStatusCode()).isEqualTo(503);
    }

    private static int messagesIn(String queueUrl) {
        return Integer.parseInt(Emulators.clients().sqs().getQueueAttributes(get -> get.queueUrl(queueUrl)
                        .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
                .attributes().get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES));
    }

    // ---- cancellation and expiry ----

    private static APIGatewayProxyResponseEvent delete(String jobId) {
        APIGatewayProxyRequestEvent event = EventLoader.loadApiGatewayRestEvent(GET);
        event.setHttpMethod("DELETE");
        path("/pi_job/" + jobId).accept(event);
        return handler.handleRequest(event, null);
    }

    @Test
    void cancelsAQueuedJobWhichThenHasNothingToDownload() throws IOException {
        // GIVEN a queued job
        String jobId = createdJobId(post("{\"digits\": 50}"));

        // WHEN its client cancels it, twice
        APIGatewayProxyResponseEvent cancelled = delete(jobId);
        APIGatewayProxyResponseEvent again = delete(jobId);

        // THEN it is cancelled for good: GET says so, there is nothing to download, no worker may claim it
        assertThat(cancelled.getStatusCode()).isEqualTo(200);
        assertThat(Json.MAPPER.readTree(cancelled.getBody())).isEqualTo(Json.MAPPER.readTree("""
                {"success": true, "job_id": "%s", "status": "cancelled"}""".formatted(jobId)));
        assertThat(again.getStatusCode()).isEqualTo(200);
        JsonNode state = Json.MAPPER.readTree(get(GET, "/pi_job/" + jobId).getBody());
        assertThat(state.get("status").asText()).isEqualTo("cancelled");
        assertThat(state.has("progress")).isFalse();
        APIGatewayProxyResponseEvent download = get(DOWNLOAD, "/download_pi_job/" + jobId);
        assertThat(download.getStatusCode()).isEqualTo(409);
        assertThat(Json.MAPPER.readTree(download.getBody()).get("error").asText())
                .isEqualTo("Job was cancelled, so there is no result to download");
        JobRepository jobs = new JobRepository(Emulators.clients().dynamoDb(), config);
        assertThat(jobs.claim(jobId, "worker-1", Duration.ofMinutes(1))).isInstanceOf(ClaimResult.Finished.class);
        assertThat(jobs.openJobs().jobs()).as("out of the open jobs' index").extracting(Job::jobId).doesNotContain(jobId);
    }

    @Test
    void aJobThatHasEndedCannotBeCancelled() throws IOException {
        JobRepository jobs = new JobRepository(Emulators.clients().dynamoDb(), config);
        String failed = createdJobId(post("{\"digits\": 50}"));
        jobs.claim(failed, "worker-1", Duration.ofMinutes(1));
        jobs.fail(failed, "worker-1", "out of time");
        String complete = createdJobId(post("{\"digits\": 60}"));
        jobs.claim(complete, "worker-1", Duration.ofMinutes(1));
        jobs.complete(complete, "worker-1", ResultStore.resultKey(complete, 60), 62);

        APIGatewayProxyResponseEvent cancelFailed = delete(failed);
        APIGatewayProxyResponseEvent cancelComplete = delete(complete);

        assertThat(cancelFailed.getStatusCode()).isEqualTo(409);
        assertThat(Json.MAPPER.readTree(cancelFailed.getBody())).isEqualTo(Json.MAPPER.readTree("""
                {"success": false, "job_id": "%s", "status": "failed",
                 "error": "Job is failed already, so it cannot be cancelled"}""".formatted(failed)));
        assertThat(cancelComplete.getStatusCode()).isEqualTo(409);
        assertThat(jobs.find(complete).orElseThrow().status().wireName()).isEqualTo("complete");
        assertThat(jobs.find(failed).orElseThrow().error()).isEqualTo("out of time");
    }

    @Test
    void cancellingAnUnknownJobIs404() throws IOException {
        APIGatewayProxyResponseEvent response = delete(UNKNOWN_ID);

        assertThat(response.getStatusCode()).isEqualTo(404);
        assertThat(Json.MAPPER.readTree(response.getBody())).isEqualTo(Json.MAPPER.readTree("""
                {"success": false, "job_id": "%s", "error": "Job does not exist"}""".formatted(UNKNOWN_ID)));
        assertNothingInTableOrQueue();
    }

    @Test
    void aNotFoundEchoesTheIdAskedForWhateverItsShape() throws IOException {
        for (String id : List.of("4", "π-ü", "not-an-id")) {
            APIGatewayProxyResponseEvent response = get(GET, "/pi_job/" + id);

            assertThat(response.getStatusCode()).as(id).isEqualTo(404);
            assertThat(Json.MAPPER.readTree(response.getBody())).as(id).isEqualTo(Json.MAPPER.readTree("""
                    {"success": false, "job_id": "%s", "error": "Job does not exist"}""".formatted(id)));
        }
        assertThat(dynamoDbOperations).as("made-up ids never reach the table").isEmpty();
    }

    @Test
    void anIdInUpperCaseNamesTheSameJob() throws IOException {
        // UUIDs are case-insensitive on input (RFC 9562); a client may have upper-cased the id
        String jobId = createdJobId(post("{\"digits\": 50}"));
        String upper = jobId.toUpperCase(Locale.ROOT);

        APIGatewayProxyResponseEvent status = get(GET, "/pi_job/" + upper);
        APIGatewayProxyResponseEvent download = get(DOWNLOAD, "/download_pi_job/" + upper);
        APIGatewayProxyResponseEvent cancelled = delete(upper);

        assertThat(status.getStatusCode()).isEqualTo(200);
        assertThat(Json.MAPPER.readTree(status.getBody()).get("job_id").asText()).isEqualTo(jobId);
        assertThat(download.getStatusCode()).as("not complete yet").isEqualTo(409);
        assertThat(cancelled.getStatusCode()).isEqualTo(200);
        assertThat(Json.MAPPER.readTree(cancelled.getBody()).get("job_id").asText()).isEqualTo(jobId);
    }

    @Test
    void anOpenJobPastItsDeadlineIsFailedOnSightWithTheReason() throws IOException {
        // GIVEN a queued job, and an api whose clock has passed the job's deadline, which the
        // sweeper has not acted on (it runs every 5 minutes, or may not run at all)
        String jobId = createdJobId(post("{\"digits\": 50}"));
        MutableClock later = MutableClock.startingNow();
        later.advance(config.jobDeadline().plusSeconds(1));
        ByteArrayOutputStream emitted = new ByteArrayOutputStream();
        ApiHandler overdueView = new ApiHandler(config, Emulators.clients(), later, capturing(emitted));
        APIGatewayProxyRequestEvent event = EventLoader.loadApiGatewayRestEvent(GET);
        path("/pi_job/" + jobId).accept(event);

        // WHEN its client asks for its status
        APIGatewayProxyResponseEvent status = overdueView.handleRequest(event, null);

        // THEN the job is failed, says why, and is counted as the sweeper counts it
        assertThat(status.getStatusCode()).isEqualTo(200);
        JsonNode state = Json.MAPPER.readTree(status.getBody());
        assertThat(state.get("status").asText()).isEqualTo("failed");
        assertThat(state.get("error").asText()).startsWith("Not finished by its deadline");
        JobRepository jobs = new JobRepository(Emulators.clients().dynamoDb(), config);
        assertThat(jobs.find(jobId).orElseThrow().status()).isEqualTo(JobStatus.FAILED);
        assertThat(emitted.toString(StandardCharsets.UTF_8)).contains("\"JobsOverdue\":1.0", "\"JobsFailed\":1.0");
    }

    @Test
    void aJobPastItsDeadlineThatALiveWorkerHoldsIsLeftToIt() throws IOException {
        // GIVEN a job a worker has just claimed, and an api whose clock has passed the job's deadline
        // but not its worker's staleness, as when the worker is storing the result it computed
        String jobId = createdJobId(post("{\"digits\": 50}"));
        JobRepository jobs = new JobRepository(Emulators.clients().dynamoDb(), config);
        jobs.claim(jobId, "worker-1", Duration.ofMinutes(1));
        MutableClock later = MutableClock.startingNow();
        later.advance(config.jobDeadline().plusSeconds(1));
        MutableClock heartbeatClock = new MutableClock(later.instant().minusSeconds(1));
        new JobRepository(Emulators.clients().dynamoDb(), config, heartbeatClock).heartbeat(jobId, "worker-1", 0.9);
        APIGatewayProxyRequestEvent event = EventLoader.loadApiGatewayRestEvent(GET);
        path("/pi_job/" + jobId).accept(event);

        // WHEN its client asks for its status
        APIGatewayProxyResponseEvent status = new ApiHandler(config, Emulators.clients(), later).handleRequest(event, null);

        // THEN it is still its worker's, which completes it
        assertThat(Json.MAPPER.readTree(status.getBody()).get("status").asText()).isEqualTo("In-progress");
        assertThat(jobs.complete(jobId, "worker-1", ResultStore.resultKey(jobId, 50), 52)).isTrue();
    }

    @Test
    void aRecordPastItsExpiryIsGoneForEveryRoute() throws IOException {
        // GIVEN a complete job, and an api whose clock has passed the record's expiry, which
        // DynamoDB's TTL has not acted on yet
        String jobId = createdJobId(post("{\"digits\": 50}"));
        JobRepository jobs = new JobRepository(Emulators.clients().dynamoDb(), config);
        jobs.claim(jobId, "worker-1", Duration.ofMinutes(1));
        jobs.complete(jobId, "worker-1", ResultStore.resultKey(jobId, 50), 52);
        MutableClock later = MutableClock.startingNow();
        later.advance(config.jobTtl().plusSeconds(1));
        ApiHandler expiredView = new ApiHandler(config, Emulators.clients(), later);

        for (String fixture : List.of(GET, DOWNLOAD)) {
            APIGatewayProxyRequestEvent event = EventLoader.loadApiGatewayRestEvent(fixture);
            path((fixture.equals(GET) ? "/pi_job/" : "/download_pi_job/") + jobId).accept(event);

            APIGatewayProxyResponseEvent response = expiredView.handleRequest(event, null);

            assertThat(response.getStatusCode()).as(fixture).isEqualTo(404);
            assertThat(Json.MAPPER.readTree(response.getBody()).get("job_id").asText()).isEqualTo(jobId);
        }
        assertThat(get(GET, "/pi_job/" + jobId).getStatusCode()).as("before its expiry").isEqualTo(200);
    }

    @Test
    void logsEachRequestAsJsonWithTheInvocationsFieldsAndTheRequestAndJobIds() throws IOException {
        // WHEN Lambda invokes the handler with a job to create
        LocalLambdaContext context = LocalLambdaContext.start("api", 10_000);
        APIGatewayProxyResponseEvent created = handler.handleRequest(EventLoader.loadApiGatewayRestEvent(POST), context);

        // THEN the job's line and the request's line carry both request ids and their own fields
        String jobId = createdJobId(created);
        JsonNode job = logs.withMessage("job created").getFirst();
        assertThat(job.path("level").asText()).isEqualTo("INFO");
        assertThat(job.path("function_request_id").asText()).as(job.toString()).isEqualTo(context.getAwsRequestId());
        assertThat(job.path("function_name").asText()).isEqualTo("api");
        assertThat(job.path("cold_start").isBoolean()).isTrue();
        assertThat(job.path("request_id").asText()).isEqualTo(GATEWAY_REQUEST_ID);
        assertThat(job.path("job_id").asText()).isEqualTo(jobId);
        assertThat(job.path("digits").asInt()).isEqualTo(50);
        JsonNode request = logs.withMessage("request").getFirst();
        assertThat(request.path("function_request_id").asText()).isEqualTo(context.getAwsRequestId());
        assertThat(request.path("request_id").asText()).isEqualTo(GATEWAY_REQUEST_ID);
        assertThat(request.path("method").asText()).isEqualTo("POST");
        assertThat(request.path("path").asText()).isEqualTo("/pi_job");
        assertThat(request.path("status").asInt()).isEqualTo(202);
        assertThat(request.path("millis").isIntegralNumber()).isTrue();
        assertThat(request.has("job_id")).as("the job's id stays on the job's lines").isFalse();
    }

    @Test
    void acceptsABase64EncodedBody() throws IOException {
        APIGatewayProxyRequestEvent event = EventLoader.loadApiGatewayRestEvent(POST);
        event.setBody(Base64.getEncoder().encodeToString("{\"digits\": 7}".getBytes(StandardCharsets.UTF_8)));
        event.setIsBase64Encoded(true);

        assertThat(JobId.isWellFormed(createdJobId(handler.handleRequest(event, null)))).isTrue();
    }

    // ---- when AWS fails ----

    private static String deadEndpoint() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return "http://127.0.0.1:" + socket.getLocalPort();
        }
    }

    @Test
    void answers503AndLeavesNoJobWhenTheQueueIsUnavailable() throws IOException {
        ApiHandler cutOff = handlerBehind(URI.create(deadEndpoint()), "SQS");

        APIGatewayProxyResponseEvent response = cutOff.handleRequest(EventLoader.loadApiGatewayRestEvent(POST), null);

        assertThat(response.getStatusCode()).isEqualTo(503);
        assertThat(response.getHeaders()).containsEntry("Retry-After", "5")
                .containsEntry("Access-Control-Allow-Origin", "*");
        assertThat(response.getHeaders().get("Access-Control-Expose-Headers")).contains("Retry-After");
        assertThat(Json.MAPPER.readTree(response.getBody()).get("error").asText())
                .isEqualTo("the job queue is unavailable, so no job was created; try again in a few seconds");
        assertNothingInTableOrQueue();
        JsonNode logged = logs.withMessage("the job queue is unavailable").getFirst();
        assertThat(logged.path("level").asText()).isEqualTo("ERROR");
        assertThat(logged.path("request_id").asText()).isEqualTo(GATEWAY_REQUEST_ID);
        assertThat(JobId.isWellFormed(logged.path("job_id").asText())).as(logged.toString()).isTrue();
        assertThat(logged.path("error").path("stack").asText()).contains("SdkClientException");
    }

    @Test
    void answers503WhenTheTableIsUnavailable() throws IOException {
        // Without retries: DynamoDB's default of ten attempts with back-off only makes the test slow.
        DynamoDbClient unreachable = dynamoDb(URI.create(deadEndpoint()), o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()));
        AwsClients shared = Emulators.clients();
        ApiHandler cutOff = new ApiHandler(config, new AwsClients(unreachable, shared.sqs(), shared.s3(), shared.presigner()));

        APIGatewayProxyResponseEvent created = cutOff.handleRequest(EventLoader.loadApiGatewayRestEvent(POST), null);
        APIGatewayProxyResponseEvent status = cutOff.handleRequest(EventLoader.loadApiGatewayRestEvent(GET), null);

        assertThat(created.getStatusCode()).isEqualTo(503);
        assertThat(Json.MAPPER.readTree(created.getBody()).get("error").asText())
                .isEqualTo("the job store is unavailable, so no job was created; try again in a few seconds");
        assertThat(status.getStatusCode()).isEqualTo(503);
        assertNothingInTableOrQueue();
        unreachable.close();
    }

    /** The handler as deployed (the api's call budgets), its {@code service} reached through a proxy that hangs. */
    private static ApiHandler handlerBehind(HangingProxy proxy, String service) {
        return handlerBehind(URI.create(proxy.endpoint()), service);
    }

    private static ApiHandler handlerBehind(URI proxy, String service) {
        AwsClients clients = AwsClients.fromSettings(Emulators.settingsThrough(Map.of(service, proxy)), ApiHandler.CALL_BUDGETS);
        ownClients.add(clients);
        return new ApiHandler(config, clients);
    }

    /** What a call to a service that hangs costs the api (docs/OPERATIONS.md): the table's or the queue's budget. */
    private static final Duration HUNG_CALL = Collections.max(List.of(
            ApiHandler.CALL_BUDGETS.dynamoDb().callTimeout(), ApiHandler.CALL_BUDGETS.sqs().callTimeout()));

    /**
     * The answer's time beyond its hung calls, with room for a slow test machine: the calls that do
     * not hang, a new handler's first ones among them, and timers that fire late on busy cores.
     */
    private static final Duration SLACK = Duration.ofSeconds(3);

    /** The longest an answer may take after {@code hungCalls} hung calls. */
    private static Duration budgetFor(int hungCalls) {
        return HUNG_CALL.multipliedBy(hungCalls).plus(SLACK);
    }

    @Test
    void answers503WithinTheBudgetAndLeavesNoJobWhenTheQueueHangs() throws IOException {
        try (HangingProxy sqs = HangingProxy.forwardingTo(Emulators.aws().sqsEndpoint())) {
            ApiHandler api = handlerBehind(sqs, "SQS");
            sqs.hang();
            long started = System.nanoTime();

            APIGatewayProxyResponseEvent response = api.handleRequest(EventLoader.loadApiGatewayRestEvent(POST), null);

            assertThat(Duration.ofNanos(System.nanoTime() - started)).as("the send").isLessThan(budgetFor(1));
            assertThat(response.getStatusCode()).isEqualTo(503);
            assertThat(response.getHeaders()).containsEntry("Retry-After", "5");
            assertThat(Json.MAPPER.readTree(response.getBody()).get("error").asText())
                    .startsWith("the job queue is unavailable, so no job was created");
            assertNothingInTableOrQueue();
        }
    }

    @Test
    void answers503WithinTheBudgetWhenTheTableHangs() throws IOException {
        try (HangingProxy dynamoDb = HangingProxy.forwardingTo(Emulators.aws().dynamoDbEndpoint())) {
            ApiHandler api = handlerBehind(dynamoDb, "DYNAMODB");
            String jobId = createdJobId(api.handleRequest(EventLoader.loadApiGatewayRestEvent(POST), null));
            dynamoDb.hang();

            // A POST meets three hung table calls before it is answered, a GET one
            for (APIGatewayProxyRequestEvent event : List.of(EventLoader.loadApiGatewayRestEvent(POST),
                    EventLoader.loadApiGatewayRestEvent(GET))) {
                boolean get = event.getHttpMethod().equals("GET");
                path(get ? "/pi_job/" + jobId : "/pi_job").accept(event);
                long started = System.nanoTime();

                APIGatewayProxyResponseEvent response = api.handleRequest(event, null);

                assertThat(Duration.ofNanos(System.nanoTime() - started)).as(event.getHttpMethod())
                        .isLessThan(budgetFor(get ? 1 : 3));
                assertThat(response.getStatusCode()).as(event.getHttpMethod()).isEqualTo(503);
                assertThat(response.getHeaders()).containsEntry("Retry-After", "5");
            }
            assertThat(jobRecords()).as("only the job made before the hang").isEqualTo(1);
        }
    }

    @Test
    void answersWithinTheFunctionsTimeoutWhenEveryTableCallIsSlowAndLeavesNoJobBehind() throws IOException {
        // GIVEN a client at its limit of unfinished jobs, then a table in a brownout: every other
        // attempt outlasts its 0.7 s and the others answer after 0.6 s, so each call succeeds on
        // its second attempt, in about 1.4 s (twelve such calls would take 17 s)
        List<String> jobs = new ArrayList<>();
        for (int digits = 50; digits < 50 + config.maxUnfinishedJobsPerClient(); digits++) {
            jobs.add(createdJobId(post("{\"digits\": " + digits + "}", "198.51.100.7", null)));
        }
        try (FaultProxy dynamoDb = FaultProxy.start(Emulators.aws().dynamoDbEndpoint())) {
            ApiHandler api = handlerBehind(dynamoDb.endpoint(), "DYNAMODB");
            AtomicInteger attempts = new AtomicInteger();
            dynamoDb.injectAlways(request -> attempts.getAndIncrement() % 2 == 0, FaultProxy.Fault.hang(Duration.ofSeconds(1)));
            dynamoDb.injectAlways(request -> true, FaultProxy.Fault.late(Duration.ofMillis(600)));
            APIGatewayProxyRequestEvent event = EventLoader.loadApiGatewayRestEvent(POST);
            event.setBody("{\"digits\": 70}");
            event.getRequestContext().getIdentity().setSourceIp("198.51.100.7");
            event.getHeaders().put("Idempotency-Key", "during-a-brownout");
            long started = System.nanoTime();

            // WHEN the client asks for one more job, with a key
            APIGatewayProxyResponseEvent response = api.handleRequest(event, null);

            // THEN it is answered 503 before the function's timeout would cut it off
            assertThat(Duration.ofNanos(System.nanoTime() - started))
                    .isLessThan(Duration.ofSeconds(GatewayAnswers.API_TIMEOUT_SECONDS));
            assertThat(response.getStatusCode()).isEqualTo(503);
            assertThat(response.getHeaders()).containsEntry("Retry-After", "5");
            assertThat(Json.MAPPER.readTree(response.getBody()).get("error").asText())
                    .startsWith("the job store is unavailable, so no job was created");
            // AND, as it says, no job was: the record made before the cut was withdrawn, and the key
            // was freed, so that the client's retry is a new request (refused, still at its limit)
            dynamoDb.heal();
            assertThat(jobRecords()).isEqualTo(jobs.size());
            assertThat(api.handleRequest(event, null).getStatusCode()).isEqualTo(429);
        }
    }

    @Test
    void answersAFaultOfOursWithA500ThatNamesTheRequestAndNotTheCause() throws IOException {
        ServiceConfig noSuchTable = TestResources.config("no-such-table", config.queueUrl(), config.bucketName());
        ApiHandler misconfigured = new ApiHandler(noSuchTable, Emulators.clients());

        APIGatewayProxyResponseEvent response = misconfigured.handleRequest(EventLoader.loadApiGatewayRestEvent(POST), null);

        assertThat(response.getStatusCode()).isEqualTo(500);
        assertThat(response.getHeaders()).containsEntry("Access-Control-Allow-Origin", "*");
        assertThat(Json.MAPPER.readTree(response.getBody())).isEqualTo(Json.MAPPER.readTree("""
                {"success": false, "error": "internal error; quote request id 4f1d2c3b-5a6e-4f70-8a91-b2c3d4e5f607 when reporting it"}
                """));
        assertNothingInTableOrQueue();
        // The cause goes to the log, under the id the client was given.
        JsonNode logged = logs.withMessage("request failed").getFirst();
        assertThat(logged.path("level").asText()).isEqualTo("ERROR");
        assertThat(logged.path("request_id").asText()).isEqualTo(GATEWAY_REQUEST_ID);
        assertThat(logged.path("error").path("name").asText()).isEqualTo(ResourceNotFoundException.class.getName());
        assertThat(logged.path("error").path("stack").asText()).contains("\tat ");
    }

    // ---- the documentation ----

    @Test
    void servesEveryOperationTheDocumentDescribes() throws IOException {
        JsonNode paths = Json.MAPPER.readTree(get("events/get-docs.json", "/openapi.json").getBody()).get("paths");
        List<String> operations = new ArrayList<>();
        paths.properties().forEach(path -> path.getValue().fieldNames().forEachRemaining(method ->
                operations.add(method.toUpperCase(Locale.ROOT) + " " + path.getKey())));

        assertThat(operations).hasSize(10);
        for (String operation : operations) {
            String[] parts = operation.split(" ");
            APIGatewayProxyRequestEvent event = EventLoader.loadApiGatewayRestEvent("events/get-docs.json");
            event.setHttpMethod(parts[0]);
            path(parts[1].replace("{job_id}", UNKNOWN_ID).replace("{file}", "swagger-ui.css")).accept(event);

            APIGatewayProxyResponseEvent response = handler.handleRequest(event, null);

            assertThat(response.getStatusCode()).as(operation).isNotIn(405, 500);
            if (response.getStatusCode() == 404) {
                assertThat(Json.MAPPER.readTree(response.getBody()).get("error").asText()).as(operation)
                        .isEqualTo("Job does not exist");
            }
        }
    }

    @Test
    void answersHeadAsGetWithoutTheBody() {
        for (String path : List.of("/", "/openapi.json", "/pi_job/" + UNKNOWN_ID)) {
            APIGatewayProxyResponseEvent get = get("events/get-docs.json", path);
            APIGatewayProxyRequestEvent event = EventLoader.loadApiGatewayRestEvent("events/get-docs.json");
            event.setHttpMethod("HEAD");
            path(path).accept(event);

            APIGatewayProxyResponseEvent head = handler.handleRequest(event, null);

            assertThat(head.getStatusCode()).as(path).isEqualTo(get.getStatusCode());
            assertThat(head.getHeaders()).as(path).containsEntry("Content-Type", get.getHeaders().get("Content-Type"));
            assertThat(head.getBody()).as(path).isNull();
        }
    }

    @Test
    void servesTheDocsPageAndItsAssetsWithTheirTypes() {
        Map<String, String> types = Map.of(
                "/", "text/html; charset=utf-8",
                "/app", "text/html; charset=utf-8",
                "/docs/app.css", "text/css; charset=utf-8",
                "/docs/app.js", "text/javascript; charset=utf-8",
                "/docs/swagger-ui.css", "text/css; charset=utf-8",
                "/docs/swagger-ui-bundle.js", "text/javascript; charset=utf-8",
                "/docs/swagger-initializer.js", "text/javascript; charset=utf-8",
                "/openapi.yaml", "application/yaml; charset=utf-8",
                "/openapi.json", "application/json");
        types.forEach((path, type) -> {
            APIGatewayProxyResponseEvent response = get("events/get-docs.json", path);
            assertThat(response.getStatusCode()).as(path).isEqualTo(200);
            assertThat(response.getHeaders()).as(path).containsEntry("Content-Type", type)
                    .containsEntry("Access-Control-Allow-Origin", "*");
            assertThat(response.getBody()).as(path).isNotEmpty();
        });
    }
}
