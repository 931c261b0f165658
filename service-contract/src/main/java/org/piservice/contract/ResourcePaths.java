package org.piservice.contract;

import java.util.List;

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
}
