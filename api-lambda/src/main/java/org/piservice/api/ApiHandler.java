package org.piservice.api;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import org.piservice.contract.Cors;
import org.piservice.contract.GatewayAnswers;
import org.piservice.jobs.AwsClients;
import org.piservice.jobs.Backlog;
import org.piservice.jobs.CallBudget;
import org.piservice.jobs.CallDeadline;
import org.piservice.jobs.EmfMetrics;
import org.piservice.jobs.DigitStore;
import org.piservice.jobs.JobRepository;
import org.piservice.jobs.JobSubmission;
import org.piservice.jobs.ResultStore;
import org.piservice.jobs.ServiceConfig;
import software.amazon.lambda.powertools.logging.PowertoolsLogging;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The Lambda entry point behind an API Gateway REST API proxy integration: it turns the event into
 * an {@link ApiRequest}, lets {@link PiApi} answer it, and turns the answer back into an event.
 */
public final class ApiHandler implements RequestHandler<APIGatewayProxyRequestEvent, APIGatewayProxyResponseEvent> {

    /** The API's OpenAPI document in this jar: the docs page serves it, and the local gateway routes by it. */
    public static final String OPENAPI_RESOURCE = "/openapi.yaml";

    /**
     * What each AWS call of a request may cost, so that a slow, throttled or hung service is
     * answered 503 with {@code Retry-After} inside the function's timeout, not cut off by it (a
     * gateway 5xx, and perhaps a job recorded whose message was never sent). The longest path, a
     * submission served from the digit store while S3 hangs, makes a store read, a copy and its
     * abort, then records and queues the job: about 7 s at the worst. A reading of the
     * {@link Backlog}, at most every {@link Backlog#REFRESH}, adds two quick calls when DynamoDB
     * answers and one failed query when it hangs, so the worst stays as it is. DynamoDB and SQS
     * answer in milliseconds, so an attempt of 0.7 s and one retry are ample; S3's copy of a large
     * prefix takes longer. Calls that each succeed slowly add up past any such sum (a client at its
     * quota, with a key, makes twelve table calls, and two more for each of its jobs past its
     * deadline that it fails and refunds), so a request's calls also end by its
     * {@link CallDeadline}: {@link CallDeadline#ANSWER_RESERVE} before the function's timeout for the calls
     * that withdraw what the request did, {@link #FINISH_RESERVE} sooner for the others.
     */
    public static final CallBudget.PerService CALL_BUDGETS = new CallBudget.PerService(
            new CallBudget(Duration.ofMillis(700), Duration.ofMillis(1500), 2),
            new CallBudget(Duration.ofMillis(700), Duration.ofMillis(1500), 2),
            new CallBudget(Duration.ofMillis(2500), Duration.ofMillis(3000), 2));

    /**
     * The time kept for withdrawing what a request cut short had made and settling its key: two
     * whole table calls, each with its second attempt. A submission the
     * digit store would serve while S3 answers the copy's start and then hangs (above) has spent
     * its other calls' time on the copy and its abort, and is answered 503 instead of being queued.
     */
    static final Duration FINISH_RESERVE = CALL_BUDGETS.dynamoDb().callTimeout().multipliedBy(2);

    private final PiApi api;

    /** For the Lambda runtime: configuration and AWS clients from the environment, within {@link #CALL_BUDGETS}. */
    public ApiHandler() {
        this(ServiceConfig.fromEnvironment(), AwsClients.fromEnvironment(CALL_BUDGETS));
    }

    /**
     * With the given configuration and clients (tests, the local run). Everything is built and
     * warmed up here, so that a SnapStart snapshot taken after construction has it ready.
     */
    public ApiHandler(ServiceConfig config, AwsClients clients) {
        this(config, clients, Clock.systemUTC());
    }

    ApiHandler(ServiceConfig config, AwsClients clients, Clock clock) {
        this(config, clients, clock, EmfMetrics.stdout());
    }

    ApiHandler(ServiceConfig config, AwsClients clients, Clock clock, EmfMetrics metrics) {
        JobRepository repository = new JobRepository(clients.dynamoDb(), config, clock, metrics);
        ResultStore results = new ResultStore(clients.s3(), clients.presigner(), config);
        DigitStore store = new DigitStore(clients.dynamoDb(), clients.s3(), results, config);
        JobSubmission submission = new JobSubmission(store, clients.dynamoDb(), clients.sqs(), config, clock, metrics);
        JobsApi jobs = new JobsApi(repository, submission, results, config.maxDigits(), metrics, clock);
        this.api = new PiApi(jobs, new DigitsApi(store), new DocsSite(config.maxDigits(), results.linkOrigin()));
        api.prime();
    }

    /** Logs with the invocation's fields (request id, cold start, function name, trace id). */
    @Override
    public APIGatewayProxyResponseEvent handleRequest(APIGatewayProxyRequestEvent event, Context context) {
        return PowertoolsLogging.withLogging(context, () -> answer(event, context));
    }

    private APIGatewayProxyResponseEvent answer(APIGatewayProxyRequestEvent event, Context context) {
        ApiRequest request = toRequest(event, context);
        ApiResponse response = CallDeadline.within(timeLeft(context), FINISH_RESERVE,
                () -> api.handle(request));
        Map<String, String> headers = new HashMap<>(response.headers());
        headers.put("Access-Control-Allow-Origin", Cors.ALLOWED_ORIGIN);
        // Browsers hide these from scripts unless told: the 202's link to the job, the 503's wait.
        headers.put("Access-Control-Expose-Headers", Cors.API_EXPOSED_HEADERS);
        return new APIGatewayProxyResponseEvent()
                .withStatusCode(response.status())
                .withHeaders(headers)
                .withBody(response.body())
                .withIsBase64Encoded(false);
    }

    /** The invocation's time left, as Lambda counts it; the function's timeout when called without a context. */
    private static Duration timeLeft(Context context) {
        return context == null ? Duration.ofSeconds(GatewayAnswers.API_TIMEOUT_SECONDS)
                : Duration.ofMillis(context.getRemainingTimeInMillis());
    }

    static ApiRequest toRequest(APIGatewayProxyRequestEvent event, Context context) {
        String path = event.getPath() == null || event.getPath().isEmpty() ? "/" : event.getPath();
        String method = event.getHttpMethod() == null ? "" : event.getHttpMethod().toUpperCase(Locale.ROOT);
        APIGatewayProxyRequestEvent.ProxyRequestContext requestContext = event.getRequestContext();
        return new ApiRequest(method, path, headers(event), event.getBody(),
                Boolean.TRUE.equals(event.getIsBase64Encoded()),
                basePath(requestContext == null ? null : requestContext.getPath(), path),
                requestId(requestContext, context), queryParameters(event),
                requestContext == null || requestContext.getIdentity() == null
                        ? null : requestContext.getIdentity().getSourceIp());
    }

    private static Map<String, String> queryParameters(APIGatewayProxyRequestEvent event) {
        Map<String, String> query = new HashMap<>();
        if (event.getQueryStringParameters() != null) {
            event.getQueryStringParameters().forEach((name, value) -> {
                if (name != null && value != null) {
                    query.put(name, value);
                }
            });
        }
        return query;
    }

    /**
     * The request's headers; one sent on several lines is one value, its lines joined with ", " as
     * HTTP combines them (RFC 9110, section 5.3), so a header that takes one value is refused as
     * malformed rather than one of its values taken silently, as API Gateway's map of single
     * values would (it keeps the last).
     */
    private static Map<String, String> headers(APIGatewayProxyRequestEvent event) {
        // Names in any case are one header: a client may spell the same one two ways.
        Map<String, List<String>> lines = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        if (event.getMultiValueHeaders() != null) {
            event.getMultiValueHeaders().forEach((name, values) -> {
                if (name != null && values != null) {
                    values.stream().filter(Objects::nonNull)
                            .forEach(value -> lines.computeIfAbsent(name, k -> new ArrayList<>()).add(value));
                }
            });
        }
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        lines.forEach((name, values) -> headers.put(name, values.getFirst()));
        if (event.getHeaders() != null) {
            event.getHeaders().forEach((name, value) -> {
                if (name != null && value != null) {
                    headers.put(name, value);
                }
            });
        }
        lines.forEach((name, values) -> {
            if (values.size() > 1) {
                headers.put(name, String.join(", ", values));
            }
        });
        return headers;
    }

    /**
     * The request context's path is the one the client used, with the stage ({@code /v1/pi_job});
     * the event's path is the resource path ({@code /pi_job}). What the first has in front of the second
     * is what links we hand out need in front of theirs.
     */
    static String basePath(String clientPath, String resourcePath) {
        if (clientPath == null) {
            return "";
        }
        String client = trimSlash(clientPath);
        String resource = trimSlash(resourcePath);
        return client.endsWith(resource) ? client.substring(0, client.length() - resource.length()) : "";
    }

    private static String trimSlash(String path) {
        return path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }

    /** API Gateway's request id, which its access log carries too; Lambda's own when there is none. */
    private static String requestId(APIGatewayProxyRequestEvent.ProxyRequestContext requestContext, Context context) {
        if (requestContext != null && requestContext.getRequestId() != null && !requestContext.getRequestId().isEmpty()) {
            return requestContext.getRequestId();
        }
        if (context != null && context.getAwsRequestId() != null) {
            return context.getAwsRequestId();
        }
        return UUID.randomUUID().toString();
    }
}
