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
import java.util.function.Function;
import org.piservice.contract.OpenApiOperations;
import org.piservice.contract.ResourcePaths;

/**
 * The API's resources as API Gateway builds them from the OpenAPI document: given a request path,
 * the methods the document defines on the resource it matches ({@code /pi_job/{job_id}}), which
 * the local gateway's CORS preflight answer lists as the deployed one does. Paths are split as the
 * gateway splits them ({@link ResourcePaths}); literal segments win over parameters, as in API
 * Gateway; a path the document does not have has no methods.
 */
final class OpenApiRoutes implements Function<String, List<String>> {

    private record Template(List<String> segments, int literals, List<String> methods) {
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

    /** Resources with the methods the document defines on each. */
    static OpenApiRoutes of(Map<String, List<String>> methodsByResource) {
        List<Template> templates = new ArrayList<>();
        methodsByResource.forEach((resource, methods) -> {
            List<String> segments = ResourcePaths.segments(resource);
            int literals = (int) segments.stream().filter(segment -> !segment.startsWith("{")).count();
            templates.add(new Template(segments, literals, List.copyOf(methods)));
        });
        templates.sort(Comparator.comparingInt(Template::literals).reversed());
        return new OpenApiRoutes(List.copyOf(templates));
    }

    @Override
    public List<String> apply(String path) {
        List<String> segments = ResourcePaths.segments(path);
        for (Template template : templates) {
            if (ResourcePaths.parameters(template.segments(), segments).isPresent()) {
                return template.methods();
            }
        }
        return List.of();
    }
}
