package org.piservice.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Plain unit test of where the stack's inputs are found; no synthesis. */
class ProjectFilesTest {

    @Test
    void theBuiltJarsAndTheDocumentOfThisCheckoutAreFound() {
        ProjectFiles files = ProjectFiles.in(Path.of(".."));

        assertThat(files.apiJar()).isRegularFile().hasFileName("api-lambda.jar");
        assertThat(files.workerJar()).isRegularFile().hasFileName("worker-lambda.jar");
        assertThat(files.openApiDocument()).isRegularFile().hasFileName("openapi.yaml");
    }

    @Test
    void aCheckoutWithoutBuiltJarsIsToldHowToBuildThem(@TempDir Path root) throws IOException {
        Files.createDirectories(root.resolve("api-lambda/src/main/resources"));
        Files.writeString(root.resolve("api-lambda/src/main/resources/openapi.yaml"), "openapi: 3.0.3\n");

        assertThatThrownBy(() -> ProjectFiles.in(root))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("api-lambda.jar is missing")
                .hasMessageEndingWith("build the jars first: ./mvnw -pl infra-cdk -am package -DskipTests");
    }
}
