package org.piservice.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResourcePathsTest {

    private static final List<String> JOB = ResourcePaths.segments("/pi_job/{job_id}");

    @Test
    void aPathOfTheResourceGivesItsParametersByName() {
        assertThat(ResourcePaths.parameters(JOB, ResourcePaths.segments("/pi_job/abc/")))
                .hasValue(Map.of("job_id", "abc"));
        assertThat(ResourcePaths.parameters(List.of(), ResourcePaths.segments("/"))).hasValue(Map.of());
    }

    @Test
    void anotherLiteralAnotherLengthOrAnEmptyParameterIsAnotherResource() {
        assertThat(ResourcePaths.parameters(JOB, ResourcePaths.segments("/pi_jobs/abc"))).isEmpty();
        assertThat(ResourcePaths.parameters(JOB, ResourcePaths.segments("/pi_job"))).isEmpty();
        assertThat(ResourcePaths.parameters(JOB, ResourcePaths.segments("/pi_job/abc/def"))).isEmpty();
        assertThat(ResourcePaths.parameters(JOB, ResourcePaths.segments("/pi_job//"))).isEmpty();
    }
}
