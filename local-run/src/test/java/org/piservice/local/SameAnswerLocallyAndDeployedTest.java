package org.piservice.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.piservice.api.ApiHandler;
import org.piservice.api.BadRequests;
import org.piservice.contract.GatewayAnswers;
import org.piservice.jobs.ServiceConfig;
import org.piservice.jobs.testing.Emulators;

/**
 * Runs against the embedded emulators of the jobs module's test helpers. A client gets the same
 * answer to each bad request locally as deployed: every row of the api function's bad-request table
 * ({@link BadRequests}) goes to the function once as the API Gateway proxy event a deployed client's
 * request becomes, and once over HTTP through {@link LocalApiGateway}; the local gateway must pass
 * the request on, and the two answers must be the same. That the deployed gateway passes each of
 * them on too (no request validator; every path and method a proxy to the function, the gateway
 * answering only preflights itself) is infra-cdk's OpenApiDefinitionTest.
 */
class SameAnswerLocallyAndDeployedTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Headers java.net.http sets itself and refuses from callers. */
    private static final Set<String> SET_BY_THE_CLIENT = Set.of("host", "content-length", "connection", "expect", "upgrade");

    private static final AtomicReference<APIGatewayProxyRequestEvent> passedOn = new AtomicReference<>();
    private static ApiHandler function;
    private static LocalApiGateway gateway;
    private static HttpClient http;

    @BeforeAll
    static void start() throws Exception {
        ServiceConfig config = Emulators.newResources().withMaxDigits(BadRequests.MAX_DIGITS).config();
        function = new ApiHandler(config, Emulators.clients());
        gateway = LocalApiGateway.start((event, context) -> {
            passedOn.set(event);
            return function.handleRequest(event, context);
        }, Duration.ofSeconds(GatewayAnswers.API_TIMEOUT_SECONDS), 0, OpenApiRoutes.fromClasspath("/openapi.yaml"));
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    @AfterAll
    static void stop() {
        http.close();
        gateway.close();
    }

    static Stream<BadRequests.Row> badRequests() {
        return BadRequests.rows();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRequests")
    void theLocalGatewayPassesTheRequestOnAndTheAnswerIsTheDeployedOne(BadRequests.Row row) throws Exception {
        // GIVEN the request as a client sends it: the path percent-encoded to ASCII, which API
        // Gateway passes on as sent; served at the root, as the local gateway serves it
        APIGatewayProxyRequestEvent deployed = row.event();
        String base = "http://127.0.0.1:" + gateway.port();
        String path = URI.create(URI.create(base + deployed.getPath()).toASCIIString()).getRawPath();
        deployed.setPath(path);
        deployed.getRequestContext().setPath(path);
        passedOn.set(null);

        // WHEN
        APIGatewayProxyResponseEvent direct = function.handleRequest(deployed, null);
        HttpResponse<String> local = http.send(request(base + path, deployed), BodyHandlers.ofString());

        // THEN
        assertThat(passedOn.get()).as("the local gateway passed the request on").isNotNull();
        assertThat(passedOn.get().getPath()).isEqualTo(path);
        assertThat(direct.getStatusCode()).isEqualTo(row.status());
        assertThat(local.statusCode()).isEqualTo(row.status());
        assertThat(JSON.readTree(local.body())).isEqualTo(JSON.readTree(direct.getBody()));
        assertThat(local.headers().firstValue("Content-Type")).hasValue(direct.getHeaders().get("Content-Type"));
        assertThat(local.headers().firstValue("Allow")).isEqualTo(Optional.ofNullable(direct.getHeaders().get("Allow")));
    }

    private static HttpRequest request(String uri, APIGatewayProxyRequestEvent event) {
        String body = event.getBody();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(uri)).method(event.getHttpMethod(),
                body == null ? BodyPublishers.noBody() : BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        event.getMultiValueHeaders().forEach((name, values) -> {
            if (!SET_BY_THE_CLIENT.contains(name.toLowerCase(Locale.ROOT))) {
                values.forEach(value -> request.header(name, value));
            }
        });
        return request.build();
    }
}
