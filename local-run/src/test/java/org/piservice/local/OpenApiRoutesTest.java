package org.piservice.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Plain unit tests of resource matching, and of the service's own OpenAPI document. */
class OpenApiRoutesTest {

    private final OpenApiRoutes routes = OpenApiRoutes.of(
            List.of("/", "/pi_job", "/pi_job/{job_id}", "/pi_job/latest", "/files/{path+}"));

    @Test
    void literalPathsMatchThemselvesWithoutParameters() {
        assertThat(routes.apply("/")).isEqualTo(new LocalApiGateway.Route("/", null));
        assertThat(routes.apply("/pi_job")).isEqualTo(new LocalApiGateway.Route("/pi_job", null));
    }

    @Test
    void parameterBindsOneSegmentAsSentAndLiteralsWin() {
        assertThat(routes.apply("/pi_job/abc%20d"))
                .isEqualTo(new LocalApiGateway.Route("/pi_job/{job_id}", Map.of("job_id", "abc%20d")));
        assertThat(routes.apply("/pi_job/latest")).isEqualTo(new LocalApiGateway.Route("/pi_job/latest", null));
    }

    @Test
    void greedyParameterTakesTheRest() {
        assertThat(routes.apply("/files/a/b.txt"))
                .isEqualTo(new LocalApiGateway.Route("/files/{path+}", Map.of("path", "a/b.txt")));
        assertThat(routes.apply("/files")).isNull();
    }

    @Test
    void pathsOutsideTheDocumentAreLeftToTheHandler() {
        assertThat(routes.apply("/pi_job/")).isNull();
        assertThat(routes.apply("/pi_job/a/b")).isNull();
        assertThat(routes.apply("/nope")).isNull();
    }

    @Test
    void servicesDocumentHasTheThreeJobOperations() {
        OpenApiRoutes service = OpenApiRoutes.fromClasspath("/openapi.yaml");

        assertThat(service.apply("/pi_job").resource()).isEqualTo("/pi_job");
        assertThat(service.apply("/pi_job/x1").pathParameters()).isEqualTo(Map.of("job_id", "x1"));
        assertThat(service.apply("/download_pi_job/x1").resource()).isEqualTo("/download_pi_job/{job_id}");
    }

    /** The methods each resource defines, which the local preflight answers list. */
    @Test
    void servicesDocumentGivesEachResourcesMethods() {
        OpenApiRoutes service = OpenApiRoutes.fromClasspath("/openapi.yaml");

        assertThat(service.apply("/pi_job").methods()).containsExactly("POST");
        assertThat(service.apply("/pi_job/x1").methods()).containsExactly("GET");
        assertThat(routes.apply("/pi_job").methods()).isEmpty();
    }
}
