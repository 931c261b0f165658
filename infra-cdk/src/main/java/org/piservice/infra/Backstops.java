package org.piservice.infra;

import java.util.List;
import java.util.Map;
import org.piservice.contract.IdleInvocations;
import org.piservice.contract.JobDelivery;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.events.Rule;
import software.amazon.awscdk.services.events.Schedule;
import software.amazon.awscdk.services.events.targets.LambdaFunction;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.lambda.Alias;
import software.amazon.awscdk.services.lambda.EventInvokeConfigOptions;
import software.amazon.awscdk.services.lambda.Function;
import software.amazon.awscdk.services.lambda.eventsources.SqsEventSource;

/**
 * What bounds every job when the worker cannot: the dead-letter queue's consumer, which fails the
 * job of each message the queue gave up on, and the sweeper, run on a schedule, which fails open
 * jobs past their deadline and sends a lost job's message again. Both run the worker's jar
 * ({@code DeadLetterHandler}, {@code SweeperHandler}), each with a role of its own that allows
 * only its few calls.
 */
final class Backstops {

    private static final int MEMORY_MB = 512;

    private final Function deadLetterFunction;
    private final Function sweeperFunction;

    /** Adds the resources to {@code stack} itself (see {@link PiServiceStack} for why). */
    Backstops(Stack stack, ProjectFiles files, JobStore jobs, Map<String, String> environment) {
        Role deadLetterRole = JavaFunctions.role(stack, "DeadLetterFunctionRole", "pi-service dead-letter consumer");
        // GetItem reads the digit store's item too: a job waiting for a live computation is left to it
        jobs.allowJobRecords(deadLetterRole, "FailJobs", List.of("dynamodb:GetItem", "dynamodb:UpdateItem"));
        deadLetterFunction = JavaFunctions.builder(stack, "DeadLetterFunction", deadLetterRole, files.workerJar())
                .description("pi-service dead-letter consumer: fails the job of each message the job queue gave up on")
                .handler("org.piservice.worker.DeadLetterHandler::handleRequest")
                .memorySize(MEMORY_MB)
                .timeout(Duration.seconds(JobDelivery.DEAD_LETTER_TIMEOUT_SECONDS))
                .environment(environment)
                .build();
        JavaFunctions.acknowledgeXRay(deadLetterRole);
        Alias deadLetterAlias = JavaFunctions.liveAlias(stack, "DeadLetterFunctionLive", deadLetterFunction);
        deadLetterAlias.addEventSource(SqsEventSource.Builder.create(jobs.deadLetterQueue())
                .batchSize(JobDelivery.DEAD_LETTER_BATCH_SIZE)
                .reportBatchItemFailures(true)
                // SQS's least: dead letters come in bursts when the table is in trouble, which more
                // consumers would only add to
                .maxConcurrency(2)
                .build());
        JavaFunctions.keepActive(stack, "DeadLetterFunctionKeptActive", deadLetterAlias, IdleInvocations.NO_MESSAGES);

        Role sweeperRole = JavaFunctions.role(stack, "SweeperFunctionRole", "pi-service job sweeper");
        jobs.allowOpenJobs(sweeperRole, "ReadOpenJobs");
        // GetItem reads a job whose failure was refused (was it this sweep's own, retried by the
        // SDK?), and the digit store's item: the jobs it covers are no work ahead of the others
        jobs.allowJobRecords(sweeperRole, "FailOrRequeueJobs", List.of("dynamodb:GetItem", "dynamodb:UpdateItem"));
        sweeperRole.addToPrincipalPolicy(PolicyStatement.Builder.create()
                .sid("SendLostMessages")
                .actions(List.of("sqs:SendMessage"))
                .resources(List.of(jobs.queue().getQueueArn()))
                .build());
        sweeperFunction = JavaFunctions.builder(stack, "SweeperFunction", sweeperRole, files.workerJar())
                .description("pi-service job sweeper: fails open jobs past their deadline and re-sends lost job messages")
                .handler("org.piservice.worker.SweeperHandler::handleRequest")
                .memorySize(MEMORY_MB)
                .timeout(Duration.minutes(2))
                // one sweep at a time: two would race for the same jobs (harmless, but twice the writes)
                .reservedConcurrentExecutions(1)
                .environment(environment)
                .build();
        JavaFunctions.acknowledgeXRay(sweeperRole);
        Alias sweeperAlias = JavaFunctions.liveAlias(stack, "SweeperFunctionLive", sweeperFunction);
        // A sweep that fails is the next one's to make good, not two retries' a minute or two on
        sweeperAlias.configureAsyncInvoke(EventInvokeConfigOptions.builder().retryAttempts(0).build());
        Rule.Builder.create(stack, "SweepSchedule")
                .description("Runs the pi-service job sweeper")
                .schedule(Schedule.rate(Duration.minutes(JobDelivery.SWEEP_INTERVAL.toMinutes())))
                .targets(List.of(new LambdaFunction(sweeperAlias)))
                .build();
    }

    Function deadLetterFunction() {
        return deadLetterFunction;
    }

    Function sweeperFunction() {
        return sweeperFunction;
    }
}
