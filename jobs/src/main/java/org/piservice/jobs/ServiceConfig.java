package org.piservice.jobs;

import static org.piservice.contract.FunctionEnvironment.BUCKET_NAME;
import static org.piservice.contract.FunctionEnvironment.CLIENT_DIGITS_PER_DAY;
import static org.piservice.contract.FunctionEnvironment.DOWNLOAD_URL_TTL_SECONDS;
import static org.piservice.contract.FunctionEnvironment.JOB_DEADLINE_MINUTES;
import static org.piservice.contract.FunctionEnvironment.JOB_TTL_DAYS;
import static org.piservice.contract.FunctionEnvironment.MAX_DIGITS;
import static org.piservice.contract.FunctionEnvironment.MAX_UNFINISHED_JOBS_PER_CLIENT;
import static org.piservice.contract.FunctionEnvironment.QUEUE_URL;
import static org.piservice.contract.FunctionEnvironment.TABLE_NAME;
import static org.piservice.contract.FunctionEnvironment.WORKER_CONCURRENCY;
import static org.piservice.contract.FunctionEnvironment.WORKER_MEMORY_MB;

import java.time.Duration;
import java.util.Map;
import java.util.OptionalInt;
import org.piservice.contract.FunctionEnvironment;
import org.piservice.contract.WorkerMemory;
import org.piservice.core.ComputeTimeModel;

/**
 * What the functions read from their environment: where the jobs live and the service's limits.
 * AWS endpoints, region and credentials are not here: the SDK's own configuration supplies them
 * (see {@link AwsClients}). The variables' names are {@link FunctionEnvironment}'s.
 *
 * <p>{@code MAX_DIGITS} has no default here: what the worker can finish depends on the memory and
 * timeout it is given, so whoever starts the functions (the stack, the local run) sets it.
 *
 * @param tableName DynamoDB table of jobs ({@code TABLE_NAME})
 * @param queueUrl SQS queue the api sends jobs to and the worker consumes ({@code QUEUE_URL})
 * @param bucketName S3 bucket of results ({@code BUCKET_NAME})
 * @param maxDigits largest job accepted ({@code MAX_DIGITS})
 * @param downloadUrlTtl how long a presigned download link stays valid ({@code DOWNLOAD_URL_TTL_SECONDS})
 * @param jobTtl how long a job record is kept ({@code JOB_TTL_DAYS})
 * @param maxUnfinishedJobsPerClient how many unfinished jobs that need computing one client may
 *        have ({@code MAX_UNFINISHED_JOBS_PER_CLIENT})
 * @param clientDigitsPerDay how many digits one client may ask for in a day, over all its jobs
 *        ({@code CLIENT_DIGITS_PER_DAY}); at least {@code maxDigits}
 * @param jobDeadline how long after its acceptance a job must be final ({@code JOB_DEADLINE_MINUTES})
 * @param workerConcurrency how many worker invocations run at once ({@code WORKER_CONCURRENCY})
 * @param workerMemoryMb the worker function's memory, which sets its speed ({@code WORKER_MEMORY_MB})
 */
public record ServiceConfig(
        String tableName,
        String queueUrl,
        String bucketName,
        int maxDigits,
        Duration downloadUrlTtl,
        Duration jobTtl,
        int maxUnfinishedJobsPerClient,
        int clientDigitsPerDay,
        Duration jobDeadline,
        int workerConcurrency,
        int workerMemoryMb) {

    public static final Duration DEFAULT_DOWNLOAD_URL_TTL =
            Duration.ofSeconds(FunctionEnvironment.DEFAULT_DOWNLOAD_URL_TTL_SECONDS);
    public static final Duration DEFAULT_JOB_TTL = Duration.ofDays(FunctionEnvironment.DEFAULT_JOB_TTL_DAYS);
    /** {@link FunctionEnvironment#DEFAULT_JOB_DEADLINE_MINUTES}. */
    public static final Duration DEFAULT_JOB_DEADLINE = Duration.ofMinutes(FunctionEnvironment.DEFAULT_JOB_DEADLINE_MINUTES);
    /**
     * One worker, unless told: the api's backlog estimate then refuses too early rather than
     * accept a job that cannot finish.
     */
    public static final int DEFAULT_WORKER_CONCURRENCY = 1;
    /** A worker with a full vCPU, as the engine's default time model assumes (the local run's worker has one). */
    public static final int DEFAULT_WORKER_MEMORY_MB = ComputeTimeModel.LAMBDA_MB_PER_VCPU;
    private static final Duration MAX_DOWNLOAD_URL_TTL =
            Duration.ofSeconds(FunctionEnvironment.MAX_DOWNLOAD_URL_TTL_SECONDS);

    public ServiceConfig {
        requireName(tableName, TABLE_NAME);
        requireName(queueUrl, QUEUE_URL);
        requireName(bucketName, BUCKET_NAME);
        if (maxDigits < 1) {
            throw new IllegalArgumentException(MAX_DIGITS + " must be at least 1, got " + maxDigits);
        }
        if (downloadUrlTtl.isNegative() || downloadUrlTtl.isZero() || downloadUrlTtl.compareTo(MAX_DOWNLOAD_URL_TTL) > 0) {
            throw new IllegalArgumentException(DOWNLOAD_URL_TTL_SECONDS + " must be between 1 and "
                    + MAX_DOWNLOAD_URL_TTL.toSeconds() + ", got " + downloadUrlTtl.toSeconds());
        }
        if (jobTtl.isNegative() || jobTtl.isZero()) {
            throw new IllegalArgumentException(JOB_TTL_DAYS + " must be at least 1, got " + jobTtl.toDays());
        }
        if (maxUnfinishedJobsPerClient < 1) {
            throw new IllegalArgumentException(MAX_UNFINISHED_JOBS_PER_CLIENT + " must be at least 1, got "
                    + maxUnfinishedJobsPerClient);
        }
        if (clientDigitsPerDay < maxDigits) {
            throw new IllegalArgumentException(CLIENT_DIGITS_PER_DAY + " must be at least " + MAX_DIGITS + " ("
                    + maxDigits + "), got " + clientDigitsPerDay);
        }
        if (jobDeadline.toMinutes() < 1 || jobDeadline.compareTo(jobTtl) >= 0) {
            throw new IllegalArgumentException(JOB_DEADLINE_MINUTES + " must be at least 1 and less than the job's "
                    + JOB_TTL_DAYS + ", got " + jobDeadline.toMinutes());
        }
        if (workerConcurrency < 1) {
            throw new IllegalArgumentException(WORKER_CONCURRENCY + " must be at least 1, got " + workerConcurrency);
        }
        if (workerMemoryMb < WorkerMemory.LAMBDA_MIN_MB || workerMemoryMb > WorkerMemory.LAMBDA_MAX_MB) {
            throw new IllegalArgumentException(WORKER_MEMORY_MB + " must be between " + WorkerMemory.LAMBDA_MIN_MB + " and "
                    + WorkerMemory.LAMBDA_MAX_MB + ", got " + workerMemoryMb);
        }
    }

    /** Reads the Lambda function's environment. */
    public static ServiceConfig fromEnvironment() {
        return from(System.getenv());
    }

    /**
     * Reads the settings from {@code env}, which has the environment's variable names.
     *
     * @throws IllegalArgumentException naming the variable that is missing or malformed
     */
    public static ServiceConfig from(Map<String, String> env) {
        return new ServiceConfig(
                env.get(TABLE_NAME),
                env.get(QUEUE_URL),
                env.get(BUCKET_NAME),
                intSetting(env, MAX_DIGITS).orElseThrow(() -> new IllegalArgumentException(MAX_DIGITS + " is not set")),
                Duration.ofSeconds(intSetting(env, DOWNLOAD_URL_TTL_SECONDS).orElse((int) DEFAULT_DOWNLOAD_URL_TTL.toSeconds())),
                Duration.ofDays(intSetting(env, JOB_TTL_DAYS).orElse((int) DEFAULT_JOB_TTL.toDays())),
                intSetting(env, MAX_UNFINISHED_JOBS_PER_CLIENT).orElse(FunctionEnvironment.DEFAULT_MAX_UNFINISHED_JOBS_PER_CLIENT),
                intSetting(env, CLIENT_DIGITS_PER_DAY).orElse(FunctionEnvironment.DEFAULT_CLIENT_DIGITS_PER_DAY),
                Duration.ofMinutes(intSetting(env, JOB_DEADLINE_MINUTES).orElse((int) DEFAULT_JOB_DEADLINE.toMinutes())),
                intSetting(env, WORKER_CONCURRENCY).orElse(DEFAULT_WORKER_CONCURRENCY),
                intSetting(env, WORKER_MEMORY_MB).orElse(DEFAULT_WORKER_MEMORY_MB));
    }

    private static OptionalInt intSetting(Map<String, String> env, String name) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            return OptionalInt.empty();
        }
        try {
            return OptionalInt.of(Integer.parseInt(value.strip()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number, got '" + value + "'", e);
        }
    }

    private static void requireName(String value, String variable) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(variable + " is not set");
        }
    }
}
