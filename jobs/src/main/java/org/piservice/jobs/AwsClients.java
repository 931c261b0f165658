package org.piservice.jobs;

import static org.piservice.contract.FunctionEnvironment.S3_FORCE_PATH_STYLE;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.piservice.contract.FunctionEnvironment;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The service's AWS SDK clients, each built on first use and then kept for the life of the process
 * (a Lambda container): a function builds only the clients it calls, which keeps its cold start
 * short. All use the JDK's HTTP client (url-connection-client): no Netty or Apache in the jars.
 *
 * <p>A function whose callers wait, such as the api, gives each service a {@link CallBudget}: without
 * one the SDK's defaults apply (no call timeout, several retries with growing back-off), and a hung
 * or throttled service outlasts the function's own timeout.
 */
public final class AwsClients implements AutoCloseable {

    /** The services a budget may be given to, under the names of their endpoint settings. */
    public static final String DYNAMODB = "DYNAMODB";
    public static final String SQS = "SQS";
    public static final String S3 = "S3";

    /**
     * How long one call to a service may take, all its attempts and back-off included, and how
     * often it is tried.
     *
     * @param attemptTimeout limit of one attempt (a hung connection is cut here)
     * @param callTimeout limit of the whole call, retries included
     * @param maxAttempts attempts in all, the first included
     */
    public record CallBudget(Duration attemptTimeout, Duration callTimeout, int maxAttempts) {

        public CallBudget {
            if (attemptTimeout.compareTo(callTimeout) > 0 || maxAttempts < 1) {
                throw new IllegalArgumentException("an attempt must fit in its call, and there must be one: " + attemptTimeout
                        + ", " + callTimeout + ", " + maxAttempts);
            }
        }

        void applyTo(ClientOverrideConfiguration.Builder override) {
            override.apiCallAttemptTimeout(attemptTimeout)
                    .apiCallTimeout(callTimeout)
                    .retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder().maxAttempts(maxAttempts).build());
        }
    }

    private final Settings settings;
    private DynamoDbClient dynamoDb;
    private SqsClient sqs;
    private S3Client s3;
    private S3Presigner presigner;

    private AwsClients(Settings settings) {
        this.settings = settings;
    }

    /** Clients built elsewhere, e.g. a test's client that records or breaks requests; closed by {@link #close()}. */
    public AwsClients(DynamoDbClient dynamoDb, SqsClient sqs, S3Client s3, S3Presigner presigner) {
        this(new Settings(null, Map.of()));
        this.dynamoDb = dynamoDb;
        this.sqs = sqs;
        this.s3 = s3;
        this.presigner = presigner;
    }

    /**
     * Clients configured the SDK's standard way: region, credentials and endpoints (including
     * {@code AWS_ENDPOINT_URL} and {@code AWS_ENDPOINT_URL_<SERVICE>}) from the environment, plus
     * {@value FunctionEnvironment#S3_FORCE_PATH_STYLE}.
     */
    public static AwsClients fromEnvironment() {
        return fromEnvironment(Map.of());
    }

    /** {@link #fromEnvironment()}, each service named in {@code budgets} ({@link #DYNAMODB}, ...) limited by its budget. */
    public static AwsClients fromEnvironment(Map<String, CallBudget> budgets) {
        return new AwsClients(new Settings(Map.of(S3_FORCE_PATH_STYLE, String.valueOf(System.getenv(S3_FORCE_PATH_STYLE))),
                Map.copyOf(budgets)));
    }

    /**
     * Clients configured by {@code settings}, which use the environment's names ({@code AWS_REGION},
     * {@code AWS_ACCESS_KEY_ID}, {@code AWS_SECRET_ACCESS_KEY}, {@code AWS_ENDPOINT_URL},
     * {@code AWS_ENDPOINT_URL_DYNAMODB}/{@code _SQS}/{@code _S3}, {@value FunctionEnvironment#S3_FORCE_PATH_STYLE}),
     * for processes that talk to emulators without changing their own environment. What the
     * settings leave out comes from the SDK's standard configuration.
     */
    public static AwsClients fromSettings(Map<String, String> settings) {
        return new AwsClients(new Settings(Map.copyOf(settings), Map.of()));
    }

    /**
     * New clients configured as these, each service named in {@code budgets} limited by its budget:
     * for a process that runs functions with different budgets side by side (the local run).
     *
     * @throws IllegalStateException for clients that were built elsewhere and passed in
     */
    public AwsClients withBudgets(Map<String, CallBudget> budgets) {
        if (settings.values() == null) {
            throw new IllegalStateException("clients built elsewhere carry their own configuration");
        }
        return new AwsClients(new Settings(settings.values(), Map.copyOf(budgets)));
    }

    public synchronized DynamoDbClient dynamoDb() {
        if (dynamoDb == null) {
            dynamoDb = settings.apply(DynamoDbClient.builder(), DYNAMODB)
                    .httpClientBuilder(UrlConnectionHttpClient.builder()).build();
        }
        return dynamoDb;
    }

    public synchronized SqsClient sqs() {
        if (sqs == null) {
            sqs = settings.apply(SqsClient.builder(), SQS)
                    .httpClientBuilder(UrlConnectionHttpClient.builder()).build();
        }
        return sqs;
    }

    public synchronized S3Client s3() {
        if (s3 == null) {
            s3 = settings.apply(S3Client.builder(), S3)
                    .serviceConfiguration(settings.s3Configuration())
                    .httpClientBuilder(UrlConnectionHttpClient.builder()).build();
        }
        return s3;
    }

    public synchronized S3Presigner presigner() {
        if (presigner == null) {
            S3Presigner.Builder builder = S3Presigner.builder().serviceConfiguration(settings.s3Configuration());
            settings.region().ifPresent(builder::region);
            settings.credentials().ifPresent(builder::credentialsProvider);
            settings.endpoint(S3).ifPresent(builder::endpointOverride);
            presigner = builder.build();
        }
        return presigner;
    }

    @Override
    public synchronized void close() {
        for (AutoCloseable client : new AutoCloseable[] {dynamoDb, sqs, s3, presigner}) {
            if (client != null) {
                try {
                    client.close();
                } catch (Exception e) {
                    throw new IllegalStateException("Closing an AWS client failed", e);
                }
            }
        }
    }

    /** {@code values} is null for clients built elsewhere. */
    private record Settings(Map<String, String> values, Map<String, CallBudget> budgets) {

        S3Configuration s3Configuration() {
            return S3Configuration.builder()
                    .pathStyleAccessEnabled(value(S3_FORCE_PATH_STYLE).map(Boolean::parseBoolean).orElse(false)).build();
        }

        Optional<Region> region() {
            return value("AWS_REGION").map(Region::of);
        }

        Optional<StaticCredentialsProvider> credentials() {
            return value("AWS_ACCESS_KEY_ID").flatMap(id -> value("AWS_SECRET_ACCESS_KEY")
                    .map(secret -> StaticCredentialsProvider.create(AwsBasicCredentials.create(id, secret))));
        }

        /** The service's own endpoint setting first, then the global one, as the SDK resolves them. */
        Optional<URI> endpoint(String service) {
            return value("AWS_ENDPOINT_URL_" + service.toUpperCase(Locale.ROOT))
                    .or(() -> value("AWS_ENDPOINT_URL"))
                    .map(URI::create);
        }

        <B extends AwsClientBuilder<B, ?>> B apply(B builder, String service) {
            region().ifPresent(builder::region);
            credentials().ifPresent(builder::credentialsProvider);
            endpoint(service).ifPresent(builder::endpointOverride);
            CallBudget budget = budgets.get(service);
            if (budget != null) {
                builder.overrideConfiguration(budget::applyTo);
            }
            return builder;
        }

        private Optional<String> value(String name) {
            String value = values == null ? null : values.get(name);
            return value == null || value.isBlank() ? Optional.empty() : Optional.of(value);
        }
    }
}
