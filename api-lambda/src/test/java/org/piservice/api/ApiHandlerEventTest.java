package org.piservice.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Plain unit test of how a proxy event becomes an {@link ApiRequest}; needs nothing running. */
class ApiHandlerEventTest {

    @Test
    void readsAnApiGatewayEvent() {
        APIGatewayProxyRequestEvent event = EventLoader.loadApiGatewayRestEvent("events/post-pi-job.json");

        ApiRequest request = ApiHandler.toRequest(event, null);

        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.path()).isEqualTo("/pi_job");
        assertThat(request.basePath()).isEqualTo("/prod");
        assertThat(request.header("content-type")).isEqualTo("application/json");
        assertThat(request.body()).isEqualTo("{\"digits\": 50}");
        assertThat(request.requestId()).isEqualTo("4f1d2c3b-5a6e-4f70-8a91-b2c3d4e5f607");
    }

    @Test
    void findsTheStagePrefixOfEveryPath() {
        assertThat(ApiHandler.basePath("/prod/", "/")).isEqualTo("/prod");
        assertThat(ApiHandler.basePath("/prod", "/")).isEqualTo("/prod");
        assertThat(ApiHandler.basePath("/prod/pi_job/x", "/pi_job/x")).isEqualTo("/prod");
        assertThat(ApiHandler.basePath("/pi_job", "/pi_job")).isEmpty();
        assertThat(ApiHandler.basePath("/", "/")).isEmpty();
        assertThat(ApiHandler.basePath(null, "/pi_job")).isEmpty();
    }

    @Test
    void takesHeadersFromEitherMap() {
        APIGatewayProxyRequestEvent event = new APIGatewayProxyRequestEvent()
                .withHttpMethod("post")
                .withMultiValueHeaders(Map.of("Content-Type", List.of("application/json")));

        ApiRequest request = ApiHandler.toRequest(event, null);

        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.path()).isEqualTo("/");
        assertThat(request.header("CONTENT-TYPE")).isEqualTo("application/json");
        assertThat(request.requestId()).isNotEmpty();
    }
}
