package org.piservice.api;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * The bad requests, one row each: an API Gateway REST proxy event (a JSON fixture and a change to
 * it) and the status and message the api function answers it with, for a function whose
 * {@code MAX_DIGITS} is {@value #MAX_DIGITS}. ApiHandlerIntegrationTest runs them against the
 * function alone; local-run runs them through its gateway too, to show that a local client and a
 * deployed one get the same answer.
 */
public final class BadRequests {

    public static final int MAX_DIGITS = 100_000;
    public static final String POST = "events/post-pi-job.json";
    public static final String GET = "events/get-pi-job.json";
    public static final String DOWNLOAD = "events/download-pi-job.json";
    public static final String UNKNOWN_ID = "0b8f1c2d-3e4a-4b5c-9d6e-7f8091a2b3c4";
    /** Longer than any error message: what a message repeats of the request is shortened. */
    public static final int MAX_ERROR_LENGTH = 300;
    /** Longer than any error answer's body, the job id it may repeat included. */
    public static final int MAX_BODY_LENGTH = 500;

    /**
     * One bad request.
     *
     * @param dynamoDbCalls the DynamoDB operations answering it takes (most take none)
     */
    public record Row(String name, String fixture, Consumer<APIGatewayProxyRequestEvent> change, int status, String error,
            List<String> dynamoDbCalls) {

        /** A fresh event: the fixture with the change applied. */
        public APIGatewayProxyRequestEvent event() {
            APIGatewayProxyRequestEvent event = EventLoader.loadApiGatewayRestEvent(fixture);
            change.accept(event);
            return event;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private BadRequests() {
    }

    public static Stream<Row> rows() {
        List<String> none = List.of();
        return Stream.of(
                new Row("no body", POST, body(null), 400, "request body is required: send {\"digits\": N} with N from 1 to 100000", none),
                new Row("invalid JSON", POST, body("{\"digits\": 50"), 400, "request body is not valid JSON", none),
                new Row("JSON array", POST, body("[50]"), 400, "request body must be a JSON object, not an array", none),
                new Row("JSON string", POST, body("\"50\""), 400, "request body must be a JSON object, not a string", none),
                new Row("JSON number", POST, body("50"), 400, "request body must be a JSON object, not a number", none),
                new Row("digits missing", POST, body("{}"), 400, "digits is required", none),
                new Row("digits null", POST, body("{\"digits\": null}"), 400, "digits must be a number, not null", none),
                new Row("digits \"abc\"", POST, body("{\"digits\": \"abc\"}"), 400, "digits must be a number, not a string", none),
                new Row("digits \"100\"", POST, body("{\"digits\": \"100\"}"), 400,
                        "digits must be a number, not a string: send {\"digits\": 100}, not {\"digits\": \"100\"}", none),
                new Row("digits 1.5", POST, body("{\"digits\": 1.5}"), 400,
                        "digits must be a whole number written without a decimal point or exponent, got 1.5", none),
                new Row("digits -1", POST, body("{\"digits\": -1}"), 400, "digits must be at least 1, got -1", none),
                new Row("digits 0", POST, body("{\"digits\": 0}"), 400, "digits must be at least 1, got 0", none),
                new Row("digits above the limit", POST, body("{\"digits\": 100001}"), 400, "digits must be at most 100000, got 100001", none),
                new Row("digits 1e400", POST, body("{\"digits\": 1e400}"), 400,
                        "digits must be a whole number written without a decimal point or exponent, got 1e400", none),
                new Row("long negative digits", POST, body("{\"digits\": -" + "9".repeat(900) + "}"), 400,
                        "digits must be at least 1, got -" + "9".repeat(99) + "...", none),
                new Row("long unknown field", POST, body("{\"digits\": 5, \"" + "x".repeat(2000) + "\": 1}"), 400,
                        "unknown field \"" + "x".repeat(100) + "...\"", none),
                // as many as the largest body holds: naming each would answer with 27 KB
                new Row("hundreds of unknown fields", POST, body(IntStream.range(0, 580)
                                .mapToObj(i -> "\"" + (char) ('a' + i / 26) + (char) ('a' + i % 26) + "\":0")
                                .collect(Collectors.joining(",", "{", "}"))), 400,
                        "digits is required: send {\"digits\": N} with N from 1 to 100000; unknown field \"aa\" and 579 more:"
                                + " the only field is digits", none),
                new Row("long content type", POST, contentType("application/" + "x".repeat(2000)), 415,
                        "Content-Type is application/" + "x".repeat(88) + "...: send", none),
                new Row("long charset", POST, contentType("application/json; charset=" + "x".repeat(2000)), 415,
                        "charset " + "x".repeat(100) + "... is not supported", none),
                new Row("1 MB body", POST, body("{\"digits\": 50, \"padding\": \"" + "x".repeat(1 << 20) + "\"}"), 413,
                        "request body is larger than 4096 bytes", none),
                new Row("Idempotency-Key twice", POST, header("Idempotency-Key", "key-1", "key-2"), 400,
                        "Idempotency-Key must be 1 to 255 visible ASCII characters without spaces, such as a UUID, on one"
                                + " header line", none),
                new Row("Idempotency-Key in two spellings", POST, event -> {
                    event.getHeaders().put("Idempotency-Key", "key-1");
                    event.getHeaders().put("idempotency-key", "key-2");
                    event.getMultiValueHeaders().put("Idempotency-Key", List.of("key-1"));
                    event.getMultiValueHeaders().put("idempotency-key", List.of("key-2"));
                }, 400, "Idempotency-Key must be 1 to 255 visible ASCII characters without spaces, such as a UUID, on one"
                        + " header line", none),
                new Row("Content-Type twice", POST, header("Content-Type", "application/json", "application/json"), 415,
                        "Content-Type is application/json, application/json: send", none),
                new Row("wrong content type", POST, contentType("text/plain"), 415, "Content-Type is text/plain: send the body as JSON with Content-Type: application/json", none),
                new Row("unknown job id", GET, event -> { }, 404, "Job does not exist", List.of("GetItem")),
                new Row("very long id", GET, path("/pi_job/" + "a".repeat(10_000)), 404, "Job does not exist", none),
                new Row("../ in the id", GET, path("/pi_job/..%2F..%2Fsecrets"), 404, "Job does not exist", none),
                new Row("../ as a segment", GET, path("/pi_job/../openapi.yaml"), 404, "no such resource: GET /pi_job/../openapi.yaml", none),
                new Row("unicode id", GET, path("/pi_job/π-ü-日本"), 404, "Job does not exist", none),
                new Row("empty id", GET, path("/pi_job/"), 405, "method GET is not allowed on /pi_job/; use POST", none),
                new Row("empty id between slashes", GET, path("/pi_job//"), 404, "no such resource: GET /pi_job//", none),
                new Row("malformed download id", DOWNLOAD, path("/download_pi_job/" + UNKNOWN_ID.replace("-4b5c-", "-1b5c-")), 404, "Job does not exist", none),
                new Row("unknown download id", DOWNLOAD, event -> { }, 404, "Job does not exist", List.of("GetItem")),
                new Row("long docs file", GET, path("/docs/" + "x".repeat(2000)), 404,
                        "no such file: /docs/" + "x".repeat(94) + "...; the API is described at /prod/", none),
                new Row("unknown route", GET, path("/pi_jobs"), 404, "no such resource: GET /pi_jobs; the API is described at /prod/", none),
                new Row("wrong method", POST, method("DELETE"), 405, "method DELETE is not allowed on /pi_job; use POST", none),
                new Row("POST to a job", GET, method("POST"), 405, "method POST is not allowed on /pi_job/" + UNKNOWN_ID + "; use GET, HEAD, DELETE", none));
    }

    /** The request to {@code path}, as a client of the fixture's stage {@code /prod} sends it. */
    public static Consumer<APIGatewayProxyRequestEvent> path(String path) {
        return event -> {
            event.setPath(path);
            event.getRequestContext().setPath("/prod" + path);
        };
    }

    private static Consumer<APIGatewayProxyRequestEvent> body(String body) {
        return event -> event.setBody(body);
    }

    private static Consumer<APIGatewayProxyRequestEvent> contentType(String value) {
        return event -> {
            event.getHeaders().put("Content-Type", value);
            event.getMultiValueHeaders().put("Content-Type", List.of(value));
        };
    }

    /** The header on several lines, as API Gateway passes them: every value, and the last alone. */
    private static Consumer<APIGatewayProxyRequestEvent> header(String name, String... values) {
        return event -> {
            event.getHeaders().put(name, values[values.length - 1]);
            event.getMultiValueHeaders().put(name, List.of(values));
        };
    }

    private static Consumer<APIGatewayProxyRequestEvent> method(String method) {
        return event -> event.setHttpMethod(method);
    }
}
