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
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.piservice.contract.Cors;

/**
 * The API's documentation, served by the function itself: the OpenAPI document (as YAML and JSON)
 * and the Swagger UI page with the two files of Swagger UI it needs, taken from the webjar; and the
 * page for people at {@code /app}, plain HTML, CSS and script that use the API from the browser.
 *
 * <p>Everything is read and rendered once, in the constructor, so that a SnapStart snapshot holds it
 * ready and no request pays for it. The document gets this deployment's {@code digits} limit as the
 * schema's {@code maximum}, and the other limits from the code that applies them, so the page shows
 * the limits the service enforces.
 */
final class DocsSite implements PiApi.Routes {

    /**
     * What every answer allows: no framing by other sites (a page that shows a job can cancel it,
     * and anyone holding the id may), no {@code <base>}, no plugins.
     */
    private static final String FRAMING_POLICY = "frame-ancestors 'none'; base-uri 'none'; object-src 'none'";
    private static final Pattern INLINE_SCRIPT = Pattern.compile("<script>(.*?)</script>", Pattern.DOTALL);
    private static final Pattern INLINE_STYLE = Pattern.compile("<style>(.*?)</style>", Pattern.DOTALL);

    /** A file to serve, with its {@code Content-Security-Policy}. */
    private record Asset(String contentType, String body, String cacheControl, String policy) {

        Asset(String contentType, String body, String cacheControl) {
            this(contentType, body, cacheControl, FRAMING_POLICY);
        }

        /**
         * A page: it runs only this site's scripts and styles, and those written in it, named by
         * their hashes (the docs page sends itself to its address with "/" before any file loads,
         * which only a script in the page can do under a stage prefix), so that text injected into
         * it could not run; and it calls this site and, following a download's redirect ("Try it
         * out"), {@code linkOrigin}. Line ends are made LF, as a browser makes them before it
         * hashes, whatever the checkout that built the jar wrote.
         */
        static Asset page(String resource, String linkOrigin) {
            String html = resource.replace("\r\n", "\n");
            return new Asset("text/html; charset=utf-8", html, "no-cache", FRAMING_POLICY
                    + "; default-src 'self'; img-src 'self' data:; form-action 'self'; connect-src 'self' " + linkOrigin
                    + "; script-src 'self'" + hashes(INLINE_SCRIPT, html) + "; style-src 'self'" + hashes(INLINE_STYLE, html));
        }

        private static String hashes(Pattern inline, String html) {
            StringBuilder sources = new StringBuilder();
            Matcher matcher = inline.matcher(html);
            while (matcher.find()) {
                byte[] digest = sha256(matcher.group(1).getBytes(StandardCharsets.UTF_8));
                sources.append(" 'sha256-").append(Base64.getEncoder().encodeToString(digest)).append('\'');
            }
            return sources.toString();
        }

        private static byte[] sha256(byte[] bytes) {
            try {
                return MessageDigest.getInstance("SHA-256").digest(bytes);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("every JVM has SHA-256", e);
            }
        }
    }

    private final Map<String, Asset> files = new LinkedHashMap<>();
    private final Asset page;
    private final Asset app;

    /** @param linkOrigin where the download links lead, which the docs page's "Try it out" follows */
    DocsSite(int maxDigits, String linkOrigin) {
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
        page = Asset.page(resource("/docs/index.html"), linkOrigin);
        String webjar = "/META-INF/resources/webjars/swagger-ui/" + swaggerUiVersion() + "/";
        // Their names carry no version, so caches keep them for an hour rather than forever.
        String cache = "public, max-age=3600";
        files.put("docs/swagger-ui.css", new Asset("text/css; charset=utf-8", resource(webjar + "swagger-ui.css"), cache));
        files.put("docs/swagger-ui-bundle.js",
                new Asset("text/javascript; charset=utf-8", resource(webjar + "swagger-ui-bundle.js"), cache));
        // The service's own files change with it, and each page's files must match each other.
        files.put("docs/swagger-initializer.js",
                new Asset("text/javascript; charset=utf-8", resource("/docs/swagger-initializer.js"), "no-cache"));
        app = Asset.page(resource("/docs/app.html"), linkOrigin);
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
     * An asset, with its policy, and headers that keep its pages out of other sites' frames and
     * their addresses, job ids included, out of the requests they link to.
     */
    private static ApiResponse serve(Asset asset) {
        return new ApiResponse(200, Map.of(
                "Content-Type", asset.contentType(),
                "Cache-Control", asset.cacheControl(),
                "X-Content-Type-Options", "nosniff",
                "Content-Security-Policy", asset.policy(),
                "X-Frame-Options", "DENY",
                "Referrer-Policy", "no-referrer"), asset.body());
    }

    private static JsonNode openApiDocument(int maxDigits) {
        try (InputStream in = DocsSite.class.getResourceAsStream(ApiHandler.OPENAPI_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(ApiHandler.OPENAPI_RESOURCE + " is missing from the jar");
            }
            JsonNode document = new YAMLMapper().readTree(in);
            ObjectNode digits = (ObjectNode) document.at("/components/schemas/JobRequest/properties/digits");
            digits.put("maximum", maxDigits);
            // The limits the code applies, stated where it applies them
            parameterSchema(document, "/paths/~1pi_job/post", Cors.IDEMPOTENCY_KEY_HEADER)
                    .put("maxLength", JobRequestReader.MAX_IDEMPOTENCY_KEY_LENGTH + 2); // with its quotes
            parameterSchema(document, "/paths/~1v1~1pi/get", "start").put("maximum", DigitsApi.MAX_START);
            parameterSchema(document, "/paths/~1v1~1pi/get", "numberOfDigits")
                    .put("maximum", DigitsApi.MAX_DIGITS_PER_REQUEST)
                    .put("default", DigitsApi.DEFAULT_DIGITS_PER_REQUEST);
            return document;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The schema of the parameter {@code name} of the operation at {@code operation} (a JSON pointer). */
    private static ObjectNode parameterSchema(JsonNode document, String operation, String name) {
        for (JsonNode parameter : document.at(operation + "/parameters")) {
            if (parameter.path("name").asText().equals(name)) {
                return (ObjectNode) parameter.get("schema");
            }
        }
        throw new IllegalStateException("the OpenAPI document has no parameter " + name + " at " + operation);
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
