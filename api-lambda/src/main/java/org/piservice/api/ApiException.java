package org.piservice.api;

import java.util.Map;

/**
 * A request that gets a JSON error instead of what it asked for. Thrown from the depths of
 * validation and turned into a response in one place; it carries no stack trace because it is an
 * answer, not a fault.
 */
final class ApiException extends RuntimeException {

    private final transient ApiResponse response;

    ApiException(int status, String message) {
        this(status, ApiResponse.ErrorBody.of(message), Map.of());
    }

    ApiException(int status, ApiResponse.ErrorBody body, Map<String, String> headers) {
        super(body.error(), null, false, false);
        this.response = ApiResponse.json(status, body, headers);
    }

    ApiResponse response() {
        return response;
    }
}
