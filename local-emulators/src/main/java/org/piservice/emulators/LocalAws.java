package org.piservice.emulators;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.piservice.contract.FunctionEnvironment;

/**
 * SQS, S3 and DynamoDB emulators on 127.0.0.1, started together for the tests and the local run.
 *
 * <p>ElasticMQ and S3Proxy run inside this JVM; dynalite runs as a Node subprocess that exits with
 * this JVM. Each listens on a free port, so several instances (parallel builds, tests) never clash.
 * The emulators check nothing but S3Proxy's signatures, so any client signing with
 * {@link #ACCESS_KEY_ID}/{@link #SECRET_ACCESS_KEY} in {@link #REGION} is served.
 */
public final class LocalAws implements AutoCloseable {

    public static final String REGION = "us-east-1";
    public static final String ACCESS_KEY_ID = "pi-service-local";
    public static final String SECRET_ACCESS_KEY = "pi-service-local-secret";

    private final Dynalite dynamoDb;
    private final ElasticMq sqs;
    private final S3ProxyServer s3;

    private LocalAws(Dynalite dynamoDb, ElasticMq sqs, S3ProxyServer s3) {
        this.dynamoDb = dynamoDb;
        this.sqs = sqs;
        this.s3 = s3;
    }

    /**
     * Starts all three emulators. Fails with an {@link IllegalStateException} that says what to
     * install when Node.js or dynalite's npm package is missing; nothing is left running then.
     */
    public static LocalAws start() {
        EmulatorLogging.quiet();
        List<AutoCloseable> started = new ArrayList<>();
        try {
            // dynalite needs a moment to boot Node: let it do so while the in-JVM emulators start.
            Dynalite.Starting dynaliteStarting = Dynalite.launch();
            started.add(dynaliteStarting);
            ElasticMq sqs = ElasticMq.start(REGION);
            started.add(sqs);
            S3ProxyServer s3 = S3ProxyServer.start(ACCESS_KEY_ID, SECRET_ACCESS_KEY);
            started.add(s3);
            Dynalite dynamoDb = dynaliteStarting.awaitReady();
            return new LocalAws(dynamoDb, sqs, s3);
        } catch (Exception | Error e) { // checked ones too: ElasticMQ's Scala throws them undeclared (a timeout)
            closeAll(started, e);
            throw e;
        }
    }

    public URI dynamoDbEndpoint() {
        return dynamoDb.endpoint();
    }

    public URI sqsEndpoint() {
        return sqs.endpoint();
    }

    public URI s3Endpoint() {
        return s3.endpoint();
    }

    /**
     * The endpoints, region and credentials under the AWS SDK's standard environment names (plus
     * {@code S3_FORCE_PATH_STYLE}, as S3Proxy serves buckets by path only), so code that configures
     * its clients from the environment can be pointed at these emulators with the same keys.
     */
    public Map<String, String> clientSettings() {
        return Map.of(
                "AWS_REGION", REGION,
                "AWS_ACCESS_KEY_ID", ACCESS_KEY_ID,
                "AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY,
                "AWS_ENDPOINT_URL_DYNAMODB", dynamoDbEndpoint().toString(),
                "AWS_ENDPOINT_URL_SQS", sqsEndpoint().toString(),
                "AWS_ENDPOINT_URL_S3", s3Endpoint().toString(),
                FunctionEnvironment.S3_FORCE_PATH_STYLE, "true");
    }

    @Override
    public void close() {
        closeAll(List.of(dynamoDb, sqs, s3), null);
    }

    /** Closes every resource; what fails to close is added to {@code primary}, or thrown when there is none. */
    private static void closeAll(List<? extends AutoCloseable> resources, Throwable primary) {
        RuntimeException failure = null;
        for (AutoCloseable resource : resources) {
            try {
                resource.close();
            } catch (Exception e) {
                if (primary != null) {
                    primary.addSuppressed(e);
                } else if (failure == null) {
                    failure = new IllegalStateException("Stopping a local emulator failed", e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
