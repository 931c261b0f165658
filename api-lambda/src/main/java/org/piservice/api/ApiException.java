package org.piservice.api;

import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * A request that gets a JSON error instead of what it asked for. Thrown from the depths of
 * validation and turned into a response in one place; it carries no stack trace because it is an
 * answer, not a fault.
 */
final class ApiException extends RuntimeException {

    private static final Logger LOG = LoggerFactory.getLogger(ApiException.class);
    private static final String RETRY_AFTER_SECONDS = "5";
    private static final int MAX_ECHO = 100;

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

    /**
     * Text from the request as an error message repeats it: a value of kilobytes (a path, a header,
     * a number) is not worth repeating whole, and would make the answer as long.
     */
    static String echo(String text) {
        return text.length() <= MAX_ECHO ? text : text.substring(0, MAX_ECHO) + "...";
    }

    /** What {@code call} returns, or the 503 of {@link #unavailableOr} when AWS fails it. */
    static <T> T unavailableIfTransient(Supplier<T> call, String problem) {
        try {
            return call.get();
        } catch (SdkException e) {
            throw unavailableOr(e, problem);
        }
    }

    /**
     * 503 for what a retry may cure (no connection, throttling, a 5xx from AWS); anything else (a
     * missing table, denied access) is a fault of the deployment and goes on to become a logged 500.
     */
    static RuntimeException unavailableOr(RuntimeException e, String problem) {
        boolean transientFailure = e instanceof SdkClientException
                || e instanceof AwsServiceException service && (service.isThrottlingException() || service.statusCode() >= 500);
        if (!transientFailure) {
            return e;
        }
        LOG.error(problem, e);
        return new ApiException(503, ApiResponse.ErrorBody.of(problem + "; try again in a few seconds"),
                Map.of("Retry-After", RETRY_AFTER_SECONDS));
    }
}
