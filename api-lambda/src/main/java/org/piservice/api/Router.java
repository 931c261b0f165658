package org.piservice.api;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.piservice.contract.ResourcePaths;

/**
 * Matches a request to one of a fixed set of routes, and answers the rest with JSON 404 and 405 (with
 * {@code Allow}) as API Gateway's own answers are shaped.
 *
 * <p>A pattern is a path of literal segments and {@code {name}} segments; a {@code {name}} segment
 * matches any one segment but an empty one ({@link ResourcePaths#parameters}). Paths are split as
 * API Gateway splits them ({@link ResourcePaths}): a trailing slash aside, and not percent-decoded,
 * as the values routes accept (job ids, file names) never need it, so anything encoded is simply
 * not found.
 *
 * <p>HEAD reaches the GET route of its path, as HTTP asks of every resource with GET: monitors and
 * link checkers use it ({@link PiApi} drops the body).
 */
final class Router {

    /** What a route does with a request and its path parameters. */
    @FunctionalInterface
    interface Action {
        ApiResponse handle(ApiRequest request, Map<String, String> parameters);
    }

    private record Route(String method, List<String> pattern, Action action) {
    }

    private final List<Route> routes = new ArrayList<>();

    Router add(String method, String pattern, Action action) {
        routes.add(new Route(method, ResourcePaths.segments(pattern), action));
        return this;
    }

    ApiResponse route(ApiRequest request) {
        List<String> path = ResourcePaths.segments(request.path());
        Set<String> allowed = new LinkedHashSet<>();
        for (Route route : routes) {
            Optional<Map<String, String>> parameters = ResourcePaths.parameters(route.pattern(), path);
            if (parameters.isEmpty()) {
                continue;
            }
            if (route.method().equals(request.method()) || request.isHead() && route.method().equals("GET")) {
                return route.action().handle(request, parameters.get());
            }
            allowed.add(route.method());
            if (route.method().equals("GET")) {
                allowed.add("HEAD");
            }
        }
        if (allowed.isEmpty()) {
            throw new ApiException(404, "no such resource: " + ApiException.echo(request.method()) + " " + ApiException.echo(request.path())
                    + "; the API is described at " + request.basePath() + "/");
        }
        String allow = String.join(", ", allowed);
        throw new ApiException(405, ApiResponse.ErrorBody.of("method " + ApiException.echo(request.method()) + " is not allowed on "
                + ApiException.echo(request.path()) + "; use " + allow), Map.of("Allow", allow));
    }
}
