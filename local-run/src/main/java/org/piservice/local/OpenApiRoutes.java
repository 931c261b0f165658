package org.piservice.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.piservice.contract.OpenApiOperations;

/**
 * The API's resources as API Gateway builds them from the OpenAPI document: given a request path,
 * the resource template it matches ({@code /pi_job/{job_id}}) and the path parameters it binds, so
 * the local events carry the same {@code resource} and {@code pathParameters} as deployed ones.
 * Literal segments win over parameters, as in API Gateway.
 */
final class OpenApiRoutes implements Function<String, LocalApiGateway.Route> {

    private record Template(String resource, List<String> segments, int literals, List<String> methods) {
    }

    private final List<Template> templates;

    private OpenApiRoutes(List<Template> templates) {
        this.templates = templates;
    }

    /** Reads the paths of the OpenAPI document at {@code resource} on the classpath. */
    static OpenApiRoutes fromClasspath(String resource) {
        try (InputStream in = OpenApiRoutes.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("The OpenAPI document " + resource + " is not on the classpath");
            }
            JsonNode document = new ObjectMapper(new YAMLFactory()).readTree(in);
            Map<String, List<String>> methods = new LinkedHashMap<>();
            document.path("paths").properties().forEach(path -> {
                List<String> defined = new ArrayList<>();
                path.getValue().fieldNames().forEachRemaining(name -> {
                    if (OpenApiOperations.KEYS.contains(name)) {
                        defined.add(name.toUpperCase(Locale.ROOT));
                    }
                });
                methods.put(path.getKey(), defined);
            });
            return of(methods);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the OpenAPI document " + resource, e);
        }
    }

    /** Resources whose methods are not known: no preflight is answered for them. */
    static OpenApiRoutes of(List<String> resources) {
        Map<String, List<String>> methods = new LinkedHashMap<>();
        resources.forEach(resource -> methods.put(resource, List.of()));
        return of(methods);
    }

    /** Resources with the methods the document defines on each. */
    static OpenApiRoutes of(Map<String, List<String>> methodsByResource) {
        List<Template> templates = new ArrayList<>();
        methodsByResource.forEach((resource, methods) -> {
            List<String> segments = segments(resource);
            int literals = (int) segments.stream().filter(segment -> !segment.startsWith("{")).count();
            templates.add(new Template(resource, segments, literals, List.copyOf(methods)));
        });
        templates.sort(Comparator.comparingInt(Template::literals).reversed());
        return new OpenApiRoutes(List.copyOf(templates));
    }

    @Override
    public LocalApiGateway.Route apply(String path) {
        List<String> segments = segments(path);
        for (Template template : templates) {
            Optional<Map<String, String>> parameters = match(template.segments(), segments);
            if (parameters.isPresent()) {
                return new LocalApiGateway.Route(template.resource(),
                        parameters.get().isEmpty() ? null : parameters.get(), template.methods());
            }
        }
        return null;
    }

    private static Optional<Map<String, String>> match(List<String> template, List<String> path) {
        Map<String, String> parameters = new LinkedHashMap<>();
        for (int i = 0; i < template.size(); i++) {
            String segment = template.get(i);
            if (segment.startsWith("{") && segment.endsWith("+}")) {
                // A greedy parameter takes the rest of the path, at least one segment of it.
                if (i >= path.size()) {
                    return Optional.empty();
                }
                parameters.put(segment.substring(1, segment.length() - 2), String.join("/", path.subList(i, path.size())));
                return Optional.of(parameters);
            }
            if (i >= path.size()) {
                return Optional.empty();
            }
            if (segment.startsWith("{") && segment.endsWith("}")) {
                if (path.get(i).isEmpty()) {
                    return Optional.empty();
                }
                parameters.put(segment.substring(1, segment.length() - 1), path.get(i));
            } else if (!segment.equals(path.get(i))) {
                return Optional.empty();
            }
        }
        return template.size() == path.size() ? Optional.of(parameters) : Optional.empty();
    }

    /** "/" has no segments; "/a/b" has "a" and "b"; a trailing slash makes an empty last one. */
    private static List<String> segments(String path) {
        String trimmed = path.startsWith("/") ? path.substring(1) : path;
        return trimmed.isEmpty() ? List.of() : List.of(trimmed.split("/", -1));
    }
}
