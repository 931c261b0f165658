package org.piservice.infra;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.piservice.contract.Cors;
import org.piservice.contract.OpenApiOperations;

/**
 * The project's OpenAPI document turned into the body of an API Gateway REST API. The document in
 * the api module stays free of AWS extensions (local-run and the docs page serve it as it is); the
 * API Gateway wiring is added here, at synth time:
 * <ul>
 *   <li>every documented operation is a Lambda proxy integration to the api function's alias;</li>
 *   <li>every documented path also gets an any-method integration, so a wrong method reaches the
 *       handler and gets its JSON 405 instead of API Gateway's bare 403;</li>
 *   <li>every other path ({@value #ANY_OTHER_PATH}) reaches the handler too, for its JSON 404;</li>
 *   <li>a CORS preflight answer (a mock integration) on every path that does not define OPTIONS;</li>
 *   <li>the gateway responses, API Gateway's own answers in the service's error shape.</li>
 * </ul>
 *
 * <p>There is no request validator: the function is the one validator, so a request gets the same
 * status and message deployed as through local-run's gateway. A body validator would answer every
 * bad body with one generic message before the function's precise one; a parameter validator only
 * checks that required parameters are present and not blank, and the document's only required
 * parameters are path parameters, which a matched path always has (where one could be blank, the
 * function answers 404 for the unknown job, where the validator would answer 400).
 */
public final class OpenApiDefinition {

    static final String ANY_OTHER_PATH = "/{proxy+}";
    private static final String INTEGRATION = "x-amazon-apigateway-integration";
    private static final String ANY_METHOD = "x-amazon-apigateway-any-method";
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    /**
     * The API's deployment is named by a hash of the body as serialised, and {@code Map.of} iterates
     * in an order that changes from one JVM to the next: unsorted, every synth would name a new
     * deployment and every deploy would make one, changed or not.
     */
    private static final ObjectMapper SORTED = new ObjectMapper().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    private final Map<String, Object> document;

    private OpenApiDefinition(Map<String, Object> document) {
        this.document = document;
    }

    /** Reads the document; it must be OpenAPI 3.0.x, the newest version API Gateway imports. */
    public static OpenApiDefinition read(Path file) {
        try {
            String text = Files.readString(file);
            Map<String, Object> document = YAML.readValue(text, new TypeReference<LinkedHashMap<String, Object>>() {});
            Object version = document == null ? null : document.get("openapi");
            if (version == null || !version.toString().startsWith("3.0.")) {
                throw new IllegalArgumentException(file + ": API Gateway imports OpenAPI 3.0.x documents, this one says openapi: "
                        + version);
            }
            if (!(document.get("paths") instanceof Map<?, ?> paths) || paths.isEmpty()) {
                throw new IllegalArgumentException(file + " has no paths");
            }
            return new OpenApiDefinition(document);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the OpenAPI document " + file, e);
        }
    }

    /**
     * The REST API body: the document plus the API Gateway extensions.
     *
     * @param lambdaInvocationUri the {@code arn:...:apigateway:...:lambda:path/.../invocations} URI of
     *        the function (alias) that serves every operation
     * @param gatewayResponses the {@code x-amazon-apigateway-gateway-responses} extension
     */
    public Map<String, Object> restApiBody(String lambdaInvocationUri, Map<String, Object> gatewayResponses) {
        Map<String, Object> body = deepCopy(document);
        body.put("x-amazon-apigateway-gateway-responses", gatewayResponses);
        Map<String, Object> proxy = Map.of(
                "type", "aws_proxy",
                "httpMethod", "POST",
                "uri", lambdaInvocationUri,
                "passthroughBehavior", "when_no_match");
        Map<String, Object> paths = asMap(body.get("paths"));
        for (Object pathItem : paths.values()) {
            Map<String, Object> operations = asMap(pathItem);
            List<String> methods = new ArrayList<>();
            for (Map.Entry<String, Object> entry : operations.entrySet()) {
                if (OpenApiOperations.KEYS.contains(entry.getKey())) {
                    methods.add(entry.getKey().toUpperCase(Locale.ROOT));
                    asMap(entry.getValue()).put(INTEGRATION, proxy);
                }
            }
            if (!methods.contains("OPTIONS")) {
                operations.put("options", corsPreflight(Cors.preflightHeaders(methods)));
            }
            operations.put(ANY_METHOD, anyMethod(proxy, "the handler's answer, a JSON 405 for a method the path does not have"));
        }
        // Explicit paths win over a greedy one, so this catches only paths the document does not have.
        Map<String, Object> anyOtherPath = anyMethod(proxy, "the handler's answer, a JSON 404 for a path the API does not have");
        anyOtherPath.put("parameters", List.of(Map.of("name", "proxy", "in", "path", "required", true,
                "schema", Map.of("type", "string"))));
        paths.put(ANY_OTHER_PATH, Map.of(ANY_METHOD, anyOtherPath));
        return SORTED.convertValue(body, new TypeReference<LinkedHashMap<String, Object>>() {});
    }

    private static Map<String, Object> anyMethod(Map<String, Object> proxy, String answer) {
        return new LinkedHashMap<>(Map.of(
                "responses", Map.of("default", Map.of("description", answer)),
                INTEGRATION, proxy));
    }

    /** local-run's LocalApiGateway answers preflights locally with the same headers, from the same {@link Cors}. */
    private static Map<String, Object> corsPreflight(Map<String, String> headers) {
        Map<String, Object> headerSchema = Map.of("schema", Map.of("type", "string"));
        Map<String, Object> responseParameters = new LinkedHashMap<>();
        Map<String, Object> declaredHeaders = new LinkedHashMap<>();
        headers.forEach((name, value) -> {
            // a mock's header values are literals, quoted; the method response declares each
            responseParameters.put("method.response.header." + name, "'" + value + "'");
            declaredHeaders.put(name, headerSchema);
        });
        Map<String, Object> integrationResponse = Map.of("statusCode", "204", "responseParameters", responseParameters);
        Map<String, Object> operation = new LinkedHashMap<>();
        operation.put("summary", "CORS preflight");
        operation.put("responses", Map.of("204", Map.of(
                "description", "the methods and headers a browser may use on this path",
                "headers", declaredHeaders)));
        // A request of another Content-Type would pass through untransformed (the default,
        // when_no_match), its empty body no status code for the mock: a 500, the ApiServerErrors
        // alarm's. "never" refuses it with the gateway's 415.
        operation.put(INTEGRATION, Map.of(
                "type", "mock",
                "requestTemplates", Map.of("application/json", "{\"statusCode\": 204}"),
                "passthroughBehavior", "never",
                "responses", Map.of("default", integrationResponse)));
        return operation;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(Object node) {
        return (Map<String, Object>) node;
    }

    private static Map<String, Object> deepCopy(Map<String, Object> document) {
        return YAML.convertValue(document, new TypeReference<LinkedHashMap<String, Object>>() {});
    }
}
