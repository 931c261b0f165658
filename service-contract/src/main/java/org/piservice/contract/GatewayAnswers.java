package org.piservice.contract;

/**
 * What API Gateway answers by itself, without calling the api function: the stack sets these
 * texts as its gateway responses (infra-cdk), and the local gateway (local-run) answers the same,
 * so a client sees one service locally and deployed.
 */
public final class GatewayAnswers {

    /** API Gateway's fixed limit of a request's payload. */
    public static final int MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;
    public static final String TOO_LARGE = "The request body is larger than the API's limit of 10 MB.";
    public static final String THROTTLED = "Too many requests: slow down and try again in a moment.";
    /**
     * A deployment that limits each client's requests (its web ACL, in front of the gateway)
     * refuses those beyond the limit with this text, and the limit in {@link #REQUEST_LIMIT_PER_MINUTE},
     * so a page can tell its person that requests from their address, not everyone's, are too many.
     */
    public static final String TOO_MANY_FROM_ADDRESS = "Too many requests from your address: slow down and try"
            + " again in a minute.";
    public static final String REQUEST_LIMIT_PER_MINUTE = "request_limit_per_minute";
    public static final String TIMED_OUT = "The service took too long to answer; try again.";
    /**
     * API Gateway takes request bodies compressed with gzip or deflate, and passes them on
     * decompressed; it answers a CORS preflight itself, from a template for JSON alone, and refuses
     * one that says its (empty) body is of another type, as the template would not apply.
     */
    public static final String UNSUPPORTED_MEDIA_TYPE = "The request body's Content-Encoding is not gzip, deflate or"
            + " identity, the body is not encoded as it says, or a CORS preflight (OPTIONS) gives a Content-Type"
            + " other than application/json.";
    /**
     * The api function's timeout. API Gateway would wait longer, but Lambda stops the function
     * here, and its client gets the gateway's error instead of the service's answer; so the
     * function answers within it (the api's {@code ApiHandler}).
     */
    public static final int API_TIMEOUT_SECONDS = 10;
    /** How long API Gateway waits for the function (its default integration timeout) before it answers 504. */
    public static final int INTEGRATION_TIMEOUT_SECONDS = 29;

    private GatewayAnswers() {
    }

    /**
     * The body of an answer the gateway gives by itself, in the shape of the api's errors
     * ({@code {"success": false, "error": ...}}), for a message that is a JSON value already: a
     * string, or an expression of the gateway's that gives one.
     */
    public static String errorBody(String jsonMessage) {
        return errorBody(jsonMessage, "");
    }

    /** As {@link #errorBody(String)}, for a message in plain text. */
    public static String errorBodyOf(String message) {
        return errorBody(quoted(message));
    }

    /** The body of a refusal of a client's requests beyond {@code requestsPerMinute} ({@link #TOO_MANY_FROM_ADDRESS}). */
    public static String tooManyFromAddressBody(int requestsPerMinute) {
        return errorBody(quoted(TOO_MANY_FROM_ADDRESS), ", \"" + REQUEST_LIMIT_PER_MINUTE + "\": " + requestsPerMinute);
    }

    /** {@link #errorBody(String)} with {@code moreMembers}, each led by a comma. */
    private static String errorBody(String jsonMessage, String moreMembers) {
        return "{\"success\": false, \"error\": " + jsonMessage + moreMembers + "}";
    }

    private static String quoted(String message) {
        StringBuilder json = new StringBuilder("\"");
        for (char c : message.toCharArray()) {
            if (c == '"' || c == '\\') {
                json.append('\\').append(c);
            } else if (c < ' ') {
                json.append(String.format("\\u%04x", (int) c));
            } else {
                json.append(c);
            }
        }
        return json.append('"').toString();
    }
}
