package org.piservice.api;

import java.util.LinkedHashMap;
import java.util.Map;
import org.piservice.jobs.JsonLog;

/**
 * The whole HTTP API: its route table, and the one place where anything that goes wrong becomes a
 * JSON error. An {@link ApiException} is the answer its thrower chose; anything else is a fault of
 * ours, logged with its stack trace and answered 500 with the request id, never with the trace.
 */
final class PiApi {

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
        long start = System.nanoTime();
        ApiResponse response;
        try {
            response = router.route(request);
        } catch (ApiException e) {
            response = e.response();
        } catch (RuntimeException e) {
            JsonLog.STDOUT.error("request failed", fields(request), e);
            response = ApiResponse.error(500, "internal error; quote request id " + request.requestId()
                    + " when reporting it");
        }
        Map<String, Object> fields = fields(request);
        fields.put("status", response.status());
        fields.put("millis", (System.nanoTime() - start) / 1_000_000);
        JsonLog.STDOUT.info("request", fields);
        return response;
    }

    private static Map<String, Object> fields(ApiRequest request) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("request_id", request.requestId());
        fields.put("method", request.method());
        fields.put("path", request.path().length() <= 200 ? request.path() : request.path().substring(0, 200) + "...");
        return fields;
    }
}
