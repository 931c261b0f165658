package org.piservice.contract;

/**
 * The names of the environment variables the functions read: the stack sets them (infra-cdk),
 * the functions read them (jobs), and the local run and the emulators set them the same way. The
 * defaults here are what a function uses when a variable is not set and what the stack sets when
 * its deployer does not choose otherwise.
 * AWS's own names (AWS_REGION, AWS_ENDPOINT_URL, ...) are the SDK's and not repeated here.
 */
public final class FunctionEnvironment {

    /** The DynamoDB table of jobs. */
    public static final String TABLE_NAME = "TABLE_NAME";
    /** The SQS queue the api sends jobs to and the worker consumes. */
    public static final String QUEUE_URL = "QUEUE_URL";
    /** The S3 bucket of results. */
    public static final String BUCKET_NAME = "BUCKET_NAME";
    /** The largest job accepted, in digits; required: whoever starts the functions chooses it. */
    public static final String MAX_DIGITS = "MAX_DIGITS";
    /** How long a presigned download link stays valid. */
    public static final String DOWNLOAD_URL_TTL_SECONDS = "DOWNLOAD_URL_TTL_SECONDS";
    /** Five minutes: time enough to start a download, short enough that a shared link soon dies. */
    public static final int DEFAULT_DOWNLOAD_URL_TTL_SECONDS = 300;
    /**
     * S3's ceiling for a presigned URL signed with SigV4: seven days. A link the api signs with its
     * role's temporary credentials ends when they do, which may be much sooner.
     */
    public static final int MAX_DOWNLOAD_URL_TTL_SECONDS = 7 * 24 * 3600;
    /** How long a job record is kept. */
    public static final String JOB_TTL_DAYS = "JOB_TTL_DAYS";
    public static final int DEFAULT_JOB_TTL_DAYS = 7;
    /**
     * How many unfinished jobs that need computing one client (source address) may have; more are
     * refused with 429 until one ends.
     */
    public static final String MAX_UNFINISHED_JOBS_PER_CLIENT = "MAX_UNFINISHED_JOBS_PER_CLIENT";
    /** Enough for a client that polls its jobs one after another, or a few side by side. */
    public static final int DEFAULT_MAX_UNFINISHED_JOBS_PER_CLIENT = 3;
    /**
     * How many digits one client (source address) may ask for in a day (UTC), over all its jobs:
     * each job's result is a copy of its own, which the digit store makes at once and at no other
     * cost, so this is what bounds the bytes a client can have stored. More are refused with 429
     * until the next day.
     */
    public static final String CLIENT_DIGITS_PER_DAY = "CLIENT_DIGITS_PER_DAY";
    /** Ten of the default largest jobs: about 1 GB of results a client a day, kept nine days by default. */
    public static final int DEFAULT_CLIENT_DIGITS_PER_DAY = 1_000_000_000;
    /**
     * How long after its acceptance a job must be final, in minutes: well inside the
     * queue's retention, so no job outlives its message.
     */
    public static final String JOB_DEADLINE_MINUTES = "JOB_DEADLINE_MINUTES";
    /**
     * Three hours: room for every attempt and retry of the largest job (3 attempts of at most
     * 15 min, and the retries' delays), far inside the queue's 14-day retention. The stack sets no
     * other, and its alarm on the queue's oldest message counts on it.
     */
    public static final int DEFAULT_JOB_DEADLINE_MINUTES = 180;
    /**
     * How many worker invocations run at once (the worker's reserved concurrency): the api
     * divides the queued work by it to tell whether a new job could finish before its deadline.
     */
    public static final String WORKER_CONCURRENCY = "WORKER_CONCURRENCY";
    /** The worker function's memory in MB, which sets its CPU share and so its speed, for the same estimate. */
    public static final String WORKER_MEMORY_MB = "WORKER_MEMORY_MB";
    /** The service's name on every log line (Powertools for AWS Lambda). */
    public static final String POWERTOOLS_SERVICE_NAME = "POWERTOOLS_SERVICE_NAME";
    /** {@code true} for S3 emulators, which serve buckets by path, not by host name. */
    public static final String S3_FORCE_PATH_STYLE = "S3_FORCE_PATH_STYLE";

    private FunctionEnvironment() {
    }
}
