package org.piservice.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.piservice.emulators.LocalAws;
import org.piservice.jobs.AwsClients;
import org.piservice.jobs.ClaimResult;
import org.piservice.jobs.JobId;
import org.piservice.jobs.JobRepository;
import org.piservice.jobs.ResultStore;
import org.piservice.jobs.ServiceConfig;
import org.piservice.jobs.testing.Emulators;
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
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The handler with real SDK clients against the embedded emulators (DynamoDB, SQS, S3) that this
 * test starts through the jobs module's test helpers; events are API Gateway REST proxy events
 * loaded from JSON fixtures.
 */
class ApiHandlerIntegrationTest {

    private static final int MAX_DIGITS = 100_000;

    /** Records the DynamoDB operations the handler makes, to show which requests never reach the table. */
    private static final List<String> dynamoDbOperations = Collections.synchronizedList(new ArrayList<>());

    private static ServiceConfig config;
    private static DynamoDbClient recordedDynamoDb;
    private static ApiHandler handler;
    private static final List<AwsClients> ownClients = new ArrayList<>();

    @BeforeAll
    static void start() {
        config = Emulators.newResources().config().withMaxDigits(MAX_DIGITS);
        LocalAws aws = Emulators.aws();
        ExecutionInterceptor recorder = new ExecutionInterceptor() {
            @Override
            public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                dynamoDbOperations.add(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME));
            }
        };
        recordedDynamoDb = dynamoDb(aws.dynamoDbEndpoint(), o -> o.addExecutionInterceptor(recorder));
        AwsClients shared = Emulators.clients();
        handler = new ApiHandler(config, new AwsClients(recordedDynamoDb, shared.sqs(), shared.s3(), shared.presigner()));
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
    }

    // ---- bad input: one row each, from issue 3 ----

    private static final String POST = "events/post-pi-job.json";
    private static final String GET = "events/get-pi-job.json";
    private static final String DOWNLOAD = "events/download-pi-job.json";
    private static final String UNKNOWN_ID = "0b8f1c2d-3e4a-4b5c-9d6e-7f8091a2b3c4";

    private static Arguments row(String name, String fixture, Consumer<APIGatewayProxyRequestEvent> change,
                                 int status, String error, List<String> dynamoDbCalls) {
        return Arguments.of(name, fixture, change, status, error, dynamoDbCalls);
    }

    private static Consumer<APIGatewayProxyRequestEvent> body(String body) {
        return event -> event.setBody(body);
    }

    private static Consumer<APIGatewayProxyRequestEvent> path(String path) {
        return event -> {
            event.setPath(path);
            event.getRequestContext().setPath("/prod" + path);
        };
    }

    private static Consumer<APIGatewayProxyRequestEvent> method(String method) {
        return event -> event.setHttpMethod(method);
    }

    static Stream<Arguments> badRequests() {
        List<String> none = List.of();
        return Stream.of(
                row("no body", POST, body(null), 400, "request body is required: send {\"digits\": N} with N from 1 to 100000", none),
                row("invalid JSON", POST, body("{\"digits\": 50"), 400, "request body is not valid JSON", none),
                row("JSON array", POST, body("[50]"), 400, "request body must be a JSON object, not an array", none),
                row("JSON string", POST, body("\"50\""), 400, "request body must be a JSON object, not a string", none),
                row("JSON number", POST, body("50"), 400, "request body must be a JSON object, not a number", none),
                row("digits missing", POST, body("{}"), 400, "digits is required", none),
                row("digits null", POST, body("{\"digits\": null}"), 400, "digits must be a number, not null", none),
                row("digits \"abc\"", POST, body("{\"digits\": \"abc\"}"), 400, "digits must be a number, not a string", none),
                row("digits \"100\"", POST, body("{\"digits\": \"100\"}"), 400,
                        "digits must be a number, not a string: send {\"digits\": 100}, not {\"digits\": \"100\"}", none),
                row("digits 1.5", POST, body("{\"digits\": 1.5}"), 400,
                        "digits must be a whole number written without a decimal point or exponent, got 1.5", none),
                row("digits -1", POST, body("{\"digits\": -1}"), 400, "digits must be at least 1, got -1", none),
                row("digits 0", POST, body("{\"digits\": 0}"), 400, "digits must be at least 1, got 0", none),
                row("digits above the limit", POST, body("{\"digits\": 100001}"), 400, "digits must be at most 100000, got 100001", none),
                row("digits 1e400", POST, body("{\"digits\": 1e400}"), 400,
                        "digits must be a whole number written without a decimal point or exponent, got 1e400", none),
                row("1 MB body", POST, body("{\"digits\": 50, \"padding\": \"" + "x".repeat(1 << 20) + "\"}"), 413,
                        "request body is larger than 4096 bytes", none),
                row("wrong content type", POST, event -> {
                    event.getHeaders().put("Content-Type", "text/plain");
                    event.getMultiValueHeaders().put("Content-Type", List.of("text/plain"));
                }, 415, "Content-Type is text/plain: send the body as JSON with Content-Type: application/json", none),
                row("unknown job id", GET, event -> { }, 404, "Job does not exist", List.of("GetItem")),
                row("very long id", GET, path("/pi_job/" + "a".repeat(10_000)), 404, "Job does not exist", none),
                row("../ in the id", GET, path("/pi_job/..%2F..%2Fsecrets"), 404, "Job does not exist", none),
                row("../ as a segment", GET, path("/pi_job/../openapi.yaml"), 404, "no such resource: GET /pi_job/../openapi.yaml", none),
                row("unicode id", GET, path("/pi_job/π-ü-日本"), 404, "Job does not exist", none),
                row("empty id", GET, path("/pi_job/"), 404, "Job does not exist", none),
                row("malformed download id", DOWNLOAD, path("/download_pi_job/" + UNKNOWN_ID.toUpperCase()), 404, "Job does not exist", none),
                row("unknown download id", DOWNLOAD, event -> { }, 404, "Job does not exist", List.of("GetItem")),
                row("unknown route", GET, path("/pi_jobs"), 404, "no such resource: GET /pi_jobs; the API is described at /prod/", none),
                row("wrong method", POST, method("DELETE"), 405, "method DELETE is not allowed on /pi_job; use POST", none),
                row("POST to a job", GET, method("POST"), 405, "method POST is not allowed on /pi_job/" + UNKNOWN_ID + "; use GET", none));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRequests")
    void answersBadInputWithAJsonErrorAndLeavesNothingBehind(String name, String fixture,
            Consumer<APIGatewayProxyRequestEvent> change, int status, String error, List<String> dynamoDbCalls) throws IOException {
        // GIVEN
        APIGatewayProxyRequestEvent event = EventLoader.loadApiGatewayRestEvent(fixture);
        change.accept(event);

        // WHEN
        APIGatewayProxyResponseEvent response = handler.handleRequest(event, null);

        // THEN
        assertThat(response.getStatusCode()).isEqualTo(status);
        assertThat(response.getHeaders()).containsEntry("Content-Type", "application/json")
                .containsEntry("Access-Control-Allow-Origin", "*");
        JsonNode body = Json.MAPPER.readTree(response.getBody());
        assertThat(body.get("success").asBoolean(true)).isFalse();
        assertThat(body.get("error").asText()).startsWith(error);
        assertThat(response.getBody()).doesNotContain("Exception", "\tat ", "org.piservice");
        if (status == 405) {
            assertThat(response.getHeaders()).containsKey("Allow");
        }
        assertThat(dynamoDbOperations).as("DynamoDB calls").isEqualTo(dynamoDbCalls);
        assertNothingInTableOrQueue();
    }

    private static void assertNothingInTableOrQueue() {
        AwsClients clients = Emulators.clients();
        assertThat(clients.dynamoDb().scan(scan -> scan.tableName(config.tableName())).count()).as("jobs in the table").isZero();
        Map<QueueAttributeName, String> counts = clients.sqs().getQueueAttributes(get -> get.queueUrl(config.queueUrl())
                .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                        QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE,
                        QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED)).attributes();
        assertThat(counts.values()).as("messages in the queue").containsOnly("0");
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
        String digits = "3.14159265358979323846264338327950288419716939937510";
        AwsClients clients = Emulators.clients();
        JobRepository jobs = new JobRepository(clients.dynamoDb(), config);
        ResultStore results = new ResultStore(clients.s3(), clients.presigner(), config);
        assertThat(jobs.claim(jobId, "worker-1", Duration.ofMinutes(1))).isInstanceOf(ClaimResult.Claimed.class);
        String key = ResultStore.resultKey(jobId, 50);
        long bytes = results.upload(key, out -> out.write(digits.getBytes(StandardCharsets.US_ASCII)));
        assertThat(jobs.complete(jobId, "worker-1", key, bytes)).isTrue();

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

    private static ApiHandler handlerWith(String setting, String value) {
        Map<String, String> settings = new HashMap<>(Emulators.aws().clientSettings());
        settings.put(setting, value);
        AwsClients clients = AwsClients.fromSettings(settings);
        ownClients.add(clients);
        return new ApiHandler(config, clients);
    }

    @Test
    void answers503AndLeavesNoJobWhenTheQueueIsUnavailable() throws IOException {
        ApiHandler cutOff = handlerWith("AWS_ENDPOINT_URL_SQS", deadEndpoint());

        APIGatewayProxyResponseEvent response = cutOff.handleRequest(EventLoader.loadApiGatewayRestEvent(POST), null);

        assertThat(response.getStatusCode()).isEqualTo(503);
        assertThat(response.getHeaders()).containsEntry("Retry-After", "5")
                .containsEntry("Access-Control-Allow-Origin", "*");
        assertThat(response.getHeaders().get("Access-Control-Expose-Headers")).contains("Retry-After");
        assertThat(Json.MAPPER.readTree(response.getBody()).get("error").asText())
                .isEqualTo("the job queue is unavailable, so no job was created; try again in a few seconds");
        assertNothingInTableOrQueue();
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

    @Test
    void answersAFaultOfOursWithA500ThatNamesTheRequestAndNotTheCause() throws IOException {
        ServiceConfig noSuchTable = new ServiceConfig("no-such-table", config.queueUrl(), config.bucketName());
        ApiHandler misconfigured = new ApiHandler(noSuchTable, Emulators.clients());

        APIGatewayProxyResponseEvent response = misconfigured.handleRequest(EventLoader.loadApiGatewayRestEvent(POST), null);

        assertThat(response.getStatusCode()).isEqualTo(500);
        assertThat(response.getHeaders()).containsEntry("Access-Control-Allow-Origin", "*");
        assertThat(Json.MAPPER.readTree(response.getBody())).isEqualTo(Json.MAPPER.readTree("""
                {"success": false, "error": "internal error; quote request id 4f1d2c3b-5a6e-4f70-8a91-b2c3d4e5f607 when reporting it"}
                """));
        assertNothingInTableOrQueue();
    }

    // ---- the documentation ----

    @Test
    void servesEveryOperationTheDocumentDescribes() throws IOException {
        JsonNode paths = Json.MAPPER.readTree(get("events/get-docs.json", "/openapi.json").getBody()).get("paths");
        List<String> operations = new ArrayList<>();
        paths.properties().forEach(path -> path.getValue().fieldNames().forEachRemaining(method ->
                operations.add(method.toUpperCase(Locale.ROOT) + " " + path.getKey())));

        assertThat(operations).hasSize(8);
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
    void servesTheDocsPageAndItsAssetsWithTheirTypes() {
        Map<String, String> types = Map.of(
                "/", "text/html; charset=utf-8",
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
