package org.piservice.worker;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.piservice.contract.JobDelivery;
import org.piservice.jobs.CallDeadline;

/** The deployed cleanup reserve against the call budgets it must hold; needs nothing running. */
class WorkerClientsTest {

    @Test
    void theCleanupReserveHoldsAnS3CallInFlightTheFinishingCallsAndTheAnswer() {
        assertThat(JobDelivery.CLEANUP_RESERVE).isGreaterThanOrEqualTo(WorkerClients.BUDGETS.s3().callTimeout()
                .plus(WorkerClients.FINISH_RESERVE).plus(CallDeadline.ANSWER_RESERVE));
    }
}
