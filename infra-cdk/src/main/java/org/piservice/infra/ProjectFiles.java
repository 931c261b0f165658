package org.piservice.infra;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The files of the project that the stack is made from: the two Lambda deployment jars Maven builds
 * and the OpenAPI document the REST API is generated from. Nothing built is committed, so a missing
 * jar stops synthesis with the command that builds it.
 */
public record ProjectFiles(Path apiJar, Path workerJar, Path openApiDocument) {

    static final String BUILD_COMMAND = "./mvnw -pl infra-cdk -am package -DskipTests";

    public ProjectFiles {
        requireFile(apiJar, "build the jars first: " + BUILD_COMMAND);
        requireFile(workerJar, "build the jars first: " + BUILD_COMMAND);
        requireFile(openApiDocument, "the API is generated from this OpenAPI document");
    }

    /** The files in the checkout rooted at {@code projectRoot}. */
    public static ProjectFiles in(Path projectRoot) {
        Path root = projectRoot.toAbsolutePath().normalize();
        return new ProjectFiles(
                root.resolve("api-lambda/target/api-lambda.jar"),
                root.resolve("worker-lambda/target/worker-lambda.jar"),
                root.resolve("api-lambda/src/main/resources/openapi.yaml"));
    }

    private static void requireFile(Path file, String hint) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException(file + " is missing: " + hint);
        }
    }
}
