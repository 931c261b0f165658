package org.piservice.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;

/** Plain unit test of the deployment settings and their CDK context keys; no synthesis. */
class ServiceSettingsTest {

    @Test
    void defaultsFitTheWorkerWithRoomToSpare() {
        ServiceSettings defaults = ServiceSettings.defaults();

        assertThat(defaults.maxDigits()).isEqualTo(100_000_000);
        assertThat(WorkerCapacity.maxDigits(defaults.workerMemoryMb(), defaults.workerTimeoutSeconds()))
                .isGreaterThanOrEqualTo(defaults.maxDigits());
        assertThat(defaults.visibilityTimeoutSeconds()).isEqualTo(6 * 900);
        assertThat(defaults.alarmEmail()).isEmpty();
    }

    @Test
    void contextValuesOverrideTheDefaults() {
        App app = new App(AppProps.builder().context(Map.of(
                "workerMemoryMb", "4096",
                "workerTimeoutSeconds", 600,
                "maxDigits", "5_000_000",
                "workerConcurrency", "3",
                "alarmEmail", " ops@example.org ")).build());

        ServiceSettings settings = ServiceSettings.fromContext(app.getNode());

        assertThat(settings.workerMemoryMb()).isEqualTo(4096);
        assertThat(settings.workerTimeoutSeconds()).isEqualTo(600);
        assertThat(settings.visibilityTimeoutSeconds()).isEqualTo(3600);
        assertThat(settings.maxDigits()).isEqualTo(5_000_000);
        assertThat(settings.workerConcurrency()).isEqualTo(3);
        assertThat(settings.alarmEmail()).contains("ops@example.org");
        assertThat(settings.apiMemoryMb()).isEqualTo(ServiceSettings.defaults().apiMemoryMb());
    }

    @Test
    void maxDigitsBeyondWhatTheWorkerCanFinishIsRefusedWithTheLimit() {
        long capacity = WorkerCapacity.maxDigits(1024, 300);

        assertThatThrownBy(() -> settings(1024, 300, (int) capacity + 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not fit the worker")
                .hasMessageContaining(String.format("%,d", capacity));
        assertThat(settings(1024, 300, (int) capacity).maxDigits()).isEqualTo((int) capacity);
    }

    @Test
    void aClientsRequestsAMinuteAreNoneOrAtLeastWhatWafCanCount() {
        App none = new App(AppProps.builder().context(Map.of("clientRequestsPerMinute", "0")).build());
        assertThat(ServiceSettings.fromContext(none.getNode()).clientRequestsPerMinute()).isZero();
        App tooFew = new App(AppProps.builder().context(Map.of("clientRequestsPerMinute", "9")).build());
        assertThatThrownBy(() -> ServiceSettings.fromContext(tooFew.getNode()))
                .hasMessage("clientRequestsPerMinute must be between 10 and 2,000,000,000, got 9");
    }

    @Test
    void outOfRangeAndMalformedValuesAreRefusedByName() {
        assertThatThrownBy(() -> settings(2048, 901, 1000)).hasMessageContaining("workerTimeoutSeconds");
        assertThatThrownBy(() -> settings(64, 900, 1000)).hasMessageContaining("workerMemoryMb");
        App app = new App(AppProps.builder().context(Map.of("workerMemoryMb", "lots")).build());
        assertThatThrownBy(() -> ServiceSettings.fromContext(app.getNode()))
                .hasMessage("context workerMemoryMb must be a whole number, got lots");
        App badEmail = new App(AppProps.builder().context(Map.of("alarmEmail", "not-an-address")).build());
        assertThatThrownBy(() -> ServiceSettings.fromContext(badEmail.getNode())).hasMessageContaining("alarmEmail");
    }

    private static ServiceSettings settings(int workerMemoryMb, int workerTimeoutSeconds, int maxDigits) {
        ServiceSettings d = ServiceSettings.defaults();
        return new ServiceSettings(d.apiMemoryMb(), workerMemoryMb, workerTimeoutSeconds, maxDigits,
                d.workerConcurrency(), d.apiRateLimit(), d.apiBurstLimit(), d.clientRequestsPerMinute(), d.jobTtlDays(),
                d.downloadUrlTtlSeconds(), d.maxUnfinishedJobsPerClient(), Math.max(maxDigits, d.clientDigitsPerDay()),
                Optional.empty());
    }
}
