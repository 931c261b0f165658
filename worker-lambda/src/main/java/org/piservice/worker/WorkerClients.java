package org.piservice.worker;

import java.time.Duration;
import org.piservice.contract.JobDelivery;
import org.piservice.jobs.AwsClients;
import org.piservice.jobs.CallBudget;

/**
 * The worker's AWS clients, with calls that fit its clock: a heartbeat (every 3 s, stale after
 * 60 s) that hangs must give way to the next one, and a failure at the end of a run must still be
 * recorded within the cleanup reserve ({@link WorkerSettings#cleanupReserve()}).
 */
public final class WorkerClients {

    public static final CallBudget.PerService BUDGETS = new CallBudget.PerService(
            new CallBudget(Duration.ofSeconds(2), Duration.ofSeconds(JobDelivery.WORKER_DYNAMODB_CALL_SECONDS), 4),
            new CallBudget(Duration.ofSeconds(2), Duration.ofSeconds(5), 3),
            // an attempt may carry one 8 MiB upload part
            new CallBudget(Duration.ofSeconds(10), Duration.ofSeconds(25), 3));

    /**
     * The time kept for recording how a job ended: one table call and the message's return to the
     * queue ({@link WorkerSettings#finishReserve()}).
     */
    static final Duration FINISH_RESERVE = BUDGETS.dynamoDb().callTimeout().plus(BUDGETS.sqs().callTimeout());

    private WorkerClients() {
    }

    /** For the Lambda runtime: the SDK's standard configuration from the environment. */
    public static AwsClients fromEnvironment() {
        return AwsClients.fromEnvironment(BUDGETS);
    }
}
