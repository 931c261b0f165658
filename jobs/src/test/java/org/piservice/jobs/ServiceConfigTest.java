package org.piservice.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Plain unit test: reading the functions' environment. */
class ServiceConfigTest {

    private static final Map<String, String> NAMES = Map.of(
            "TABLE_NAME", "jobs", "QUEUE_URL", "https://sqs.example/q", "BUCKET_NAME", "results");

    @Test
    void usesDefaultsForTheLimits() {
        ServiceConfig config = ServiceConfig.from(NAMES);

        assertThat(config).isEqualTo(new ServiceConfig("jobs", "https://sqs.example/q", "results",
                ServiceConfig.DEFAULT_MAX_DIGITS, Duration.ofSeconds(300), Duration.ofDays(7)));
    }

    @Test
    void readsEverySetting() {
        Map<String, String> env = new HashMap<>(NAMES);
        env.put("MAX_DIGITS", "5000");
        env.put("DOWNLOAD_URL_TTL_SECONDS", "60");
        env.put("JOB_TTL_DAYS", "2");

        ServiceConfig config = ServiceConfig.from(env);

        assertThat(config.maxDigits()).isEqualTo(5000);
        assertThat(config.downloadUrlTtl()).isEqualTo(Duration.ofSeconds(60));
        assertThat(config.jobTtl()).isEqualTo(Duration.ofDays(2));
    }

    @Test
    void namesTheMissingVariable() {
        Map<String, String> env = new HashMap<>(NAMES);
        env.remove("QUEUE_URL");

        assertThatThrownBy(() -> ServiceConfig.from(env)).hasMessage("QUEUE_URL is not set");
    }

    @Test
    void namesTheMalformedVariable() {
        Map<String, String> env = new HashMap<>(NAMES);
        env.put("MAX_DIGITS", "lots");

        assertThatThrownBy(() -> ServiceConfig.from(env)).hasMessageContaining("MAX_DIGITS").hasMessageContaining("lots");
    }

    @Test
    void refusesLimitsOutsideTheirRange() {
        for (String[] bad : new String[][] {{"MAX_DIGITS", "0"}, {"DOWNLOAD_URL_TTL_SECONDS", "0"},
                {"DOWNLOAD_URL_TTL_SECONDS", "604801"}, {"JOB_TTL_DAYS", "-1"}}) {
            Map<String, String> env = new HashMap<>(NAMES);
            env.put(bad[0], bad[1]);

            assertThatThrownBy(() -> ServiceConfig.from(env)).as(bad[0] + "=" + bad[1]).hasMessageContaining(bad[0]);
        }
    }
}
