package org.piservice.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.piservice.core.MachinPi;
import org.piservice.jobs.AwsClients;
import org.piservice.jobs.DigitStore;
import org.piservice.jobs.ResultStore;
import org.piservice.jobs.ServiceConfig;
import org.piservice.jobs.testing.Emulators;
import org.piservice.jobs.testing.FaultProxy;
import org.piservice.jobs.testing.FaultProxy.Fault;

/**
 * {@code GET /v1/pi} and instant jobs through the handler, with real SDK clients against the
 * embedded emulators. The store is seeded with digits from Machin's formula, a method independent
 * of the engine, which the answers are checked against at the start, middle and end.
 */
class DigitsApiTest {

    private static final int STORE_DIGITS = 3000;
    /** Machin's π as positions: "3" and the decimals, no point. */
    private static String reference;
    private static ServiceConfig config;
    private static ApiHandler handler;

    @BeforeAll
    static void seedTheStore() throws Exception {
        AwsClients clients = Emulators.clients();
        config = Emulators.newResources().config();
        handler = new ApiHandler(config, clients);
        String text = MachinPi.text(STORE_DIGITS);
        reference = MachinPi.positions(STORE_DIGITS);
        DigitStore store = new DigitStore(clients.dynamoDb(), clients.s3(),
                new ResultStore(clients.s3(), clients.presigner(), config), config);
        assertThat(store.offer(store.write(STORE_DIGITS, out -> out.write(text.getBytes(StandardCharsets.US_ASCII)))))
                .isEqualTo(new DigitStore.Offer.Stored(STORE_DIGITS));
    }

    private static APIGatewayProxyResponseEvent get(String path, Map<String, String> query) {
        return handler.handleRequest(new APIGatewayProxyRequestEvent().withHttpMethod("GET").withPath(path)
                .withQueryStringParameters(query), null);
    }

    private static APIGatewayProxyResponseEvent digits(String start, String count) {
        Map<String, String> query = new LinkedHashMap<>();
        if (start != null) {
            query.put("start", start);
        }
        if (count != null) {
            query.put("numberOfDigits", count);
        }
        return get("/v1/pi", query);
    }

    private static JsonNode json(APIGatewayProxyResponseEvent response) throws Exception {
        return Json.MAPPER.readTree(response.getBody());
    }

    @ParameterizedTest
    @CsvSource({"0, 5", "0, 1000", "1, 1", "1500, 1000", "2001, 1000", "3000, 1"})
    void rangesMatchAnIndependentReference(long start, int count) throws Exception {
        APIGatewayProxyResponseEvent response = digits(Long.toString(start), Integer.toString(count));

        assertThat(response.getStatusCode()).isEqualTo(200);
        assertThat(json(response).get("content").asText())
                .isEqualTo(reference.substring((int) start, (int) start + count));
    }

    @Test
    void piDeliverysExampleAndDefault() throws Exception {
        assertThat(json(digits("0", "5")).get("content").asText()).isEqualTo("31415");
        assertThat(json(digits("0", null)).get("content").asText()).hasSize(100);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "        | 5     | start is required",
            "-1      | 5     | start is negative",
            "abc     | 5     | start is not a whole number: abc",
            "1000000000000000000 | 5 | start is too large: at most 999999999999999999",
            "12345678901234567890123 | 5 | start is too large: at most 999999999999999999",
            "-12345678901234567890 | 5 | start is negative",
            "0       | 12345678901234567890 | numberOfDigits is too big: at most 1000",
            "0       | 0     | numberOfDigits must be at least 1",
            "0       | 1001  | numberOfDigits is too big: at most 1000",
            "0       | 1.5   | numberOfDigits is not a whole number: 1.5"})
    void badParametersAre400(String start, String count, String message) throws Exception {
        APIGatewayProxyResponseEvent response = digits(start, count);

        assertThat(response.getStatusCode()).isEqualTo(400);
        assertThat(json(response).get("success").asBoolean()).isFalse();
        assertThat(json(response).get("error").asText()).isEqualTo(message);
    }

    @Test
    void aRadixOtherThanTenIs400() throws Exception {
        APIGatewayProxyResponseEvent response = get("/v1/pi", Map.of("start", "0", "radix", "16"));

        assertThat(response.getStatusCode()).isEqualTo(400);
        assertThat(json(response).get("error").asText()).isEqualTo("radix 16 is not supported: only 10");
        assertThat(get("/v1/pi", Map.of("start", "0", "numberOfDigits", "2", "radix", "10")).getStatusCode()).isEqualTo(200);
        assertThat(get("/v1/pi", Map.of("start", "0", "numberOfDigits", "2", "radix", "010")).getStatusCode()).isEqualTo(200);
        assertThat(get("/v1/pi", Map.of("start", "0", "numberOfDigits", "2", "radix", "")).getStatusCode()).as("the default").isEqualTo(200);
        assertThat(json(get("/v1/pi", Map.of("start", "0", "radix", "ten"))).get("error").asText())
                .isEqualTo("radix is not a whole number: ten");
    }

    @Test
    void longValuesAreEchoedShortened() throws Exception {
        APIGatewayProxyResponseEvent radix = get("/v1/pi", Map.of("start", "0", "radix", "1".repeat(5000)));
        APIGatewayProxyResponseEvent start = digits("x".repeat(5000), "5");

        assertThat(json(radix).get("error").asText()).isEqualTo("radix " + "1".repeat(100) + "... is not supported: only 10");
        assertThat(json(start).get("error").asText()).isEqualTo("start is not a whole number: " + "x".repeat(100) + "...");
    }

    @Test
    void aRangeBeyondTheStoreSaysHowFarItGoes() throws Exception {
        APIGatewayProxyResponseEvent response = digits("2002", "1000");

        assertThat(response.getStatusCode()).isEqualTo(404);
        assertThat(json(response).get("success").asBoolean()).isFalse();
        assertThat(json(response).get("error").asText()).isEqualTo("positions 2002..3001 are beyond the digit store:"
                + " 3001 digits are available (positions 0..3000); a job for more (POST /pi_job) extends the store");
    }

    @Test
    void whileS3FailsARangeIs503AndWhenS3RefusesTheFunctionA500() throws Exception {
        try (FaultProxy s3 = FaultProxy.start(Emulators.aws().s3Endpoint())) {
            try (AwsClients clients = AwsClients.fromSettings(Emulators.settingsThrough(Map.of("S3", s3.endpoint())),
                    ApiHandler.CALL_BUDGETS)) {
                ApiHandler behind = new ApiHandler(config, clients);
                APIGatewayProxyRequestEvent range = new APIGatewayProxyRequestEvent().withHttpMethod("GET")
                        .withPath("/v1/pi").withQueryStringParameters(Map.of("start", "10", "numberOfDigits", "5"));

                // WHEN S3 fails inside: a retry may cure it
                s3.injectAlways(request -> request.method().equals("GET"), Fault.s3InternalError());
                APIGatewayProxyResponseEvent unavailable = behind.handleRequest(range, null);
                assertThat(unavailable.getStatusCode()).isEqualTo(503);
                assertThat(unavailable.getHeaders()).containsEntry("Retry-After", "5");
                assertThat(json(unavailable).get("error").asText())
                        .isEqualTo("the digit store is unavailable right now; try again in a few seconds");

                // WHEN S3 refuses the function: a fault of the deployment, which no retry cures
                s3.heal();
                s3.injectAlways(request -> request.method().equals("GET"), new Fault.Answer(403, "application/xml",
                        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>AccessDenied</Code>"
                                + "<Message>Access Denied (injected)</Message><RequestId>fault</RequestId></Error>"));
                assertThat(behind.handleRequest(range, null).getStatusCode()).isEqualTo(500);
            }
        }
    }

    @Test
    void aJobTheStoreCoversIsCompleteOnItsFirstStatus() throws Exception {
        APIGatewayProxyResponseEvent created = handler.handleRequest(new APIGatewayProxyRequestEvent()
                .withHttpMethod("POST").withPath("/pi_job").withHeaders(Map.of("Content-Type", "application/json"))
                .withBody("{\"digits\": 2500}"), null);
        assertThat(created.getStatusCode()).isEqualTo(202);
        String id = json(created).get("job_id").asText();

        JsonNode status = json(get("/pi_job/" + id, null));
        assertThat(status.get("status").asText()).isEqualTo("complete");
        assertThat(status.get("digits").asInt()).isEqualTo(2500);

        String url = get("/download_pi_job/" + id, null).getHeaders().get("Location");
        try (var in = java.net.URI.create(url).toURL().openStream()) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo(MachinPi.text(2500));
        }
        int queued = Integer.parseInt(Emulators.clients().sqs().getQueueAttributes(get -> get
                .queueUrl(config.queueUrl()).attributeNamesWithStrings("ApproximateNumberOfMessages"))
                .attributesAsStrings().get("ApproximateNumberOfMessages"));
        assertThat(queued).as("no worker is asked").isZero();
    }
}
