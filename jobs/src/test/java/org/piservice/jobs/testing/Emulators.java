package org.piservice.jobs.testing;

import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.piservice.emulators.LocalAws;
import org.piservice.jobs.AwsClients;

/**
 * One set of embedded emulators per test JVM, shared by every test class that needs AWS: starting
 * them costs seconds, and each test isolates itself with resources of its own ({@link #newResources}).
 * They stop when the JVM exits.
 */
public final class Emulators {

    private static LocalAws aws;
    private static AwsClients clients;

    private Emulators() {
    }

    public static synchronized LocalAws aws() {
        if (aws == null) {
            aws = LocalAws.start();
            Runtime.getRuntime().addShutdownHook(new Thread(aws::close, "local-aws-stop"));
        }
        return aws;
    }

    /** Clients for the shared emulators; callers must not close them. */
    public static synchronized AwsClients clients() {
        if (clients == null) {
            clients = AwsClients.fromSettings(aws().clientSettings());
        }
        return clients;
    }

    /**
     * The shared emulators' client settings, but for each service named ({@code DYNAMODB},
     * {@code SQS}, {@code S3}) the endpoint given: a proxy in front of that emulator.
     */
    public static Map<String, String> settingsThrough(Map<String, URI> endpoints) {
        Map<String, String> settings = new HashMap<>(aws().clientSettings());
        endpoints.forEach((service, endpoint) -> settings.put("AWS_ENDPOINT_URL_" + service, endpoint.toString()));
        return settings;
    }

    /** A table, queue, dead-letter queue and bucket no other test uses. */
    public static TestResources newResources() {
        return TestResources.create(clients(), uniquePrefix());
    }

    public static String uniquePrefix() {
        return "t" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }
}
