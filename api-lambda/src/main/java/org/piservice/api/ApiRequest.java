package org.piservice.api;

import java.util.Map;
import java.util.TreeMap;

/**
 * An HTTP request as the API sees it, free of the API Gateway event classes so that the routing and
 * validation are plain code.
 *
 * @param method    upper-case HTTP method
 * @param path      the resource path without any stage prefix, as sent (not percent-decoded)
 * @param headers   request headers; looked up case-insensitively
 * @param body      the body as the event carried it, or {@code null}
 * @param base64    whether {@code body} is base64 (API Gateway does that for binary media types)
 * @param basePath  what the client's path had in front of {@code path} (an API Gateway stage such as
 *                  {@code /v1}, or empty), so that links we return work from the client's side
 * @param requestId the id that ties this request to its log lines
 * @param query     the query's parameters, decoded, the last value of each name (as API Gateway's
 *                  {@code queryStringParameters})
 * @param client    who sent it: API Gateway's source address ({@code requestContext.identity.sourceIp}),
 *                  the scope of a client's quota and idempotency keys; {@value #UNKNOWN_CLIENT} when
 *                  the event has none
 */
record ApiRequest(String method, String path, Map<String, String> headers, String body,
                         boolean base64, String basePath, String requestId, Map<String, String> query,
                         String client) {

    static final String UNKNOWN_CLIENT = "unknown";

    /** A request without a query, from an unknown client. */
    ApiRequest(String method, String path, Map<String, String> headers, String body,
               boolean base64, String basePath, String requestId) {
        this(method, path, headers, body, base64, basePath, requestId, Map.of(), null);
    }

    ApiRequest {
        TreeMap<String, String> caseInsensitive = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        if (headers != null) {
            headers.forEach((name, value) -> {
                if (name != null && value != null) {
                    caseInsensitive.put(name, value);
                }
            });
        }
        headers = caseInsensitive;
        basePath = basePath == null ? "" : basePath;
        query = query == null ? Map.of() : Map.copyOf(query);
        client = client == null || client.isBlank() ? UNKNOWN_CLIENT : client;
    }

    String header(String name) {
        return headers.get(name);
    }

    /** A HEAD request: the GET route's answer without its body. */
    boolean isHead() {
        return method.equals("HEAD");
    }
}
