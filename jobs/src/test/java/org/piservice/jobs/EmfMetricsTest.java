package org.piservice.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.piservice.contract.ServiceMetrics;

/** Plain unit test: the metric lines follow CloudWatch's Embedded Metric Format. */
class EmfMetricsTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final EmfMetrics metrics = new EmfMetrics(new PrintStream(out, true, StandardCharsets.UTF_8),
            Clock.fixed(Instant.ofEpochMilli(1_764_300_000_000L), ZoneOffset.UTC));

    @Test
    void aCompletedJobIsOneLineWithItsThreeMetrics() throws Exception {
        metrics.jobCompleted("job-1", 1000, 1.25);

        JsonNode line = new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8));
        JsonNode directive = line.get("_aws").get("CloudWatchMetrics").get(0);
        assertThat(line.get("_aws").get("Timestamp").asLong()).isEqualTo(1_764_300_000_000L);
        assertThat(directive.get("Namespace").asText()).isEqualTo("PiService");
        assertThat(directive.get("Dimensions").toString()).isEqualTo("[[\"Service\"]]");
        assertThat(directive.get("Metrics").toString()).isEqualTo("[{\"Name\":\"JobsCompleted\",\"Unit\":\"Count\"},"
                + "{\"Name\":\"DigitsComputed\",\"Unit\":\"Count\"},{\"Name\":\"ComputeSeconds\",\"Unit\":\"Seconds\"}]");
        assertThat(line.get("Service").asText()).isEqualTo("pi-service");
        assertThat(line.get("JobsCompleted").asDouble()).isEqualTo(1);
        assertThat(line.get("DigitsComputed").asDouble()).isEqualTo(1000);
        assertThat(line.get("ComputeSeconds").asDouble()).isEqualTo(1.25);
        assertThat(line.get("job_id").asText()).isEqualTo("job-1");
        assertThat(out.toString(StandardCharsets.UTF_8).strip()).doesNotContain("\n");
    }

    @Test
    void aFailedJobCountsOnce() throws Exception {
        metrics.jobFailed("job-2");

        JsonNode line = new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8));
        assertThat(line.get("_aws").get("CloudWatchMetrics").get(0).get("Metrics").toString())
                .isEqualTo("[{\"Name\":\"JobsFailed\",\"Unit\":\"Count\"}]");
        assertThat(line.get("JobsFailed").asDouble()).isEqualTo(1);
    }

    @Test
    void aRefusedJobCountsAsRefusedAndUnderItsCause() throws Exception {
        metrics.jobRefused("job-3", ServiceMetrics.JOBS_REFUSED_BACKLOG);

        JsonNode line = new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8));
        assertThat(line.get("_aws").get("CloudWatchMetrics").get(0).get("Metrics").toString())
                .isEqualTo("[{\"Name\":\"JobsRefused\",\"Unit\":\"Count\"},{\"Name\":\"JobsRefusedForBacklog\",\"Unit\":\"Count\"}]");
        assertThat(line.get("JobsRefused").asDouble()).isEqualTo(1);
        assertThat(line.get("JobsRefusedForBacklog").asDouble()).isEqualTo(1);
        assertThat(line.get("job_id").asText()).isEqualTo("job-3");
    }
}
