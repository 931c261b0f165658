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
}
