package org.piservice.contract;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Plain unit test: the queue's delivery budget covers the worker's attempts. */
class JobDeliveryTest {

    @Test
    void theQueueAllowsEveryAttemptTheGivingUpAndSpareDeliveries() {
        int givingUp = 1;
        int spare = JobDelivery.MAX_RECEIVE_COUNT - JobDelivery.MAX_ATTEMPTS - givingUp;

        assertThat(spare).as("deliveries left after the attempts and the one that fails a job whose last attempt crashed")
                .isPositive();
    }

    @Test
    void retriesComeBackAfterSecondsThenMinutesNeverLaterThanALambdaRun() {
        assertThat(java.util.stream.IntStream.rangeClosed(1, 6).map(JobDelivery::retryDelaySeconds).toArray())
                .containsExactly(5, 20, 80, 320, 900, 900);
    }

    @Test
    void everyDeliveryOfAMessageFitsInsideTheQueuesRetention() {
        long span = java.util.stream.IntStream.range(1, JobDelivery.MAX_RECEIVE_COUNT)
                .map(JobDelivery::retryDelaySeconds).asLongStream().sum();

        assertThat(span).as("seconds from the first delivery to the last").isLessThan(2 * 3600)
                .isLessThan(JobDelivery.QUEUE_RETENTION_DAYS * 86_400L);
    }
}
