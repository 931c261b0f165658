package org.piservice.jobs;

import static org.piservice.contract.FunctionEnvironment.S3_FORCE_PATH_STYLE;

import java.net.URI;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.piservice.contract.FunctionEnvironment;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
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
 */
public final class AwsClients implements AutoCloseable {

    private final Settings settings;
    private DynamoDbClient dynamoDb;
    private SqsClient sqs;
    private S3Client s3;
    private S3Presigner presigner;

    private AwsClients(Settings settings) {
        this.settings = settings;
    }

    /**
     * Clients built elsewhere, e.g. a test's client that records or breaks requests; closed by
     * {@link #close()}. A null client is one the caller must never ask for: asking throws.
     */
    public AwsClients(DynamoDbClient dynamoDb, SqsClient sqs, S3Client s3, S3Presigner presigner) {
        this(new Settings(null, CallBudget.PerService.SDK_DEFAULTS));
        this.dynamoDb = dynamoDb;
        this.sqs = sqs;
        this.s3 = s3;
        this.presigner = presigner;
    }

    /**
     * Clients configured the SDK's standard way: region, credentials and endpoints (including
     * {@code AWS_ENDPOINT_URL} and {@code AWS_ENDPOINT_URL_<SERVICE>}) from the environment, plus
     * {@value FunctionEnvironment#S3_FORCE_PATH_STYLE}; each call limited by its service's {@code budgets}.
     */
    public static AwsClients fromEnvironment(CallBudget.PerService budgets) {
        return new AwsClients(new Settings(Map.of(S3_FORCE_PATH_STYLE, String.valueOf(System.getenv(S3_FORCE_PATH_STYLE))),
                budgets));
    }

    /**
     * Clients configured by {@code settings}, which use the environment's names ({@code AWS_REGION},
     * {@code AWS_ACCESS_KEY_ID}, {@code AWS_SECRET_ACCESS_KEY}, {@code AWS_ENDPOINT_URL},
     * {@code AWS_ENDPOINT_URL_DYNAMODB}/{@code _SQS}/{@code _S3}, {@value FunctionEnvironment#S3_FORCE_PATH_STYLE}),
     * for processes that talk to emulators without changing their own environment. What the
     * settings leave out comes from the SDK's standard configuration.
     */
    public static AwsClients fromSettings(Map<String, String> settings) {
        return fromSettings(settings, CallBudget.PerService.SDK_DEFAULTS);
    }

    /** As {@link #fromSettings(Map)}, each call limited by its service's {@code budgets}. */
    public static AwsClients fromSettings(Map<String, String> settings, CallBudget.PerService budgets) {
        return new AwsClients(new Settings(Map.copyOf(settings), budgets));
    }

    /**
     * New clients configured as these, each call limited by its service's {@code budgets}: for a
     * process that runs functions with different budgets side by side (the local run).
     *
     * @throws IllegalStateException for clients that were built elsewhere and passed in
     */
    public AwsClients withBudgets(CallBudget.PerService budgets) {
        if (settings.values() == null) {
            throw new IllegalStateException("clients built elsewhere carry their own configuration");
        }
        return new AwsClients(new Settings(settings.values(), budgets));
    }

    public synchronized DynamoDbClient dynamoDb() {
        if (dynamoDb == null) {
            dynamoDb = settings.apply(DynamoDbClient.builder(), "DYNAMODB", settings.budgets().dynamoDb())
                    .httpClientBuilder(UrlConnectionHttpClient.builder()).build();
        }
        return dynamoDb;
    }

    public synchronized SqsClient sqs() {
        if (sqs == null) {
            sqs = settings.apply(SqsClient.builder(), "SQS", settings.budgets().sqs())
                    .httpClientBuilder(UrlConnectionHttpClient.builder()).build();
        }
        return sqs;
    }

    public synchronized S3Client s3() {
        if (s3 == null) {
            s3 = settings.apply(S3Client.builder(), "S3", settings.budgets().s3())
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
            settings.endpoint("S3").ifPresent(builder::endpointOverride);
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
    private record Settings(Map<String, String> values, CallBudget.PerService budgets) {

        S3Configuration s3Configuration() {
            return S3Configuration.builder()
                    .pathStyleAccessEnabled(Boolean.parseBoolean(known().get(S3_FORCE_PATH_STYLE))).build();
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

        <B extends AwsClientBuilder<B, ?>> B apply(B builder, String service, CallBudget budget) {
            if (budget != null) {
                builder.overrideConfiguration(override -> budget.applyTo(override));
            }
            region().ifPresent(builder::region);
            credentials().ifPresent(builder::credentialsProvider);
            endpoint(service).ifPresent(builder::endpointOverride);
            return builder;
        }

        private Map<String, String> known() {
            if (values == null) {
                throw new IllegalStateException("This client was not among the clients given");
            }
            return values;
        }

        private Optional<String> value(String name) {
            String value = known().get(name);
            return value == null || value.isBlank() ? Optional.empty() : Optional.of(value);
        }
    }
}
