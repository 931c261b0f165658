package org.piservice.contract;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The service's CORS policy, read by every part that answers a browser: the api function, the
 * deployed gateway's preflight and error answers and the result bucket (infra-cdk), the local
 * gateway (local-run) and the local S3 (local-emulators). One place, so that a page that works
 * against the local run works against the deployed service.
 */
public final class Cors {

    /**
     * Any origin may read the API's answers and the results. The API is public and takes no
     * credentials, and results are public too (presigned links), so no page gains anything it
     * could not fetch itself.
     */
    public static final String ALLOWED_ORIGIN = "*";
    /** The request header a submission's idempotency key comes in, which the api reads. */
    public static final String IDEMPOTENCY_KEY_HEADER = "Idempotency-Key";
    /** The non-simple request headers a page sends: a JSON body's content type, a submission's idempotency key. */
    public static final String ALLOWED_HEADERS = "Content-Type, " + IDEMPOTENCY_KEY_HEADER;
    /**
     * The response headers of the API's answers a page may read, the function's and the gateway's
     * alike: where a new job is, and how long to wait before asking again.
     */
    public static final String API_EXPOSED_HEADERS = "Location, Retry-After";
    /** How long a browser may keep a preflight's or the bucket's answer. */
    public static final int MAX_AGE_SECONDS = 3600;
    /** What a page that follows a download redirect may do with a result object. */
    public static final List<String> RESULT_METHODS = List.of("GET", "HEAD");
    /** The response headers of a result object a page may read: its file name and its length. */
    public static final List<String> RESULT_EXPOSED_HEADERS = List.of("Content-Disposition", "Content-Length");

    private Cors() {
    }

    /**
     * The headers of the answer to a preflight of a path with these methods, in this order: its
     * Allow-Methods are its own methods and OPTIONS, which answers the preflight.
     */
    public static Map<String, String> preflightHeaders(List<String> pathMethods) {
        List<String> methods = new ArrayList<>(pathMethods);
        if (!methods.contains("OPTIONS")) {
            methods.add("OPTIONS");
        }
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Access-Control-Allow-Origin", ALLOWED_ORIGIN);
        headers.put("Access-Control-Allow-Methods", String.join(",", methods));
        headers.put("Access-Control-Allow-Headers", ALLOWED_HEADERS);
        headers.put("Access-Control-Max-Age", Integer.toString(MAX_AGE_SECONDS));
        return headers;
    }
}
