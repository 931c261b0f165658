package org.piservice.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.piservice.contract.Cors;
import org.piservice.contract.GatewayAnswers;

/** Plain unit test of API Gateway's own answers and access log line; no synthesis. */
class ApiGatewayResponsesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** What API Gateway substitutes for the quoted message: a JSON string, here one with quotes in it. */
    private static final String MESSAGE_STRING = "\"Invalid \\\"digits\\\" value\"";

    @Test
    void everyGatewayResponseIsTheServiceErrorShape() throws JsonProcessingException {
        Map<String, Object> extension = ApiGatewayResponses.extension();

        assertThat(extension).containsOnlyKeys("DEFAULT_4XX", "DEFAULT_5XX", "THROTTLED", "REQUEST_TOO_LARGE",
                "INTEGRATION_TIMEOUT", "UNSUPPORTED_MEDIA_TYPE");
        for (var entry : extension.entrySet()) {
            JsonNode response = JSON.valueToTree(entry.getValue());
            String template = response.at("/responseTemplates/application~1json").asText();
            JsonNode body = JSON.readTree(template.replace("$context.error.messageString", MESSAGE_STRING));
            assertThat(body.get("success").asBoolean(true)).as(entry.getKey()).isFalse();
            assertThat(body.get("error").asText()).as(entry.getKey()).isNotBlank();
            assertThat(body.size()).isEqualTo(2);
            assertThat(response.at("/responseParameters/gatewayresponse.header.Access-Control-Allow-Origin").asText())
                    .isEqualTo("'*'");
        }
    }

    @Test
    void statusCodesFollowTheApiContract() {
        JsonNode extension = JSON.valueToTree(ApiGatewayResponses.extension());

        assertThat(extension.at("/THROTTLED/statusCode").asText()).isEqualTo("429");
        assertThat(extension.at("/THROTTLED/responseParameters/gatewayresponse.header.Retry-After").asText())
                .isEqualTo("'1'");
        assertThat(extension.at("/THROTTLED/responseParameters/gatewayresponse.header.Access-Control-Expose-Headers")
                .asText()).isEqualTo("'" + Cors.API_EXPOSED_HEADERS + "'");
        assertThat(extension.at("/REQUEST_TOO_LARGE/statusCode").asText()).isEqualTo("413");
        assertThat(extension.at("/REQUEST_TOO_LARGE/responseTemplates/application~1json").asText())
                .isEqualTo("{\"success\": false, \"error\": \"" + GatewayAnswers.TOO_LARGE + "\"}");
        assertThat(extension.at("/INTEGRATION_TIMEOUT/statusCode").asText()).isEqualTo("504");
        assertThat(extension.at("/UNSUPPORTED_MEDIA_TYPE/statusCode").asText()).isEqualTo("415");
        assertThat(extension.at("/UNSUPPORTED_MEDIA_TYPE/responseTemplates/application~1json").asText())
                .isEqualTo("{\"success\": false, \"error\": \"" + GatewayAnswers.UNSUPPORTED_MEDIA_TYPE + "\"}");
        // the defaults keep the status of each response type they stand for
        assertThat(extension.at("/DEFAULT_4XX").has("statusCode")).isFalse();
        assertThat(extension.at("/DEFAULT_5XX").has("statusCode")).isFalse();
    }

    @ParameterizedTest(name = "error message {0}")
    @ValueSource(strings = {"-", "Endpoint request timed out"})
    void theAccessLogLineIsJsonWithAndWithoutAnError(String message) throws JsonProcessingException {
        // API Gateway writes "-" for a variable without a value: the line of every request without an error
        String line = ApiGatewayResponses.ACCESS_LOG_FORMAT
                .replace("$context.error.message", message)
                .replaceAll("\\$context\\.[A-Za-z.]+", "-");

        JsonNode entry = JSON.readTree(line);
        assertThat(entry.get("errorMessage").asText()).isEqualTo(message);
        assertThat(SynthesizedStack.names(entry)).contains("requestId", "ip", "httpMethod", "path", "status",
                "responseLatencyMs", "integrationLatencyMs", "xrayTraceId");
    }
}
