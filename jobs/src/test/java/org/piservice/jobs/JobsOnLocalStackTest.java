package org.piservice.jobs;

import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.piservice.contract.FunctionEnvironment;
import org.piservice.jobs.testing.Emulators;
import org.piservice.jobs.testing.RequiresDocker;
import org.piservice.jobs.testing.TestResources;
import org.testcontainers.localstack.LocalStackContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * Runs the same tests as {@link JobsOnEmulatorsTest} against LocalStack in Docker; skipped, with
 * the reason printed, where there is no Docker engine. The image is {@value #DEFAULT_IMAGE} unless
 * the environment variable {@code LOCALSTACK_IMAGE} names another.
 */
@RequiresDocker
class JobsOnLocalStackTest extends JobsContract {

    static final String DEFAULT_IMAGE = "localstack/localstack:4.14.0";

    private static LocalStackContainer localStack;
    private static AwsClients clients;

    @BeforeAll
    static void startLocalStack() {
        String image = System.getenv().getOrDefault("LOCALSTACK_IMAGE", DEFAULT_IMAGE);
        localStack = new LocalStackContainer(DockerImageName.parse(image)
                .asCompatibleSubstituteFor("localstack/localstack"))
                .withServices("dynamodb", "sqs", "s3")
                // LocalStack serves an expired or forged presigned link unless told to check them
                // (with its default secret, "test", the container's own credentials).
                .withEnv("S3_SKIP_SIGNATURE_VALIDATION", "0");
        String authToken = System.getenv("LOCALSTACK_AUTH_TOKEN");
        if (authToken != null) {
            localStack.withEnv("LOCALSTACK_AUTH_TOKEN", authToken);
        }
        localStack.start();
        clients = AwsClients.fromSettings(Map.of(
                "AWS_ENDPOINT_URL", localStack.getEndpoint().toString(),
                "AWS_REGION", localStack.getRegion(),
                "AWS_ACCESS_KEY_ID", localStack.getAccessKey(),
                "AWS_SECRET_ACCESS_KEY", localStack.getSecretKey(),
                FunctionEnvironment.S3_FORCE_PATH_STYLE, "true"));
    }

    @AfterAll
    static void stopLocalStack() {
        if (clients != null) {
            clients.close();
        }
        if (localStack != null) {
            localStack.stop();
        }
    }

    @Override
    protected AwsClients clients() {
        return clients;
    }

    @Override
    protected TestResources newResources() {
        return TestResources.create(clients, Emulators.uniquePrefix());
    }
}
