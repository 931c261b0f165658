package org.piservice.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * The API's documentation, served by the function itself: the OpenAPI document (as YAML and JSON)
 * and the Swagger UI page with the two files of Swagger UI it needs, taken from the webjar; and the
 * page for people at {@code /app}, plain HTML, CSS and script that use the API from the browser.
 *
 * <p>Everything is read and rendered once, in the constructor, so that a SnapStart snapshot holds it
 * ready and no request pays for it. The document gets this deployment's {@code digits} limit as the
 * schema's {@code maximum}, so the page shows the limit the service enforces.
 */
final class DocsSite implements PiApi.Routes {

    static final String OPENAPI_RESOURCE = "/openapi.yaml";

    private record Asset(String contentType, String body, String cacheControl) {
    }

    private final Map<String, Asset> files = new LinkedHashMap<>();
    private final Asset page;
    private final Asset app;

    DocsSite(int maxDigits) {
        JsonNode document = openApiDocument(maxDigits);
        try {
            YAMLMapper yaml = new YAMLMapper(YAMLFactory.builder()
                    .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                    .enable(YAMLGenerator.Feature.LITERAL_BLOCK_STYLE)
                    .build());
            String yamlText = yaml.writeValueAsString(document);
            String jsonText = Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(document);
            files.put("openapi.yaml", new Asset("application/yaml; charset=utf-8", yamlText, "no-cache"));
            files.put("openapi.json", new Asset("application/json", jsonText, "no-cache"));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        page = new Asset("text/html; charset=utf-8", resource("/docs/index.html"), "no-cache");
        String webjar = "/META-INF/resources/webjars/swagger-ui/" + swaggerUiVersion() + "/";
        // Their names carry no version, so caches keep them for an hour rather than forever.
        String cache = "public, max-age=3600";
        files.put("docs/swagger-ui.css", new Asset("text/css; charset=utf-8", resource(webjar + "swagger-ui.css"), cache));
        files.put("docs/swagger-ui-bundle.js",
                new Asset("text/javascript; charset=utf-8", resource(webjar + "swagger-ui-bundle.js"), cache));
        // The service's own files change with it, and each page's files must match each other.
        files.put("docs/swagger-initializer.js",
                new Asset("text/javascript; charset=utf-8", resource("/docs/swagger-initializer.js"), "no-cache"));
        app = new Asset("text/html; charset=utf-8", resource("/docs/app.html"), "no-cache");
        files.put("docs/app.css", new Asset("text/css; charset=utf-8", resource("/docs/app.css"), "no-cache"));
        files.put("docs/app.js", new Asset("text/javascript; charset=utf-8", resource("/docs/app.js"), "no-cache"));
    }

    /**
     * Adds the documentation routes: {@code /}, {@code /app}, {@code /openapi.yaml}, {@code /openapi.json}
     * and {@code /docs/{file}}.
     */
    @Override
    public void addRoutes(Router router) {
        router.add("GET", "/", (request, parameters) -> serve(page));
        router.add("GET", "/app", (request, parameters) -> serve(app));
        router.add("GET", "/openapi.yaml", (request, parameters) -> serve(files.get("openapi.yaml")));
        router.add("GET", "/openapi.json", (request, parameters) -> serve(files.get("openapi.json")));
        router.add("GET", "/docs/{file}", (request, parameters) -> {
            Asset asset = files.get("docs/" + parameters.get("file"));
            if (asset == null) {
                throw new ApiException(404, "no such file: " + ApiException.echo(request.path()) + "; the API is described at "
                        + request.basePath() + "/");
            }
            return serve(asset);
        });
    }

    /**
     * An asset, with headers that keep its pages out of other sites' frames (a page that shows a
     * job can cancel it, and anyone holding the id may) and their addresses, job ids included, out
     * of the requests they link to.
     */
    private static ApiResponse serve(Asset asset) {
        return new ApiResponse(200, Map.of(
                "Content-Type", asset.contentType(),
                "Cache-Control", asset.cacheControl(),
                "X-Content-Type-Options", "nosniff",
                "Content-Security-Policy", "frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
                "X-Frame-Options", "DENY",
                "Referrer-Policy", "no-referrer"), asset.body());
    }

    private static JsonNode openApiDocument(int maxDigits) {
        try (InputStream in = DocsSite.class.getResourceAsStream(OPENAPI_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(OPENAPI_RESOURCE + " is missing from the jar");
            }
            JsonNode document = new YAMLMapper().readTree(in);
            ObjectNode digits = (ObjectNode) document.at("/components/schemas/JobRequest/properties/digits");
            digits.put("maximum", maxDigits);
            return document;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String swaggerUiVersion() {
        Properties properties = new Properties();
        try (InputStream in = DocsSite.class.getResourceAsStream("swagger-ui.properties")) {
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return properties.getProperty("version");
    }

    private static String resource(String name) {
        try (InputStream in = DocsSite.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
