package org.piservice.jobs;

import java.time.Duration;
import java.util.Map;

/**
 * What both functions read from their environment: where the jobs live and the service's limits.
 * AWS endpoints, region and credentials are not here: the SDK's own configuration supplies them
 * (see {@link AwsClients}).
 *
 * @param tableName DynamoDB table of jobs ({@code TABLE_NAME})
 * @param queueUrl SQS queue the api sends jobs to and the worker consumes ({@code QUEUE_URL})
 * @param bucketName S3 bucket of results ({@code BUCKET_NAME})
 * @param maxDigits largest job accepted ({@code MAX_DIGITS})
 * @param downloadUrlTtl how long a presigned download link stays valid ({@code DOWNLOAD_URL_TTL_SECONDS})
 * @param jobTtl how long a job record is kept ({@code JOB_TTL_DAYS})
 */
public record ServiceConfig(
        String tableName,
        String queueUrl,
        String bucketName,
        int maxDigits,
        Duration downloadUrlTtl,
        Duration jobTtl) {

    /**
     * The default limit on digits per job: what the worker finishes with a wide margin inside the
     * 15-minute Lambda timeout at its configured memory. The deployment sets {@code MAX_DIGITS} to
     * match its memory size; this is the value when it does not.
     */
    public static final int DEFAULT_MAX_DIGITS = 10_000_000;
    public static final Duration DEFAULT_DOWNLOAD_URL_TTL = Duration.ofMinutes(5);
    public static final Duration DEFAULT_JOB_TTL = Duration.ofDays(7);
    /** S3's own ceiling for presigned URLs signed with SigV4. */
    private static final Duration MAX_DOWNLOAD_URL_TTL = Duration.ofDays(7);

    public ServiceConfig {
        requireName(tableName, "TABLE_NAME");
        requireName(queueUrl, "QUEUE_URL");
        requireName(bucketName, "BUCKET_NAME");
        if (maxDigits < 1) {
            throw new IllegalArgumentException("MAX_DIGITS must be at least 1, got " + maxDigits);
        }
        if (downloadUrlTtl.isNegative() || downloadUrlTtl.isZero() || downloadUrlTtl.compareTo(MAX_DOWNLOAD_URL_TTL) > 0) {
            throw new IllegalArgumentException("DOWNLOAD_URL_TTL_SECONDS must be between 1 and "
                    + MAX_DOWNLOAD_URL_TTL.toSeconds() + ", got " + downloadUrlTtl.toSeconds());
        }
        if (jobTtl.isNegative() || jobTtl.isZero()) {
            throw new IllegalArgumentException("JOB_TTL_DAYS must be at least 1, got " + jobTtl.toDays());
        }
    }

    /** A configuration with the default limits. */
    public ServiceConfig(String tableName, String queueUrl, String bucketName) {
        this(tableName, queueUrl, bucketName, DEFAULT_MAX_DIGITS, DEFAULT_DOWNLOAD_URL_TTL, DEFAULT_JOB_TTL);
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
                env.get("TABLE_NAME"),
                env.get("QUEUE_URL"),
                env.get("BUCKET_NAME"),
                intSetting(env, "MAX_DIGITS", DEFAULT_MAX_DIGITS),
                Duration.ofSeconds(intSetting(env, "DOWNLOAD_URL_TTL_SECONDS", (int) DEFAULT_DOWNLOAD_URL_TTL.toSeconds())),
                Duration.ofDays(intSetting(env, "JOB_TTL_DAYS", (int) DEFAULT_JOB_TTL.toDays())));
    }

    public ServiceConfig withMaxDigits(int newMaxDigits) {
        return new ServiceConfig(tableName, queueUrl, bucketName, newMaxDigits, downloadUrlTtl, jobTtl);
    }

    private static int intSetting(Map<String, String> env, String name, int defaultValue) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            return defaultValue;
        }
        try {
            return Integer.parseInt(value.strip());
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
