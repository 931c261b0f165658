package org.piservice.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.SdkClientException;

/**
 * Plain unit test: work past its deadline has no time for a call, on its own thread and on the
 * threads it hands tasks to. The refusal comes before the request is sent: the endpoint is never
 * reached.
 */
class CallDeadlineTest {

    private static final CallBudget BUDGET = new CallBudget(Duration.ofSeconds(2), Duration.ofSeconds(5), 3);

    @Test
    void aCallOfWorkWhoseDeadlineHasPassedFailsAtOnceOnAnotherThreadItCarriesATaskTo() throws Exception {
        try (AwsClients clients = clientsOfNoService(); ExecutorService other = Executors.newSingleThreadExecutor()) {
            Runnable call = () -> clients.dynamoDb().listTables();
            CompletableFuture<Void> carried = CallDeadline.within(CallDeadline.ANSWER_RESERVE, Duration.ZERO, () -> {
                assertThatThrownBy(call::run).isInstanceOf(SdkClientException.class)
                        .hasMessage("No time was left for this call before its deadline");
                return CompletableFuture.runAsync(CallDeadline.carried(call), other);
            });

            assertThatThrownBy(() -> carried.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(SdkClientException.class)
                    .hasMessage("No time was left for this call before its deadline");
        }
    }

    @Test
    void theWritesOfACarriedStreamHaveTheWorksDeadlineOnTheThreadThatMakesThem() throws Exception {
        try (AwsClients clients = clientsOfNoService(); ExecutorService other = Executors.newSingleThreadExecutor()) {
            OutputStream calling = new OutputStream() {
                @Override
                public void write(int b) {
                    clients.dynamoDb().listTables();
                }
            };
            OutputStream carried = CallDeadline.within(CallDeadline.ANSWER_RESERVE, Duration.ZERO,
                    () -> CallDeadline.carried(calling));

            Future<?> writeBytes = other.submit(() -> {
                carried.write(new byte[] {'3'}, 0, 1);
                return null;
            });
            Future<?> writeByte = other.submit(() -> {
                carried.write('3');
                return null;
            });

            for (Future<?> write : List.of(writeBytes, writeByte)) {
                assertThatThrownBy(() -> write.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                        .cause().isInstanceOf(SdkClientException.class)
                        .hasMessage("No time was left for this call before its deadline");
            }
        }
    }

    @Test
    void aTaskOrStreamCarriedFromOutsideAnyWorkIsItself() {
        Runnable task = () -> { };
        assertThat(CallDeadline.carried(task)).isSameAs(task);
        OutputStream out = OutputStream.nullOutputStream();
        assertThat(CallDeadline.carried(out)).isSameAs(out);
    }

    /** Clients whose every call would fail to connect, should one be sent. */
    private static AwsClients clientsOfNoService() {
        return AwsClients.fromSettings(Map.of(
                "AWS_REGION", "eu-west-1",
                "AWS_ACCESS_KEY_ID", "id",
                "AWS_SECRET_ACCESS_KEY", "secret",
                "AWS_ENDPOINT_URL", "http://127.0.0.1:9"), new CallBudget.PerService(BUDGET, BUDGET, BUDGET));
    }
}
