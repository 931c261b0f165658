package org.piservice.infra;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.piservice.contract.IdleInvocations;
import org.piservice.contract.JobDelivery;
import org.piservice.contract.Storage;
import org.piservice.contract.WorkerMemory;
import org.piservice.core.PiProcess;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.lambda.Alias;
import software.amazon.awscdk.services.lambda.Function;
import software.amazon.awscdk.services.lambda.eventsources.SqsEventSource;

/**
 * The worker: the function that takes one job at a time from the queue, computes its digits and
 * streams them to the result bucket. It may claim, update and finish job records and write results.
 */
final class Worker {

    private final Function function;

    /** Adds the resources to {@code stack} itself (see {@link PiServiceStack} for why). */
    Worker(Stack stack, ServiceSettings settings, ProjectFiles files, JobStore jobs, Map<String, String> environment) {
        Role role = JavaFunctions.role(stack, "WorkerFunctionRole", "pi-service worker function");
        jobs.allowJobRecords(role, "JobRecords", List.of("dynamodb:GetItem", "dynamodb:UpdateItem"));
        jobs.allowObjects(role, "ResultAndDigitStoreObjects", List.of("s3:PutObject", "s3:AbortMultipartUpload", "s3:GetObject"),
                List.of(Storage.RESULT_PREFIX, Storage.DIGIT_STORE_PREFIX),
                "writes each job's result object and longer digit stores (multipart uploads), and checks their lengths and overlap");
        jobs.allowTellingMissingObjects(role);
        jobs.allowObjects(role, "SupersededDigitStoreObjects", List.of("s3:DeleteObject"),
                List.of(Storage.DIGIT_STORE_PREFIX),
                "deletes digit store objects the store covers (the one it replaced, those left over) and those that fail their checks");
        // SnapStart pays off here too: the worker computes π a few times during the snapshot's init
        // (EnginePriming), so that restored workers start their first job with the engine already compiled.
        function = JavaFunctions.builder(stack, "WorkerFunction", role, files.workerJar())
                .description("pi-service job worker: computes digits of pi and streams them to S3")
                .handler("org.piservice.worker.WorkerHandler::handleRequest")
                .memorySize(settings.workerMemoryMb())
                .timeout(Duration.seconds(settings.workerTimeoutSeconds()))
                .reservedConcurrentExecutions(reservedConcurrency(settings))
                .environment(workerEnvironment(environment, settings.workerMemoryMb()))
                .build();
        JavaFunctions.acknowledgeXRay(role);
        // The queue feeds the alias, so that jobs reach a SnapStart version.
        Alias alias = JavaFunctions.liveAlias(stack, "WorkerFunctionLive", function);
        alias.addEventSource(SqsEventSource.Builder.create(jobs.queue())
                // A job runs for minutes: one per invocation, so a failure or timeout touches one job only.
                .batchSize(JobDelivery.WORKER_BATCH_SIZE)
                .reportBatchItemFailures(true)
                // Polling no faster than the reserved concurrency allows it keeps throttled receives
                // from counting towards maxReceiveCount and pushing healthy jobs into the DLQ.
                .maxConcurrency(settings.workerConcurrency())
                .build());
        JavaFunctions.keepActive(stack, "WorkerFunctionKeptActive", alias, IdleInvocations.NO_MESSAGES);
    }

    /**
     * The worker's reserved concurrency: the queue's event source mapping keeps to
     * {@code workerConcurrency}, and one more is the daily invocation's that keeps the worker's
     * version active ({@link JavaFunctions#keepActive}), which would otherwise be throttled while
     * every worker computes, or take the place of a job's.
     */
    static int reservedConcurrency(ServiceSettings settings) {
        return settings.workerConcurrency() + 1;
    }

    /**
     * The worker is one long computation, not a quick request: Lambda's Java runtime stops the JIT at
     * C1 for fast cold starts (Java 25 leaves the JVM's default only for SnapStart and provisioned
     * concurrency), which makes pi-core about 3x slower (3·10^6 digits: 16 s against 5.6 s on one
     * core), so the worker asks for C2 whether SnapStart is on or not; and its JVM is the one
     * {@link WorkerMemory} counts on (the child JVMs of large jobs have options of their own). Its
     * own computations need the options of every JVM that computes
     * ({@link PiProcess#ENGINE_JVM_OPTIONS}: the Vector API's module, which the JVM accepts in this
     * variable, and the JIT options, with which the priming takes less time and a worker that
     * computes before any priming, SnapStart off, runs its first 10^7 digits in 0.91-0.98 of the
     * time).
     */
    private static Map<String, String> workerEnvironment(Map<String, String> shared, int memoryMb) {
        Map<String, String> environment = new HashMap<>(shared);
        List<String> options = new ArrayList<>(PiProcess.ENGINE_JVM_OPTIONS);
        options.add("-XX:TieredStopAtLevel=4");
        options.addAll(WorkerMemory.jvmOptions(memoryMb));
        environment.put("JAVA_TOOL_OPTIONS", String.join(" ", options));
        return Map.copyOf(environment);
    }

    Function function() {
        return function;
    }
}
