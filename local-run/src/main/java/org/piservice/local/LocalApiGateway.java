package org.piservice.local;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent.ProxyRequestContext;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.zip.GZIPInputStream;
import java.util.zip.InflaterInputStream;
import org.piservice.contract.Cors;
import org.piservice.contract.GatewayAnswers;
import org.piservice.emulators.LocalLambdaContext;

/**
 * Stands in for API Gateway on one machine: the JDK's HTTP server turns each request into the
 * REST API proxy event a Lambda would receive, calls the very handler the Lambda runs, and writes
 * its proxy response back. Like the deployed API it validates nothing and routes every path and
 * method to the handler, which is the one validator; what API Gateway itself would answer (a CORS
 * preflight, payload too large, a handler that throws or answers without a status) gets the
 * service's JSON error shape, as the deployed gateway responses do.
 *
 * <p>The event carries what the handler reads (method, path, headers, body, and the
 * request context's path, request id and source address: the client's IP, which scopes its quota
 * and idempotency keys; local clients can tell themselves apart by connecting from different
 * loopback addresses, 127.0.0.2 and up), no more: fields nothing reads would be a second, untested copy
 * of API Gateway's behaviour.
 */
public final class LocalApiGateway implements AutoCloseable {

    /** Oversized bodies up to this size are read and dropped before the 413 (see readBody). */
    private static final long DRAIN_LIMIT_BYTES = 4L * GatewayAnswers.MAX_PAYLOAD_BYTES;

    private static final String FUNCTION_NAME = "pi-service-api";
    /**
     * Connections waiting to be accepted. The JDK's default (50) resets the rest of a burst of a
     * few hundred concurrent clients, which API Gateway would have taken; the kernel caps this at
     * its own limit (net.core.somaxconn, 4096 on current Linux).
     */
    static final int LISTEN_BACKLOG = 1024;
    /**
     * Handler invocations at once, as a Lambda function's concurrency limit. Deployed, DynamoDB
     * scales with the callers; the local DynamoDB is one Node.js process, and hundreds of calls at
     * once would wait there past the api's call timeouts and get 503s. Waiting here instead, as a
     * request waits for a free Lambda instance, the burst is answered in full. At 16, a soak on a
     * busy 2-core machine still got 503s in its first minutes, while an abusive client's refusals
     * (seven table calls each) and the JIT's warm-up shared the cores.
     */
    static final int HANDLER_CONCURRENCY = 8;

    private final RequestHandler<APIGatewayProxyRequestEvent, APIGatewayProxyResponseEvent> handler;
    private final Duration handlerTimeout;
    private final Function<String, List<String>> documentedMethods;
    private final HttpServer server;
    private final ExecutorService executor;
    private final Semaphore invocations = new Semaphore(HANDLER_CONCURRENCY, true);

    private LocalApiGateway(RequestHandler<APIGatewayProxyRequestEvent, APIGatewayProxyResponseEvent> handler,
            Duration handlerTimeout, Function<String, List<String>> documentedMethods, HttpServer server,
            ExecutorService executor) {
        this.handler = handler;
        this.handlerTimeout = handlerTimeout;
        this.documentedMethods = documentedMethods;
        this.server = server;
        this.executor = executor;
    }

    /**
     * Serves {@code handler} on the loopback interface.
     *
     * @param handlerTimeout    the function's timeout, which its context counts down from
     * @param port              the TCP port, 0 for any free one
     * @param documentedMethods maps a request path to the methods (upper case) the API document
     *                          defines on the resource it matches, empty for a path it does not
     *                          have: the gateway answers the CORS preflight of those resources
     */
    public static LocalApiGateway start(
            RequestHandler<APIGatewayProxyRequestEvent, APIGatewayProxyResponseEvent> handler, Duration handlerTimeout,
            int port, Function<String, List<String>> documentedMethods) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), LISTEN_BACKLOG);
        ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        LocalApiGateway gateway = new LocalApiGateway(handler, handlerTimeout, documentedMethods, server, executor);
        server.createContext("/", gateway::exchange);
        server.setExecutor(executor);
        server.start();
        return gateway;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        // Lets requests in flight finish for up to a second, then drops the rest.
        server.stop(1);
        executor.shutdownNow();
    }

    private void exchange(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = readBody(exchange);
            if (body != null) {
                try {
                    body = decoded(exchange.getRequestHeaders().getFirst("Content-Encoding"), body);
                } catch (IOException | IllegalArgumentException unsupported) {
                    APIGatewayProxyResponseEvent undecodable = gatewayError(415, GatewayAnswers.UNSUPPORTED_MEDIA_TYPE);
                    send(exchange, undecodable, responseBody(undecodable));
                    return;
                }
            }
            if (body == null) {
                APIGatewayProxyResponseEvent tooLarge = gatewayError(413, GatewayAnswers.TOO_LARGE);
                send(exchange, tooLarge, responseBody(tooLarge));
                return;
            }
            APIGatewayProxyResponseEvent preflight = preflight(exchange);
            if (preflight != null) {
                send(exchange, preflight, responseBody(preflight));
                return;
            }
            APIGatewayProxyRequestEvent event = toEvent(exchange, body);
            APIGatewayProxyResponseEvent response = invoke(event);
            byte[] responseBody;
            try {
                responseBody = responseBody(response);
            } catch (IllegalArgumentException badBase64) {
                System.err.printf("API handler answered %s %s with a body flagged base64 that is not%n",
                        event.getHttpMethod(), event.getPath());
                response = gatewayError(502, "The service gave a malformed answer to this request.");
                responseBody = responseBody(response);
            }
            send(exchange, response, responseBody);
        }
    }

    private APIGatewayProxyResponseEvent invoke(APIGatewayProxyRequestEvent event) {
        try {
            invocations.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return gatewayError(503, "The service is stopping.");
        }
        try {
            return invokeHandler(event);
        } finally {
            invocations.release();
        }
    }

    private APIGatewayProxyResponseEvent invokeHandler(APIGatewayProxyRequestEvent event) {
        APIGatewayProxyResponseEvent response;
        try {
            response = handler.handleRequest(event,
                    LocalLambdaContext.start(FUNCTION_NAME, handlerTimeout.toMillis()));
        } catch (RuntimeException | Error e) {
            // API Gateway answers 502 when the integration fails; the trace belongs in the log,
            // never in the response.
            System.err.printf("API handler failed on %s %s (request %s)%n", event.getHttpMethod(),
                    event.getPath(), event.getRequestContext().getRequestId());
            e.printStackTrace();
            return gatewayError(502, "The service failed to answer this request; try again later.");
        }
        if (response == null || response.getStatusCode() == null) {
            System.err.printf("API handler answered %s %s without a status code%n", event.getHttpMethod(),
                    event.getPath());
            return gatewayError(502, "The service gave a malformed answer to this request.");
        }
        return response;
    }

    /**
     * The body, or null when it is larger than API Gateway accepts. An oversized body is still
     * read to its end, up to {@link #DRAIN_LIMIT_BYTES}: a client that is still sending when the
     * connection closes gets a reset instead of the 413, depending on timing.
     */
    private static byte[] readBody(HttpExchange exchange) throws IOException {
        String declared = exchange.getRequestHeaders().getFirst("Content-Length");
        if (declared != null) {
            try {
                if (Long.parseLong(declared.trim()) > DRAIN_LIMIT_BYTES) {
                    return null;
                }
            } catch (NumberFormatException unreadable) {
                // Counting the bytes read below enforces the limit all the same.
            }
        }
        InputStream in = exchange.getRequestBody();
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        byte[] chunk = new byte[64 * 1024];
        long total = 0;
        for (int n; (n = in.read(chunk)) != -1 && total <= DRAIN_LIMIT_BYTES; ) {
            total += n;
            if (total <= GatewayAnswers.MAX_PAYLOAD_BYTES) {
                buffer.write(chunk, 0, n);
            }
        }
        return total > GatewayAnswers.MAX_PAYLOAD_BYTES ? null : buffer.toByteArray();
    }

    /**
     * The body as API Gateway passes it on: decompressed when its {@code Content-Encoding} is gzip
     * or deflate (the codings the gateway takes), as sent when there is none, it is identity, or
     * there is no body (a GET that carries the header);
     * null when it decompresses to more than the gateway's limit.
     *
     * @throws IllegalArgumentException for another coding
     * @throws IOException for a body that is not encoded as the header says
     */
    private static byte[] decoded(String coding, byte[] body) throws IOException {
        String name = coding == null || body.length == 0 ? "identity" : coding.trim().toLowerCase(Locale.ROOT);
        InputStream decoding = switch (name) {
            case "", "identity" -> null;
            case "gzip" -> new GZIPInputStream(new ByteArrayInputStream(body));
            case "deflate" -> new InflaterInputStream(new ByteArrayInputStream(body));
            default -> throw new IllegalArgumentException("Content-Encoding " + name);
        };
        if (decoding == null) {
            return body;
        }
        try (decoding) {
            // Read one byte past the limit, so that a body that would inflate without bound is not read whole.
            byte[] plain = decoding.readNBytes(GatewayAnswers.MAX_PAYLOAD_BYTES + 1);
            return plain.length > GatewayAnswers.MAX_PAYLOAD_BYTES ? null : plain;
        }
    }

    /**
     * The answer to a CORS preflight (OPTIONS) on a documented resource that defines no OPTIONS of
     * its own, or null for any other request. The deployed API answers those at the gateway with
     * a mock integration (OpenApiDefinition in infra-cdk, which this module cannot see), never
     * calling the function, and with these headers; a browser script's cross-origin JSON POST
     * then works locally as it does deployed.
     */
    private APIGatewayProxyResponseEvent preflight(HttpExchange exchange) {
        if (!exchange.getRequestMethod().equalsIgnoreCase("OPTIONS")) {
            return null;
        }
        List<String> methods = documentedMethods.apply(path(exchange.getRequestURI()));
        if (methods.isEmpty() || methods.contains("OPTIONS")) {
            return null;
        }
        // The mock's one template is for JSON, the type API Gateway takes a request without one
        // to be; its parameters (a charset) are ignored here, untried deployed.
        String type = exchange.getRequestHeaders().getFirst("Content-Type");
        if (type != null && !type.split(";", 2)[0].strip().equalsIgnoreCase("application/json")) {
            return gatewayError(415, GatewayAnswers.UNSUPPORTED_MEDIA_TYPE);
        }
        return new APIGatewayProxyResponseEvent().withStatusCode(204).withHeaders(Cors.preflightHeaders(methods));
    }

    /**
     * The query's parameters, decoded, in order, as API Gateway passes them; none when there is no
     * query (API Gateway's event then carries null, not an empty map).
     */
    private static Map<String, List<String>> query(URI uri) {
        Map<String, List<String>> parameters = new LinkedHashMap<>();
        if (uri.getRawQuery() == null || uri.getRawQuery().isEmpty()) {
            return parameters;
        }
        for (String pair : uri.getRawQuery().split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            parameters.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
        return parameters;
    }

    /** REST APIs pass the path as the client encoded it; only query parameters arrive decoded. */
    private static String path(URI uri) {
        return uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    }

    APIGatewayProxyRequestEvent toEvent(HttpExchange exchange, byte[] body) {
        String path = path(exchange.getRequestURI());
        String method = exchange.getRequestMethod().toUpperCase(Locale.ROOT);
        Map<String, List<String>> multiHeaders = new LinkedHashMap<>();
        // The JDK re-capitalises header names; API Gateway passes what the client sent, which
        // HTTP/2 clients send in lower case, so the handler must not depend on case either way.
        exchange.getRequestHeaders().forEach((name, values) ->
                multiHeaders.computeIfAbsent(name.toLowerCase(Locale.ROOT), k -> new ArrayList<>()).addAll(values));

        ProxyRequestContext context = new ProxyRequestContext();
        context.setRequestId(UUID.randomUUID().toString());
        // Served at the root like an API on a custom domain: no stage prefix in front of the path.
        context.setPath(path);
        APIGatewayProxyRequestEvent.RequestIdentity identity = new APIGatewayProxyRequestEvent.RequestIdentity();
        identity.setSourceIp(exchange.getRemoteAddress().getAddress().getHostAddress());
        context.setIdentity(identity);

        APIGatewayProxyRequestEvent event = new APIGatewayProxyRequestEvent();
        event.setHttpMethod(method);
        event.setPath(path);
        event.setHeaders(lastValues(multiHeaders));
        event.setMultiValueHeaders(multiHeaders);
        Map<String, List<String>> query = query(exchange.getRequestURI());
        if (!query.isEmpty()) {
            event.setQueryStringParameters(lastValues(query));
        }
        event.setRequestContext(context);
        setBody(event, body);
        return event;
    }

    /**
     * Text stays text, as API Gateway passes it when no binary media types are configured; bytes
     * that are not UTF-8 arrive base64-encoded, as with binary media types, so nothing is mangled.
     */
    private static void setBody(APIGatewayProxyRequestEvent event, byte[] body) {
        event.setIsBase64Encoded(false);
        if (body.length == 0) {
            return;
        }
        try {
            event.setBody(StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body)).toString());
        } catch (CharacterCodingException notText) {
            event.setBody(Base64.getEncoder().encodeToString(body));
            event.setIsBase64Encoded(true);
        }
    }

    private static Map<String, String> lastValues(Map<String, List<String>> multi) {
        Map<String, String> single = new LinkedHashMap<>();
        multi.forEach((name, values) -> {
            if (!values.isEmpty()) {
                single.put(name, values.getLast());
            }
        });
        return single;
    }

    private static void send(HttpExchange exchange, APIGatewayProxyResponseEvent response, byte[] body)
            throws IOException {
        var headers = exchange.getResponseHeaders();
        // As API Gateway does: both maps are merged, and a name in multiValueHeaders wins.
        if (response.getHeaders() != null) {
            response.getHeaders().forEach((name, value) -> {
                if (value != null) {
                    headers.set(name, value);
                }
            });
        }
        if (response.getMultiValueHeaders() != null) {
            response.getMultiValueHeaders().forEach((name, values) -> {
                if (values != null) {
                    headers.put(name, new ArrayList<>(values));
                }
            });
        }
        // The server frames the body itself, with an exact length.
        headers.remove("Content-Length");
        headers.remove("Transfer-Encoding");

        int status = response.getStatusCode();
        boolean noBody = body.length == 0 || status == 204 || status == 304
                || exchange.getRequestMethod().equalsIgnoreCase("HEAD");
        exchange.sendResponseHeaders(status, noBody ? -1 : body.length);
        if (!noBody) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private static byte[] responseBody(APIGatewayProxyResponseEvent response) {
        String body = response.getBody();
        if (body == null) {
            return new byte[0];
        }
        return Boolean.TRUE.equals(response.getIsBase64Encoded())
                ? Base64.getDecoder().decode(body)
                : body.getBytes(StandardCharsets.UTF_8);
    }

    private static APIGatewayProxyResponseEvent gatewayError(int status, String message) {
        // Any origin may read them, like the deployed gateway responses and the function's own answers.
        return new APIGatewayProxyResponseEvent()
                .withStatusCode(status)
                .withHeaders(Map.of("Content-Type", "application/json",
                        "Access-Control-Allow-Origin", Cors.ALLOWED_ORIGIN))
                .withBody(GatewayAnswers.errorBodyOf(message));
    }
}
