package org.piservice.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Plain unit tests of resource matching, and of the service's own OpenAPI document. */
class OpenApiRoutesTest {

    private final OpenApiRoutes routes = OpenApiRoutes.of(Map.of(
            "/", List.of("GET"),
            "/pi_job", List.of("POST"),
            "/pi_job/{job_id}", List.of("GET", "DELETE"),
            "/pi_job/latest", List.of("GET", "OPTIONS")));

    @Test
    void literalPathsMatchThemselves() {
        assertThat(routes.apply("/")).containsExactly("GET");
        assertThat(routes.apply("/pi_job")).containsExactly("POST");
    }

    @Test
    void parameterMatchesOneSegmentAndLiteralsWin() {
        assertThat(routes.apply("/pi_job/abc%20d")).containsExactly("GET", "DELETE");
        assertThat(routes.apply("/pi_job/latest")).containsExactly("GET", "OPTIONS");
    }

    /** As the deployed gateway routes it: the resource of /pi_job/ is /pi_job's. */
    @Test
    void aTrailingSlashFindsTheResourceWithoutIt() {
        assertThat(routes.apply("/pi_job/")).containsExactly("POST");
        assertThat(routes.apply("/pi_job/latest/")).containsExactly("GET", "OPTIONS");
    }

    @Test
    void pathsOutsideTheDocumentHaveNoMethods() {
        assertThat(routes.apply("/pi_job/a/b")).isEmpty();
        assertThat(routes.apply("/nope")).isEmpty();
    }

    /** The methods each resource defines, which the local preflight answers list. */
    @Test
    void servicesDocumentGivesEachResourcesMethods() {
        OpenApiRoutes service = OpenApiRoutes.fromClasspath("/openapi.yaml");

        assertThat(service.apply("/pi_job")).containsExactly("POST");
        assertThat(service.apply("/pi_job/x1")).containsExactly("GET", "DELETE");
        assertThat(service.apply("/download_pi_job/x1")).containsExactly("GET");
    }
}
