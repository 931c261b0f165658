package org.piservice.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Plain unit test of the REST API body made from the project's real OpenAPI document; no synthesis. */
class OpenApiDefinitionTest {

    private static final Path DOCUMENT = Path.of("../api-lambda/src/main/resources/openapi.yaml");
    private static final String URI = "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/fn:live/invocations";
    private static final Set<String> HTTP_METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "trace");

    private final JsonNode body = new ObjectMapper().valueToTree(OpenApiDefinition.read(DOCUMENT)
            .restApiBody(URI, Map.of("DEFAULT_4XX", Map.of("statusCode", "400"))));

    @Test
    void everyDocumentedOperationIsAProxyToTheFunction() {
        int operations = 0;
        for (var path : body.get("paths").properties()) {
            for (var operation : path.getValue().properties()) {
                if (HTTP_METHODS.contains(operation.getKey())) {
                    operations++;
                    JsonNode integration = operation.getValue().get("x-amazon-apigateway-integration");
                    assertThat(integration.get("type").asText()).as(path.getKey()).isEqualTo("aws_proxy");
                    assertThat(integration.get("httpMethod").asText()).isEqualTo("POST");
                    assertThat(integration.get("uri").asText()).isEqualTo(URI);
                }
            }
        }
        // POST /pi_job, GET /pi_job/{job_id}, GET /download_pi_job/{job_id} at least
        assertThat(operations).isGreaterThanOrEqualTo(3);
        assertThat(body.at("/paths/~1pi_job/post/x-amazon-apigateway-integration/type").asText()).isEqualTo("aws_proxy");
        assertThat(body.at("/paths/~1pi_job~1{job_id}/get/x-amazon-apigateway-integration/type").asText())
                .isEqualTo("aws_proxy");
    }

    @Test
    void otherMethodsReachTheHandlerForItsJson405() {
        for (var path : body.get("paths").properties()) {
            assertThat(path.getValue().at("/x-amazon-apigateway-any-method/x-amazon-apigateway-integration/uri").asText())
                    .as(path.getKey()).isEqualTo(URI);
        }
    }

    @Test
    void everyPathAnswersTheCorsPreflightWithItsMethods() {
        JsonNode preflight = body.at("/paths/~1pi_job/options/x-amazon-apigateway-integration");
        assertThat(preflight.get("type").asText()).isEqualTo("mock");
        // a Content-Type its template does not cover is refused (415), not passed through to fail (500)
        assertThat(preflight.get("passthroughBehavior").asText()).isEqualTo("never");
        assertThat(SynthesizedStack.names(preflight.get("requestTemplates"))).containsExactly("application/json");
        JsonNode headers = preflight.at("/responses/default/responseParameters");
        assertThat(headers.get("method.response.header.Access-Control-Allow-Methods").asText()).isEqualTo("'POST,OPTIONS'");
        assertThat(headers.get("method.response.header.Access-Control-Allow-Origin").asText()).isEqualTo("'*'");
        assertThat(headers.get("method.response.header.Access-Control-Allow-Headers").asText()).isEqualTo("'Content-Type, Idempotency-Key'");
        // the method response must declare every header the integration response sets
        assertThat(SynthesizedStack.names(body.at("/paths/~1pi_job/options/responses/204/headers")))
                .containsExactlyInAnyOrder("Access-Control-Allow-Origin", "Access-Control-Allow-Methods",
                        "Access-Control-Allow-Headers", "Access-Control-Max-Age");
        for (var path : body.get("paths").properties()) {
            // a path the API does not have gets the function's 404, preflight or not
            assertThat(path.getValue().has("options")).as(path.getKey())
                    .isEqualTo(!path.getKey().equals(OpenApiDefinition.ANY_OTHER_PATH));
        }
    }

    /**
     * The function is the one validator: the gateway validates nothing and passes every request on
     * every path, documented or not, to it; it answers only OPTIONS preflights on documented paths itself.
     */
    @Test
    void everyRequestButAPreflightReachesTheFunctionUnvalidated() {
        assertThat(body.toString()).doesNotContain("x-amazon-apigateway-request-validator");
        assertThat(body.at("/paths/" + OpenApiDefinition.ANY_OTHER_PATH.replace("/", "~1")
                + "/x-amazon-apigateway-any-method/x-amazon-apigateway-integration/uri").asText()).isEqualTo(URI);
        for (var path : body.get("paths").properties()) {
            for (var operation : path.getValue().properties()) {
                JsonNode integration = operation.getValue().path("x-amazon-apigateway-integration");
                if (integration.isMissingNode()
                        || operation.getKey().equals("options") && integration.get("type").asText().equals("mock")) {
                    continue;
                }
                assertThat(integration.get("type").asText()).as(path.getKey() + " " + operation.getKey()).isEqualTo("aws_proxy");
                assertThat(integration.get("uri").asText()).isEqualTo(URI);
            }
        }
        assertThat(body.at("/x-amazon-apigateway-gateway-responses/DEFAULT_4XX/statusCode").asText()).isEqualTo("400");
    }

    @Test
    void theBodyIsTheSameOnEverySynthSoAnUnchangedApiIsNotRedeployed() {
        assertKeysSorted(body, "");
    }

    private static void assertKeysSorted(JsonNode node, String at) {
        if (node.isObject()) {
            List<String> names = SynthesizedStack.names(node);
            assertThat(names).as(at).isSorted();
            names.forEach(name -> assertKeysSorted(node.get(name), at + "/" + name));
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                assertKeysSorted(node.get(i), at + "/" + i);
            }
        }
    }

    @Test
    void theDocumentItselfStaysVendorNeutral() throws IOException {
        assertThat(Files.readString(DOCUMENT)).doesNotContain("x-amazon-apigateway");
    }

    @Test
    void documentsApiGatewayCannotImportAreRefused(@TempDir Path dir) throws IOException {
        Path openApi31 = dir.resolve("v31.yaml");
        Files.writeString(openApi31, "openapi: 3.1.0\npaths:\n  /a:\n    get:\n      responses: {'200': {description: ok}}\n");
        Path noPaths = dir.resolve("empty.yaml");
        Files.writeString(noPaths, "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n");

        assertThatThrownBy(() -> OpenApiDefinition.read(openApi31)).hasMessageContaining("3.0.x").hasMessageContaining("3.1.0");
        assertThatThrownBy(() -> OpenApiDefinition.read(noPaths)).hasMessageContaining("has no paths");
        assertThatThrownBy(() -> OpenApiDefinition.read(dir.resolve("missing.yaml"))).hasMessageContaining("missing.yaml");
    }

    @Test
    void eachBodyStartsFromTheDocumentAsRead() {
        OpenApiDefinition definition = OpenApiDefinition.read(DOCUMENT);
        definition.restApiBody(URI, Map.of());

        // had the first call changed the document, its preflight would now count as a documented
        // operation and get the Lambda integration instead of the mock
        JsonNode again = new ObjectMapper().valueToTree(definition.restApiBody("other", Map.of()));
        assertThat(again.at("/paths/~1pi_job/post/x-amazon-apigateway-integration/uri").asText()).isEqualTo("other");
        assertThat(again.at("/paths/~1pi_job/options/x-amazon-apigateway-integration/type").asText()).isEqualTo("mock");
    }
}
