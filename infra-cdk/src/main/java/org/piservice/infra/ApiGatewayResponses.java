package org.piservice.infra;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.piservice.contract.Cors;
import org.piservice.contract.GatewayAnswers;

/**
 * What API Gateway itself answers (before or instead of the api function), in the service's JSON
 * error shape {@code {"success": false, "error": "..."}}, and what it logs for every request.
 *
 * <p>The responses live in the REST API body ({@code x-amazon-apigateway-gateway-responses}), not in
 * separate CloudFormation resources: every update of the body replaces the whole API definition,
 * which would silently drop gateway responses defined beside it.
 *
 * <p>Every request the API routes reaches the function ({@link OpenApiDefinition}: no request
 * validator, every path and method integrated), so what is left here is what the function never
 * sees: a body above API Gateway's limit, throttling, an integration that times out, a body in a
 * coding it does not decompress, and anything else API Gateway refuses on its own (the defaults).
 * AWS says the last of these may be refused before the API is known, and so perhaps without this
 * response; no deployed stage has shown which.
 *
 * <p>Gateway response templates are plain substitution, not VTL: there is no escaping function, so
 * API Gateway's own message goes in through {@code $context.error.messageString}, which it quotes as
 * a JSON string.
 */
final class ApiGatewayResponses {

    /**
     * The access log line: JSON, one object per request, every value a JSON string. A variable
     * without a value is logged as {@code -}, so each is written inside quotes, the error's message
     * too: whether the quotes of {@code $context.error.messageString} go round that {@code -} is
     * not documented, and a bare one would break the line of every request without an error, while
     * API Gateway's own messages for this API (throttled, forbidden, too large, timed out, no such
     * route) hold no quotes.
     */
    static final String ACCESS_LOG_FORMAT = """
            {"requestId":"$context.requestId","extendedRequestId":"$context.extendedRequestId",\
            "requestTime":"$context.requestTime","ip":"$context.identity.sourceIp",\
            "userAgent":"$context.identity.userAgent","httpMethod":"$context.httpMethod",\
            "resourcePath":"$context.resourcePath","path":"$context.path","protocol":"$context.protocol",\
            "status":"$context.status","responseLength":"$context.responseLength",\
            "responseLatencyMs":"$context.responseLatency","integrationLatencyMs":"$context.integrationLatency",\
            "integrationStatus":"$context.integrationStatus","errorType":"$context.error.responseType",\
            "errorMessage":"$context.error.message","xrayTraceId":"$context.xrayTraceId"}""";

    /**
     * One customised gateway response.
     *
     * @param type API Gateway's response type, e.g. {@code THROTTLED}
     * @param statusCode the status to send, or empty to keep the one of each type it covers
     * @param template the JSON body
     * @param headers headers beside the CORS one, name to value
     */
    record Response(String type, Optional<String> statusCode, String template, Map<String, String> headers) {

        Response(String type, Optional<String> statusCode, String template) {
            this(type, statusCode, template, Map.of());
        }
    }

    /**
     * When a client refused by the stage's throttle may try again: its rate is per second, and the
     * token bucket behind it refills within one.
     */
    static final int THROTTLED_RETRY_AFTER_SECONDS = 1;

    private ApiGatewayResponses() {
    }

    /** The {@code x-amazon-apigateway-gateway-responses} extension for the REST API body. */
    static Map<String, Object> extension() {
        Map<String, Object> extension = new LinkedHashMap<>();
        for (Response response : all()) {
            Map<String, Object> definition = new LinkedHashMap<>();
            response.statusCode().ifPresent(status -> definition.put("statusCode", status));
            Map<String, String> parameters = new LinkedHashMap<>();
            parameters.put("gatewayresponse.header.Access-Control-Allow-Origin", "'" + Cors.ALLOWED_ORIGIN + "'");
            response.headers().forEach((name, value) -> parameters.put("gatewayresponse.header." + name, "'" + value + "'"));
            definition.put("responseParameters", parameters);
            definition.put("responseTemplates", Map.of("application/json", response.template()));
            extension.put(response.type(), definition);
        }
        return extension;
    }

    private static List<Response> all() {
        String apiGatewayMessage = GatewayAnswers.errorBody("$context.error.messageString");
        return List.of(
                new Response("DEFAULT_4XX", Optional.empty(), apiGatewayMessage),
                new Response("DEFAULT_5XX", Optional.empty(), apiGatewayMessage),
                new Response("REQUEST_TOO_LARGE", Optional.of("413"),
                        GatewayAnswers.errorBodyOf(GatewayAnswers.TOO_LARGE)),
                new Response("THROTTLED", Optional.of("429"), GatewayAnswers.errorBodyOf(GatewayAnswers.THROTTLED),
                        Map.of("Retry-After", Integer.toString(THROTTLED_RETRY_AFTER_SECONDS),
                                "Access-Control-Expose-Headers", Cors.API_EXPOSED_HEADERS)),
                new Response("INTEGRATION_TIMEOUT", Optional.of("504"),
                        GatewayAnswers.errorBodyOf(GatewayAnswers.TIMED_OUT)),
                new Response("UNSUPPORTED_MEDIA_TYPE", Optional.of("415"),
                        GatewayAnswers.errorBodyOf(GatewayAnswers.UNSUPPORTED_MEDIA_TYPE)));
    }
}
