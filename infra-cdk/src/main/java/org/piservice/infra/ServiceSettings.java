package org.piservice.infra;

import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import org.piservice.contract.FunctionEnvironment;
import org.piservice.contract.JobDelivery;
import org.piservice.contract.WorkerMemory;
import org.piservice.core.ComputeTimeModel;
import software.constructs.Node;

/**
 * The deployment's tunable numbers, from CDK context ({@code cdk deploy -c workerMemoryMb=4096}) or
 * from code, checked against each other before anything is synthesized: a stack whose
 * {@code MAX_DIGITS} the worker cannot finish in time is refused at synth, not found out by users.
 *
 * @param apiMemoryMb memory of the api function
 * @param workerMemoryMb memory of the worker function (also buys CPU)
 * @param workerTimeoutSeconds Lambda timeout of the worker (at most 900)
 * @param maxDigits the largest job the API accepts ({@code MAX_DIGITS} of both functions)
 * @param workerConcurrency reserved concurrency of the worker, also the queue's maximum concurrency
 * @param apiRateLimit steady requests per second the API stage accepts
 * @param apiBurstLimit request burst the API stage accepts
 * @param clientRequestsPerMinute requests one client (source address) may make a minute, refused
 *        beyond by a WAF web ACL on the stage ({@link ApiWebAcl}); 0 for no web ACL, which costs a
 *        monthly fee, and so neither this limit nor its refusal of oversized bodies
 * @param jobTtlDays how long job records and results are kept
 * @param downloadUrlTtlSeconds lifetime of a presigned download link
 * @param maxUnfinishedJobsPerClient unfinished jobs that need computing one client (source address) may have
 * @param clientDigitsPerDay digits one client (source address) may ask for in a day (UTC), over all its
 *        jobs: what bounds the results it can have stored; at least {@code maxDigits}
 * @param alarmEmail where alarm notifications go, when given
 */
public record ServiceSettings(
        int apiMemoryMb,
        int workerMemoryMb,
        int workerTimeoutSeconds,
        int maxDigits,
        int workerConcurrency,
        int apiRateLimit,
        int apiBurstLimit,
        int clientRequestsPerMinute,
        int jobTtlDays,
        int downloadUrlTtlSeconds,
        int maxUnfinishedJobsPerClient,
        int clientDigitsPerDay,
        Optional<String> alarmEmail) {

    public ServiceSettings {
        requireRange("apiMemoryMb", apiMemoryMb, WorkerMemory.LAMBDA_MIN_MB, WorkerMemory.LAMBDA_MAX_MB);
        requireRange("workerMemoryMb", workerMemoryMb, WorkerMemory.LAMBDA_MIN_MB, WorkerMemory.LAMBDA_MAX_MB);
        requireRange("workerTimeoutSeconds", workerTimeoutSeconds, JobDelivery.MIN_WORKER_TIMEOUT_SECONDS,
                JobDelivery.LAMBDA_MAX_TIMEOUT_SECONDS);
        requireRange("maxDigits", maxDigits, 1, Integer.MAX_VALUE);
        // The SQS event source's maximum concurrency cannot be below 2.
        requireRange("workerConcurrency", workerConcurrency, 2, 1000);
        requireRange("apiRateLimit", apiRateLimit, 1, 10_000);
        requireRange("apiBurstLimit", apiBurstLimit, 1, 5_000);
        if (clientRequestsPerMinute != 0) {
            requireRange("clientRequestsPerMinute", clientRequestsPerMinute, ApiWebAcl.MIN_REQUESTS, 2_000_000_000);
        }
        requireRange("jobTtlDays", jobTtlDays, 1, 365);
        requireRange("downloadUrlTtlSeconds", downloadUrlTtlSeconds, 1, FunctionEnvironment.MAX_DOWNLOAD_URL_TTL_SECONDS);
        requireRange("maxUnfinishedJobsPerClient", maxUnfinishedJobsPerClient, 1, 1000);
        requireRange("clientDigitsPerDay", clientDigitsPerDay, maxDigits, Integer.MAX_VALUE);
        alarmEmail = alarmEmail.map(String::strip).filter(address -> !address.isEmpty());
        alarmEmail.ifPresent(address -> {
            if (!address.matches("[^@\\s]+@[^@\\s]+\\.[^@\\s]+")) {
                throw new IllegalArgumentException("alarmEmail is not an e-mail address: " + address);
            }
        });
        long capacity = WorkerCapacity.maxDigits(workerMemoryMb, workerTimeoutSeconds);
        if (maxDigits > capacity) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "maxDigits %,d does not fit the worker: with %d MB and a %d s timeout it can finish"
                            + " at most %,d digits (see WorkerCapacity); lower maxDigits, or raise"
                            + " workerTimeoutSeconds, or workerMemoryMb (the time model counts up to %,d MB,"
                            + " two vCPUs)",
                    maxDigits, workerMemoryMb, workerTimeoutSeconds, capacity, ComputeTimeModel.TWO_VCPU_MB));
        }
    }

    /** The settings of a deployment that is not told otherwise. */
    public static ServiceSettings defaults() {
        // A client may make a twenty-fifth of the stage's steady rate, so it takes many to throttle
        // the rest; one at full speed gets the stage to itself for 2.4 s a minute at most. The page
        // polls a job every second at first and every 10 s once it has followed it five minutes, so
        // a hundred people may start jobs at once, and several hundred watch long ones.
        return new ServiceSettings(1024, 5120, JobDelivery.LAMBDA_MAX_TIMEOUT_SECONDS, 100_000_000, 5, 100, 200, 240,
                FunctionEnvironment.DEFAULT_JOB_TTL_DAYS, FunctionEnvironment.DEFAULT_DOWNLOAD_URL_TTL_SECONDS,
                FunctionEnvironment.DEFAULT_MAX_UNFINISHED_JOBS_PER_CLIENT, FunctionEnvironment.DEFAULT_CLIENT_DIGITS_PER_DAY,
                Optional.empty());
    }

    /** The defaults, each overridden by the CDK context value of the same name when one is set. */
    public static ServiceSettings fromContext(Node node) {
        ServiceSettings d = defaults();
        Function<String, Optional<String>> context =
                key -> Optional.ofNullable(node.tryGetContext(key)).map(Object::toString);
        return new ServiceSettings(
                intOr(context, "apiMemoryMb", d.apiMemoryMb()),
                intOr(context, "workerMemoryMb", d.workerMemoryMb()),
                intOr(context, "workerTimeoutSeconds", d.workerTimeoutSeconds()),
                intOr(context, "maxDigits", d.maxDigits()),
                intOr(context, "workerConcurrency", d.workerConcurrency()),
                intOr(context, "apiRateLimit", d.apiRateLimit()),
                intOr(context, "apiBurstLimit", d.apiBurstLimit()),
                intOr(context, "clientRequestsPerMinute", d.clientRequestsPerMinute()),
                intOr(context, "jobTtlDays", d.jobTtlDays()),
                intOr(context, "downloadUrlTtlSeconds", d.downloadUrlTtlSeconds()),
                intOr(context, "maxUnfinishedJobsPerClient", d.maxUnfinishedJobsPerClient()),
                intOr(context, "clientDigitsPerDay", d.clientDigitsPerDay()),
                context.apply("alarmEmail"));
    }

    /** SQS hides a received message this long: a few worker timeouts, as Lambda's SQS guidance asks. */
    public int visibilityTimeoutSeconds() {
        return (int) JobDelivery.visibilityTimeout(workerTimeoutSeconds).toSeconds();
    }

    private static int intOr(Function<String, Optional<String>> context, String key, int fallback) {
        return context.apply(key).map(value -> {
            try {
                return Integer.parseInt(value.strip().replace("_", ""));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("context " + key + " must be a whole number, got " + value, e);
            }
        }).orElse(fallback);
    }

    private static void requireRange(String name, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(
                    String.format(Locale.ROOT, "%s must be between %,d and %,d, got %,d", name, min, max, value));
        }
    }
}
