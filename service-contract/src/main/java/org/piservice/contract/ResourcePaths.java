package org.piservice.contract;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How API Gateway finds a request's resource from its path, which the api's router and the local
 * gateway both follow: split at slashes, not percent-decoded, and a trailing slash aside. The
 * deployed gateway routes {@code /pi_job/} to the resource {@code /pi_job} (the function still sees
 * the path as sent), so a client that adds the slash reaches the operation it meant.
 */
public final class ResourcePaths {

    private ResourcePaths() {
    }

    /** "/" has no segments; "/a/b" and "/a/b/" have "a" and "b"; "/a//b" has "a", "" and "b". */
    public static List<String> segments(String path) {
        String trimmed = path == null ? "" : path;
        trimmed = trimmed.startsWith("/") ? trimmed.substring(1) : trimmed;
        trimmed = trimmed.endsWith("/") ? trimmed.substring(0, trimmed.length() - 1) : trimmed;
        return trimmed.isEmpty() ? List.of() : List.of(trimmed.split("/", -1));
    }

    /**
     * The path parameters of a path under a resource (the {@link #segments} of each), by name;
     * empty when the path is not that resource's: each literal segment the same, each
     * {@code {name}} segment any segment but an empty one.
     */
    public static Optional<Map<String, String>> parameters(List<String> resource, List<String> path) {
        if (resource.size() != path.size()) {
            return Optional.empty();
        }
        Map<String, String> parameters = new LinkedHashMap<>();
        for (int i = 0; i < resource.size(); i++) {
            String segment = resource.get(i);
            if (segment.startsWith("{") && segment.endsWith("}")) {
                if (path.get(i).isEmpty()) {
                    return Optional.empty();
                }
                parameters.put(segment.substring(1, segment.length() - 1), path.get(i));
            } else if (!segment.equals(path.get(i))) {
                return Optional.empty();
            }
        }
        return Optional.of(parameters);
    }
}
