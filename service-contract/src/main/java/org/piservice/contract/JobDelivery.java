package org.piservice.contract;

import java.time.Duration;

/**
 * How often a job is tried, as the worker counts it and as the queue counts it. The worker must
 * give up on a job itself (and record why) before SQS gives up on its message: see
 * {@link #MAX_RECEIVE_COUNT}.
 */
public final class JobDelivery {

    /** Claims of a job (its computations started) before the worker fails it for good. */
    public static final int MAX_ATTEMPTS = 3;
    /**
     * Deliveries of a message before SQS moves it to the dead-letter queue. The worker needs
     * {@link #MAX_ATTEMPTS} deliveries to run the attempts and one more to fail a job whose last
     * attempt crashed; the rest are spare, for deliveries that claim nothing (another worker still
     * has the job, a duplicate, a job waiting for the digit store), so that a job reaches its
     * recorded failure instead of the DLQ. A retry comes back after {@link #retryDelay}, so these
     * deliveries span about an hour, not the queue's visibility timeout each.
     */
    public static final int MAX_RECEIVE_COUNT = 8;
    /** The first retry's delay; each further one waits {@link #RETRY_GROWTH} times longer. */
    public static final int FIRST_RETRY_SECONDS = 5;
    public static final int RETRY_GROWTH = 4;
    /** Lambda's longest run. */
    public static final int LAMBDA_MAX_TIMEOUT_SECONDS = 900;
    /** The longest delay before a retry: a Lambda run's length, so that a crashed attempt has surely ended. */
    public static final int MAX_RETRY_SECONDS = LAMBDA_MAX_TIMEOUT_SECONDS;
    /** Messages per worker invocation: one, so that each job has a whole invocation's time. */
    public static final int WORKER_BATCH_SIZE = 1;
    /** Messages per invocation of the dead-letter queue's consumer, which fails each one's job. */
    public static final int DEAD_LETTER_BATCH_SIZE = 10;
    /**
     * The longest a worker function's DynamoDB call may take, its retries included (the worker's
     * and the dead-letter consumer's clients' budget), so that a slow table costs a known time.
     */
    public static final int WORKER_DYNAMODB_CALL_SECONDS = 8;
    /**
     * The dead-letter consumer's timeout: a batch of {@link #DEAD_LETTER_BATCH_SIZE} messages, each
     * a read and a write of its job, then, when the SDK sent the write again and it was refused, a
     * read of whether the first try made it, and the refund of its client's digits when the write
     * was its own (JobRepository), and one read of the digit store's item; every call taking its
     * whole {@link #WORKER_DYNAMODB_CALL_SECONDS} when DynamoDB is slow, which is when messages are
     * dead-lettered; and 12 s more for the function's start and its log. The dead-letter queue hides
     * a message for {@link #VISIBILITY_TIMEOUTS_PER_RUN} of these, as the job queue does for the worker.
     */
    public static final int DEAD_LETTER_TIMEOUT_SECONDS =
            (DEAD_LETTER_BATCH_SIZE * 4 + 1) * WORKER_DYNAMODB_CALL_SECONDS + 12;
    /** SQS hides a received message six worker timeouts long, as AWS advises for queues that feed a function. */
    public static final int VISIBILITY_TIMEOUTS_PER_RUN = 6;
    /** The dead-letter queue's visibility timeout, deployed and local. */
    public static final Duration DEAD_LETTER_VISIBILITY_TIMEOUT = visibilityTimeout(DEAD_LETTER_TIMEOUT_SECONDS);
    /** How long the queue keeps a message: SQS's maximum, far beyond any job's deadline. */
    public static final int QUEUE_RETENTION_DAYS = 14;
    /**
     * How old a worker's last heartbeat (on the job it claimed, on the digit store's lease) may be
     * before the worker is taken for dead: another worker may then take its job over, and the api
     * no longer counts on its computation for the jobs it covers. Many heartbeat intervals, so
     * that a slow write never lets two workers compute one job.
     */
    public static final Duration STALE_AFTER = Duration.ofSeconds(60);
    /**
     * What a worker keeps back of its invocation to abort an upload and record a job's failure
     * (the worker's budgets of those calls): it starts no computation that its time model says
     * would end later, so the deployment must not promise one either.
     */
    public static final Duration CLEANUP_RESERVE = Duration.ofSeconds(40);
    /** The shortest worker timeout a deployment may have: the {@link #CLEANUP_RESERVE} and a short computation. */
    public static final int MIN_WORKER_TIMEOUT_SECONDS = 60;
    /**
     * How often the sweeper runs, deployed (its schedule) and locally: a job open at its deadline
     * is failed at most this long after it, unless a client asks about it first.
     */
    public static final Duration SWEEP_INTERVAL = Duration.ofMinutes(5);

    /**
     * How long a message received {@code receiveCount} times stays hidden before its next
     * delivery: 5 s, 20 s, 80 s, 320 s, then 15 min.
     */
    public static int retryDelaySeconds(int receiveCount) {
        long delay = FIRST_RETRY_SECONDS;
        for (int i = 1; i < receiveCount && delay < MAX_RETRY_SECONDS; i++) {
            delay *= RETRY_GROWTH;
        }
        return (int) Math.min(delay, MAX_RETRY_SECONDS);
    }


    /** How long a queue that feeds a function of this timeout hides a received message. */
    public static Duration visibilityTimeout(int functionTimeoutSeconds) {
        return Duration.ofSeconds((long) VISIBILITY_TIMEOUTS_PER_RUN * functionTimeoutSeconds);
    }

    private JobDelivery() {
    }
}
