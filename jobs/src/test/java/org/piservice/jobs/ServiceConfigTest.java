package org.piservice.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Plain unit test: reading the functions' environment. */
class ServiceConfigTest {

    private static final Map<String, String> REQUIRED = Map.of(
            "TABLE_NAME", "jobs", "QUEUE_URL", "https://sqs.example/q", "BUCKET_NAME", "results", "MAX_DIGITS", "5000");

    @Test
    void usesDefaultsForTheLinkAndRecordLifetimes() {
        ServiceConfig config = ServiceConfig.from(REQUIRED);

        assertThat(config).isEqualTo(new ServiceConfig("jobs", "https://sqs.example/q", "results",
                5000, Duration.ofSeconds(300), Duration.ofDays(7), 3, 1_000_000_000, Duration.ofHours(3), 1, 1769));
    }

    @Test
    void readsEverySetting() {
        Map<String, String> env = new HashMap<>(REQUIRED);
        env.put("DOWNLOAD_URL_TTL_SECONDS", "60");
        env.put("JOB_TTL_DAYS", "2");
        env.put("MAX_UNFINISHED_JOBS_PER_CLIENT", "10");
        env.put("CLIENT_DIGITS_PER_DAY", "25000");
        env.put("JOB_DEADLINE_MINUTES", "90");
        env.put("WORKER_CONCURRENCY", "5");
        env.put("WORKER_MEMORY_MB", "5120");

        ServiceConfig config = ServiceConfig.from(env);

        assertThat(config.maxDigits()).isEqualTo(5000);
        assertThat(config.downloadUrlTtl()).isEqualTo(Duration.ofSeconds(60));
        assertThat(config.jobTtl()).isEqualTo(Duration.ofDays(2));
        assertThat(config.maxUnfinishedJobsPerClient()).isEqualTo(10);
        assertThat(config.clientDigitsPerDay()).isEqualTo(25000);
        assertThat(config.jobDeadline()).isEqualTo(Duration.ofMinutes(90));
        assertThat(config.workerConcurrency()).isEqualTo(5);
        assertThat(config.workerMemoryMb()).isEqualTo(5120);
    }

    @Test
    void namesTheMissingVariable() {
        for (String name : REQUIRED.keySet()) {
            Map<String, String> env = new HashMap<>(REQUIRED);
            env.remove(name);

            assertThatThrownBy(() -> ServiceConfig.from(env)).as(name).hasMessage(name + " is not set");
        }
    }

    @Test
    void namesTheMalformedVariable() {
        Map<String, String> env = new HashMap<>(REQUIRED);
        env.put("MAX_DIGITS", "lots");

        assertThatThrownBy(() -> ServiceConfig.from(env)).hasMessageContaining("MAX_DIGITS").hasMessageContaining("lots");
    }

    @Test
    void refusesLimitsOutsideTheirRange() {
        for (String[] bad : new String[][] {{"MAX_DIGITS", "0"}, {"DOWNLOAD_URL_TTL_SECONDS", "0"},
                {"DOWNLOAD_URL_TTL_SECONDS", "604801"}, {"JOB_TTL_DAYS", "-1"},
                {"MAX_UNFINISHED_JOBS_PER_CLIENT", "0"}, {"CLIENT_DIGITS_PER_DAY", "4999"},
                {"JOB_DEADLINE_MINUTES", "0"}, {"JOB_DEADLINE_MINUTES", "20160"},
                {"WORKER_CONCURRENCY", "0"}, {"WORKER_MEMORY_MB", "127"}, {"WORKER_MEMORY_MB", "10241"}}) {
            Map<String, String> env = new HashMap<>(REQUIRED);
            env.put(bad[0], bad[1]);

            assertThatThrownBy(() -> ServiceConfig.from(env)).as(bad[0] + "=" + bad[1]).hasMessageContaining(bad[0]);
        }
    }
}
