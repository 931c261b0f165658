package org.piservice.api;

import static software.amazon.lambda.powertools.logging.argument.StructuredArguments.entry;

import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The whole HTTP API: its route table, and the one place where anything that goes wrong becomes a
 * JSON error. An {@link ApiException} is the answer its thrower chose; anything else is a fault of
 * ours, logged with its stack trace and answered 500 with the request id, never with the trace.
 * Every log line of a request carries its {@code request_id} (MDC), API Gateway's, which its access
 * log and that 500's message name too.
 */
final class PiApi {

    private static final Logger LOG = LoggerFactory.getLogger(PiApi.class);

    private final Router router = new Router();

    /** A part of the API: adds its routes to the table. */
    interface Routes {
        void addRoutes(Router router);
    }

    PiApi(Routes... parts) {
        for (Routes part : parts) {
            part.addRoutes(router);
        }
    }

    /**
     * Loads and runs the code of routing, validation and JSON once, on requests that reach no AWS
     * service, so that the first real request (or a SnapStart restore) finds it compiled and ready.
     */
    void prime() {
        for (ApiRequest request : new ApiRequest[] {
                new ApiRequest("POST", "/pi_job", Map.of("Content-Type", "application/json"), "{\"digits\": 0}", false, "", "prime"),
                new ApiRequest("GET", "/openapi.json", Map.of(), null, false, "", "prime"),
                new ApiRequest("GET", "/pi_job/not-an-id", Map.of(), null, false, "", "prime")}) {
            try {
                router.route(request);
            } catch (ApiException expected) {
                // The answer is not the point; the code it ran is.
            }
        }
    }

    ApiResponse handle(ApiRequest request) {
        try (MDC.MDCCloseable requestId = MDC.putCloseable("request_id", request.requestId())) {
            long start = System.nanoTime();
            ApiResponse response;
            try {
                response = router.route(request);
            } catch (ApiException e) {
                response = e.response();
            } catch (RuntimeException e) {
                LOG.error("request failed {} {}", entry("method", request.method()), entry("path", path(request)), e);
                response = ApiResponse.error(500, "internal error; quote request id " + request.requestId()
                        + " when reporting it");
            }
            if (request.isHead()) {
                response = response.withoutBody();
            }
            LOG.info("request {} {} {} {}", entry("method", request.method()), entry("path", path(request)),
                    entry("status", response.status()), entry("millis", (System.nanoTime() - start) / 1_000_000));
            return response;
        }
    }

    private static String path(ApiRequest request) {
        return request.path().length() <= 200 ? request.path() : request.path().substring(0, 200) + "...";
    }
}
