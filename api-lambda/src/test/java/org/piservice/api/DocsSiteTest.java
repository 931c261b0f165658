package org.piservice.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.yaml.snakeyaml.Yaml;

/** Plain unit test of the documentation routes, reading the real files from the classpath; needs nothing running. */
class DocsSiteTest {

    private final Router router = new Router();

    DocsSiteTest() {
        new DocsSite(12_345, "https://results.example").addRoutes(router);
    }

    private ApiResponse get(String path) {
        return router.route(new ApiRequest("GET", path, Map.of(), null, false, "", "test"));
    }

    @Test
    void servesThePageWithRelativeAssets() {
        ApiResponse page = get("/");

        assertThat(page.status()).isEqualTo(200);
        assertThat(page.headers().get("Content-Type")).isEqualTo("text/html; charset=utf-8");
        assertThat(page.body())
                .contains("href=\"docs/swagger-ui.css\"", "src=\"docs/swagger-ui-bundle.js\"", "src=\"docs/swagger-initializer.js\"")
                .doesNotContain("http://", "https://", "src=\"/", "href=\"/");
    }

    @Test
    void servesTheSwaggerUiFilesWithTheirTypes() {
        assertThat(get("/docs/swagger-ui.css").headers().get("Content-Type")).isEqualTo("text/css; charset=utf-8");
        ApiResponse bundle = get("/docs/swagger-ui-bundle.js");
        assertThat(bundle.headers().get("Content-Type")).isEqualTo("text/javascript; charset=utf-8");
        assertThat(bundle.body()).contains("SwaggerUIBundle").hasSizeGreaterThan(1_000_000);
        assertThat(get("/docs/swagger-initializer.js").body()).contains("url: \"openapi.yaml\"");
    }

    @Test
    void servesThePageForPeopleWithItsOwnRelativeFiles() {
        ApiResponse page = get("/app");

        assertThat(page.status()).isEqualTo(200);
        assertThat(page.headers().get("Content-Type")).isEqualTo("text/html; charset=utf-8");
        assertThat(page.body())
                .contains("href=\"docs/app.css\"", "src=\"docs/app.js\"")
                .doesNotContain("http://", "https://", "src=\"/", "href=\"/");
        assertThat(get("/docs/app.css").headers().get("Content-Type")).isEqualTo("text/css; charset=utf-8");
        ApiResponse script = get("/docs/app.js");
        assertThat(script.headers().get("Content-Type")).isEqualTo("text/javascript; charset=utf-8");
        // Every address the script calls is relative, so it works under a stage prefix too.
        assertThat(script.body()).contains("\"pi_job\"", "\"openapi.json\"", "\"v1/pi?start=\"")
                .doesNotContain("http://", "https://", "fetch(\"/");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/", "/app", "/docs/app.js"})
    void thePagesCannotBeFramedElsewhereNorPassTheirAddressOn(String path) {
        Map<String, String> headers = get(path).headers();

        assertThat(headers.get("Content-Security-Policy")).startsWith("frame-ancestors 'none'; base-uri 'none'; object-src 'none'");
        assertThat(headers).containsEntry("X-Frame-Options", "DENY")
                .containsEntry("Referrer-Policy", "no-referrer")
                .containsEntry("X-Content-Type-Options", "nosniff");
    }

    @Test
    void thePagesRunOnlyThisSitesScriptsAndStylesAndThoseWrittenInThem() {
        String app = get("/app").headers().get("Content-Security-Policy");
        String docs = get("/").headers().get("Content-Security-Policy");

        // (the browser tests check that the pages work under these, refused nothing)
        assertThat(app).matches(".*; default-src 'self'; img-src 'self' data:; form-action 'self';"
                + " connect-src 'self' https://results.example; script-src 'self' 'sha256-[A-Za-z0-9+/]{43}='; style-src 'self'");
        assertThat(docs).matches(".*; script-src 'self' 'sha256-[A-Za-z0-9+/]{43}='; style-src 'self' 'sha256-[A-Za-z0-9+/]{43}='")
                .doesNotContain("unsafe");
    }

    @Test
    void theDocsPageLinksToThePageForPeople() {
        assertThat(get("/").body()).contains("<a href=\"app\">");
    }

    @Test
    void servesNoOtherFile() {
        for (String path : new String[] {"/docs/index.html", "/docs/app.html", "/docs/openapi.yaml", "/docs/", "/docs/swagger-ui.js"}) {
            ApiException e = org.assertj.core.api.Assertions.catchThrowableOfType(ApiException.class, () -> get(path));
            assertThat(e.response().status()).as(path).isEqualTo(404);
        }
    }

    @Test
    void servesTheDocumentWithThisDeploymentsLimitAsYamlAndJson() throws Exception {
        ApiResponse yaml = get("/openapi.yaml");
        ApiResponse json = get("/openapi.json");

        assertThat(yaml.headers().get("Content-Type")).isEqualTo("application/yaml; charset=utf-8");
        assertThat(json.headers().get("Content-Type")).isEqualTo("application/json");
        JsonNode fromYaml = new YAMLMapper().readTree(yaml.body());
        JsonNode fromJson = Json.MAPPER.readTree(json.body());
        assertThat(fromJson).isEqualTo(fromYaml);
        // as YAML 1.1 readers, which type plain dates and numbers, read it too: every string stays one
        JsonNode fromYaml11 = Json.MAPPER.valueToTree(new Yaml().load(yaml.body()));
        assertThat(fromYaml11).isEqualTo(fromJson);
        assertThat(fromJson.at("/openapi").asText()).startsWith("3.0.");
        assertThat(fromJson.at("/components/schemas/JobRequest/properties/digits/maximum").asInt()).isEqualTo(12_345);
        // the limits the document states are the ones the code applies
        assertThat(fromJson.at("/paths/~1v1~1pi/get/parameters/0/schema/maximum").asLong()).isEqualTo(DigitsApi.MAX_START);
        JsonNode count = fromJson.at("/paths/~1v1~1pi/get/parameters/1");
        assertThat(count.get("name").asText()).isEqualTo("numberOfDigits");
        assertThat(count.at("/schema/maximum").asInt()).isEqualTo(DigitsApi.MAX_DIGITS_PER_REQUEST);
        assertThat(count.at("/schema/default").asInt()).isEqualTo(DigitsApi.DEFAULT_DIGITS_PER_REQUEST);
        JsonNode key = fromJson.at("/paths/~1pi_job/post/parameters/0");
        assertThat(key.get("name").asText()).isEqualTo("Idempotency-Key");
        assertThat(key.at("/schema/maxLength").asInt()).as("quotes included")
                .isEqualTo(JobRequestReader.MAX_IDEMPOTENCY_KEY_LENGTH + 2);
        assertThat(fromJson.at("/paths").fieldNames()).toIterable()
                .contains("/pi_job", "/pi_job/{job_id}", "/download_pi_job/{job_id}", "/app");
        assertThat(fromJson.at("/paths/~1docs~1{file}/get/parameters/0/schema/enum")).extracting(JsonNode::asText)
                .contains("app.css", "app.js");
    }
}
