package org.piservice.api;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An HTTP response before it becomes an API Gateway proxy response.
 *
 * @param status  HTTP status code
 * @param headers response headers, the content type among them
 * @param body    text body, or {@code null} for none
 */
record ApiResponse(int status, Map<String, String> headers, String body) {

    ApiResponse {
        headers = Map.copyOf(headers);
    }

    /** A JSON response that no cache keeps: job states change, and errors are about one request. */
    static ApiResponse json(int status, Object body, Map<String, String> extraHeaders) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        headers.put("Cache-Control", "no-store");
        headers.put("X-Content-Type-Options", "nosniff");
        headers.putAll(extraHeaders);
        return new ApiResponse(status, headers, Json.write(body));
    }

    /** This answer's status and headers, for a HEAD request. */
    ApiResponse withoutBody() {
        return new ApiResponse(status, headers, null);
    }

    static ApiResponse json(int status, Object body) {
        return json(status, body, Map.of());
    }

    /** The answer to a request that cannot be served: {@code {"success": false, "error": message}}. */
    static ApiResponse error(int status, String message) {
        return json(status, ErrorBody.of(message));
    }

    /**
     * The body of every error. {@code job_id} and {@code status} appear only where they help, as in
     * pi_iaas's {@code {"success": false, "job_id": "4", "error": "Job does not exist"}}, and
     * {@code unfinished_job_limit} and {@code daily_digit_limit} only in the refusal of a client at
     * that limit: the marks by which a client tells those {@code 429}s from the gateway's, which any
     * request too many may get.
     */
    record ErrorBody(boolean success, String jobId, String status, String error, Integer unfinishedJobLimit,
                     Integer dailyDigitLimit) {
        static ErrorBody of(String message) {
            return new ErrorBody(false, null, null, message, null, null);
        }

        static ErrorBody ofJob(String jobId, String status, String message) {
            return new ErrorBody(false, jobId, status, message, null, null);
        }

        static ErrorBody overQuota(int limit, String message) {
            return new ErrorBody(false, null, null, message, limit, null);
        }

        static ErrorBody overDigitBudget(int limit, String message) {
            return new ErrorBody(false, null, null, message, null, limit);
        }
    }
}
