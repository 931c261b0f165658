package org.piservice.jobs;

import java.net.URI;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
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
 * The service's AWS SDK clients, built once per process. All use the JDK's HTTP client
 * (url-connection-client): no Netty or Apache in the Lambda jars, and a faster cold start.
 */
public record AwsClients(DynamoDbClient dynamoDb, SqsClient sqs, S3Client s3, S3Presigner presigner)
        implements AutoCloseable {

    /** Set to {@code true} for S3 emulators, which serve buckets by path, not by host name. */
    public static final String S3_FORCE_PATH_STYLE = "S3_FORCE_PATH_STYLE";

    /**
     * Clients configured the SDK's standard way: region, credentials and endpoints (including
     * {@code AWS_ENDPOINT_URL} and {@code AWS_ENDPOINT_URL_<SERVICE>}) from the environment, plus
     * {@value #S3_FORCE_PATH_STYLE}.
     */
    public static AwsClients fromEnvironment() {
        return build(new Settings(Map.of(S3_FORCE_PATH_STYLE, String.valueOf(System.getenv(S3_FORCE_PATH_STYLE)))));
    }

    /**
     * Clients configured by {@code settings}, which use the environment's names ({@code AWS_REGION},
     * {@code AWS_ACCESS_KEY_ID}, {@code AWS_SECRET_ACCESS_KEY}, {@code AWS_ENDPOINT_URL},
     * {@code AWS_ENDPOINT_URL_DYNAMODB}/{@code _SQS}/{@code _S3}, {@value #S3_FORCE_PATH_STYLE}),
     * for processes that talk to emulators without changing their own environment. What the
     * settings leave out comes from the SDK's standard configuration.
     */
    public static AwsClients fromSettings(Map<String, String> settings) {
        return build(new Settings(settings));
    }

    private static AwsClients build(Settings settings) {
        S3Configuration s3Configuration = S3Configuration.builder()
                .pathStyleAccessEnabled(settings.forcePathStyle()).build();
        S3Presigner.Builder presigner = S3Presigner.builder().serviceConfiguration(s3Configuration);
        settings.region().ifPresent(presigner::region);
        settings.credentials().ifPresent(presigner::credentialsProvider);
        settings.endpoint("S3").ifPresent(presigner::endpointOverride);
        return new AwsClients(
                settings.apply(DynamoDbClient.builder(), "DYNAMODB")
                        .httpClientBuilder(UrlConnectionHttpClient.builder()).build(),
                settings.apply(SqsClient.builder(), "SQS")
                        .httpClientBuilder(UrlConnectionHttpClient.builder()).build(),
                settings.apply(S3Client.builder(), "S3")
                        .serviceConfiguration(s3Configuration)
                        .httpClientBuilder(UrlConnectionHttpClient.builder()).build(),
                presigner.build());
    }

    @Override
    public void close() {
        dynamoDb.close();
        sqs.close();
        s3.close();
        presigner.close();
    }

    private record Settings(Map<String, String> values) {

        boolean forcePathStyle() {
            return Boolean.parseBoolean(values.get(S3_FORCE_PATH_STYLE));
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
            return builder;
        }

        private Optional<String> value(String name) {
            String value = values.get(name);
            return value == null || value.isBlank() ? Optional.empty() : Optional.of(value);
        }
    }
}
