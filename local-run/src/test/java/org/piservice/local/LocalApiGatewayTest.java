package org.piservice.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.piservice.contract.Cors;
import org.piservice.contract.GatewayAnswers;

/** Runs the local API Gateway over real HTTP against a trivial handler that records its event. */
class LocalApiGatewayTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(GatewayAnswers.API_TIMEOUT_SECONDS);

    private final AtomicReference<APIGatewayProxyRequestEvent> received = new AtomicReference<>();
    private final AtomicReference<Context> receivedContext = new AtomicReference<>();
    private volatile Function<APIGatewayProxyRequestEvent, APIGatewayProxyResponseEvent> answer =
            event -> new APIGatewayProxyResponseEvent().withStatusCode(200).withBody("ok");

    private final RequestHandler<APIGatewayProxyRequestEvent, APIGatewayProxyResponseEvent> handler =
            (event, context) -> {
                received.set(event);
                receivedContext.set(context);
                return answer.apply(event);
            };

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private LocalApiGateway gateway;

    @BeforeEach
    void start() throws Exception {
        gateway = LocalApiGateway.start(handler, TIMEOUT, 0, path -> path.equals("/things") ? List.of("GET", "POST")
                : path.equals("/own") ? List.of("GET", "OPTIONS")
                : List.of());
    }

    @AfterEach
    void stop() {
        gateway.close();
        client.close();
    }

    private URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + gateway.port() + pathAndQuery);
    }

    private HttpResponse<byte[]> send(HttpRequest.Builder request) throws Exception {
        return client.send(request.build(), BodyHandlers.ofByteArray());
    }

    @Test
    void getRequestBecomesARestApiProxyEventWithWhatTheHandlerReads() throws Exception {
        // WHEN
        send(HttpRequest.newBuilder(uri("/pi_job/abc?x=1"))
                .header("X-Custom", "one").header("X-Custom", "two").header("Accept", "application/json"));

        // THEN
        APIGatewayProxyRequestEvent event = received.get();
        assertThat(event.getHttpMethod()).isEqualTo("GET");
        assertThat(event.getPath()).isEqualTo("/pi_job/abc");
        assertThat(event.getHeaders()).containsEntry("x-custom", "two").containsEntry("accept", "application/json")
                .containsEntry("host", "127.0.0.1:" + gateway.port());
        assertThat(event.getMultiValueHeaders()).containsEntry("x-custom", List.of("one", "two"));
        assertThat(event.getBody()).isNull();
        assertThat(event.getIsBase64Encoded()).isFalse();
        assertThat(event.getRequestContext().getRequestId()).isNotBlank();
        assertThat(event.getRequestContext().getPath()).isEqualTo("/pi_job/abc");
        assertThat(receivedContext.get().getRemainingTimeInMillis()).as("counted down from the function's timeout")
                .isPositive().isLessThanOrEqualTo((int) TIMEOUT.toMillis());
        assertThat(receivedContext.get().getAwsRequestId()).isNotBlank();
        // the handler routes on the path and reads the query: the resource and its parameters are not set
        assertThat(event.getResource()).isNull();
        assertThat(event.getPathParameters()).isNull();
        assertThat(event.getQueryStringParameters()).isEqualTo(Map.of("x", "1"));
    }

    @Test
    void queryArrivesDecodedWithTheLastValueOfEachName() throws Exception {
        send(HttpRequest.newBuilder(uri("/v1/pi?start=1&numberOfDigits=5&numberOfDigits=7&note=a%20b%26c&flag")));

        assertThat(received.get().getPath()).isEqualTo("/v1/pi");
        assertThat(received.get().getQueryStringParameters())
                .containsExactlyInAnyOrderEntriesOf(Map.of("start", "1", "numberOfDigits", "7", "note", "a b&c", "flag", ""));
    }

    @Test
    void pathStaysEncodedAsInRestApis() throws Exception {
        send(HttpRequest.newBuilder(uri("/pi_job/a%2Fb%20c")));

        assertThat(received.get().getPath()).isEqualTo("/pi_job/a%2Fb%20c");
        assertThat(received.get().getRequestContext().getPath()).isEqualTo("/pi_job/a%2Fb%20c");
    }

    @Test
    void textBodyArrivesAsText() throws Exception {
        send(HttpRequest.newBuilder(uri("/pi_job")).header("Content-Type", "application/json")
                .POST(BodyPublishers.ofString("{\"digits\": 10, \"name\": \"π\"}")));

        assertThat(received.get().getHttpMethod()).isEqualTo("POST");
        assertThat(received.get().getBody()).isEqualTo("{\"digits\": 10, \"name\": \"π\"}");
        assertThat(received.get().getIsBase64Encoded()).isFalse();
        assertThat(received.get().getHeaders()).containsEntry("content-type", "application/json");
    }

    @Test
    void bytesThatAreNotUtf8ArriveBase64Encoded() throws Exception {
        byte[] binary = {(byte) 0xff, (byte) 0xfe, 0, 1, 2, (byte) 0x80};

        send(HttpRequest.newBuilder(uri("/upload")).header("Content-Type", "application/octet-stream")
                .POST(BodyPublishers.ofByteArray(binary)));

        assertThat(received.get().getIsBase64Encoded()).isTrue();
        assertThat(Base64.getDecoder().decode(received.get().getBody())).isEqualTo(binary);
    }

    @Test
    void responseStatusHeadersAndBodyAreWrittenWithAnExactLength() throws Exception {
        // GIVEN
        answer = event -> new APIGatewayProxyResponseEvent()
                .withStatusCode(202)
                .withHeaders(Map.of("Content-Type", "application/json", "Location", "/pi_job/1",
                        "X-Both", "from-single"))
                .withMultiValueHeaders(Map.of("Set-Cookie", List.of("a=1", "b=2"), "X-Both", List.of("from-multi")))
                .withBody("{\"success\": true}");

        // WHEN
        HttpResponse<byte[]> response = send(HttpRequest.newBuilder(uri("/pi_job")).POST(BodyPublishers.noBody()));

        // THEN
        assertThat(response.statusCode()).isEqualTo(202);
        assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(response.headers().firstValue("location")).hasValue("/pi_job/1");
        assertThat(response.headers().allValues("set-cookie")).containsExactly("a=1", "b=2");
        assertThat(response.headers().allValues("x-both")).containsExactly("from-multi");
        assertThat(response.headers().firstValue("content-length")).hasValue("17");
        assertThat(response.headers().firstValue("transfer-encoding")).isEmpty();
        assertThat(new String(response.body())).isEqualTo("{\"success\": true}");
    }

    @Test
    void base64ResponseBodyIsDecodedToItsBytes() throws Exception {
        byte[] png = {(byte) 0x89, 'P', 'N', 'G', 0, (byte) 0xff};
        answer = event -> new APIGatewayProxyResponseEvent().withStatusCode(200)
                .withHeaders(Map.of("Content-Type", "image/png"))
                .withBody(Base64.getEncoder().encodeToString(png)).withIsBase64Encoded(true);

        HttpResponse<byte[]> response = send(HttpRequest.newBuilder(uri("/favicon.png")));

        assertThat(response.body()).isEqualTo(png);
        assertThat(response.headers().firstValue("content-length")).hasValue(Integer.toString(png.length));
    }

    @Test
    void headRequestAndNoContentStatusSendNoBody() throws Exception {
        answer = event -> new APIGatewayProxyResponseEvent().withStatusCode(200).withBody("not for HEAD");
        HttpResponse<byte[]> head = send(HttpRequest.newBuilder(uri("/")).method("HEAD", BodyPublishers.noBody()));
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();

        answer = event -> new APIGatewayProxyResponseEvent().withStatusCode(204).withBody("ignored");
        HttpResponse<byte[]> noContent = send(HttpRequest.newBuilder(uri("/")).DELETE());
        assertThat(noContent.statusCode()).isEqualTo(204);
        assertThat(noContent.body()).isEmpty();
    }

    @Test
    void handlerThatThrowsGetsA502JsonErrorWithoutItsStackTrace() throws Exception {
        answer = event -> {
            throw new IllegalStateException("secret internals");
        };

        HttpResponse<byte[]> response = send(HttpRequest.newBuilder(uri("/pi_job")));

        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(response.headers().firstValue("access-control-allow-origin")).hasValue("*");
        assertThat(new String(response.body())).startsWith("{\"success\": false, \"error\": \"")
                .doesNotContain("secret internals").doesNotContain("Exception");
    }

    @Test
    void responseWithoutStatusOrWithBrokenBase64IsA502() throws Exception {
        answer = event -> new APIGatewayProxyResponseEvent().withBody("no status");
        assertThat(send(HttpRequest.newBuilder(uri("/"))).statusCode()).isEqualTo(502);

        answer = event -> new APIGatewayProxyResponseEvent().withStatusCode(200).withBody("***")
                .withIsBase64Encoded(true);
        assertThat(send(HttpRequest.newBuilder(uri("/"))).statusCode()).isEqualTo(502);
    }

    @Test
    void bodyAboveApiGatewaysLimitIsA413AndNeverReachesTheHandler() throws Exception {
        byte[] tooLarge = new byte[GatewayAnswers.MAX_PAYLOAD_BYTES + 1];

        HttpResponse<byte[]> response = send(HttpRequest.newBuilder(uri("/pi_job"))
                .header("Content-Type", "application/json").POST(BodyPublishers.ofByteArray(tooLarge)));

        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(response.headers().firstValue("access-control-allow-origin")).hasValue("*");
        assertThat(new String(response.body())).isEqualTo("{\"success\": false, \"error\": \"" + GatewayAnswers.TOO_LARGE + "\"}");
        assertThat(received.get()).isNull();
    }

    @Test
    void aCompressedBodyReachesTheHandlerDecompressedAndABadOneIsA415() throws Exception {
        ByteArrayOutputStream gzipped = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gzipped)) {
            out.write("{\"digits\": 5}".getBytes(StandardCharsets.UTF_8));
        }

        send(HttpRequest.newBuilder(uri("/pi_job")).header("Content-Type", "application/json")
                .header("Content-Encoding", "gzip").POST(BodyPublishers.ofByteArray(gzipped.toByteArray())));
        String passedOn = received.get().getBody();
        received.set(null);
        HttpResponse<byte[]> notGzip = send(HttpRequest.newBuilder(uri("/pi_job")).header("Content-Type", "application/json")
                .header("Content-Encoding", "gzip").POST(BodyPublishers.ofString("{\"digits\": 5}")));
        HttpResponse<byte[]> unknown = send(HttpRequest.newBuilder(uri("/pi_job")).header("Content-Type", "application/json")
                .header("Content-Encoding", "br").POST(BodyPublishers.ofString("{\"digits\": 5}")));
        assertThat(received.get()).as("the refused bodies never reach the handler").isNull();
        HttpResponse<byte[]> noBody = send(HttpRequest.newBuilder(uri("/pi_job/x")).header("Content-Encoding", "gzip"));

        assertThat(noBody.statusCode()).as("no body to decode").isEqualTo(200);
        assertThat(passedOn).isEqualTo("{\"digits\": 5}");
        for (HttpResponse<byte[]> refused : List.of(notGzip, unknown)) {
            assertThat(refused.statusCode()).isEqualTo(415);
            assertThat(new String(refused.body())).isEqualTo("{\"success\": false, \"error\": \"" + GatewayAnswers.UNSUPPORTED_MEDIA_TYPE + "\"}");
        }
    }

    /**
     * A CORS preflight on a resource with known methods is answered here, as the deployed
     * gateway's mock integration answers it, without calling the handler; a resource that defines
     * OPTIONS itself, or whose methods are unknown, gets the handler's answer.
     */
    @Test
    void preflightIsAnsweredByTheGatewayWithTheResourcesMethods() throws Exception {
        HttpResponse<byte[]> response = send(HttpRequest.newBuilder(uri("/things"))
                .method("OPTIONS", BodyPublishers.noBody())
                .header("Origin", "http://example.test")
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "content-type"));

        assertThat(response.statusCode()).isEqualTo(204);
        assertThat(response.body()).isEmpty();
        assertThat(response.headers().firstValue("Access-Control-Allow-Origin")).hasValue("*");
        assertThat(response.headers().firstValue("Access-Control-Allow-Methods")).hasValue("GET,POST,OPTIONS");
        assertThat(response.headers().firstValue("Access-Control-Allow-Headers")).hasValue(Cors.ALLOWED_HEADERS);
        assertThat(response.headers().firstValue("Access-Control-Max-Age")).hasValue("3600");
        assertThat(received.get()).isNull();

        for (String path : new String[] {"/own", "/elsewhere"}) {
            received.set(null);
            HttpResponse<byte[]> passed = send(HttpRequest.newBuilder(uri(path)).method("OPTIONS", BodyPublishers.noBody()));
            assertThat(passed.statusCode()).as(path).isEqualTo(200);
            assertThat(received.get().getHttpMethod()).as(path).isEqualTo("OPTIONS");
        }
    }

    /**
     * The deployed preflight's mock has a template for JSON alone (the type of a request that gives
     * none), and refuses any other with the gateway's 415, as the stack's OpenApiDefinition sets it.
     */
    @Test
    void aPreflightOfAnotherContentTypeIsRefusedAsTheDeployedGatewayRefusesIt() throws Exception {
        received.set(null);
        for (String type : List.of("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x")) {
            HttpResponse<byte[]> refused = send(HttpRequest.newBuilder(uri("/things")).header("Content-Type", type)
                    .method("OPTIONS", BodyPublishers.noBody()));
            assertThat(refused.statusCode()).as(type).isEqualTo(415);
            assertThat(new String(refused.body())).as(type)
                    .isEqualTo("{\"success\": false, \"error\": \"" + GatewayAnswers.UNSUPPORTED_MEDIA_TYPE + "\"}");
        }
        HttpResponse<byte[]> answered = send(HttpRequest.newBuilder(uri("/things")).header("Content-Type", "application/json")
                .method("OPTIONS", BodyPublishers.noBody()));
        assertThat(answered.statusCode()).isEqualTo(204);
        assertThat(received.get()).isNull();
    }
}
