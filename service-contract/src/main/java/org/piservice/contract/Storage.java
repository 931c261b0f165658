package org.piservice.contract;

/**
 * What the job table and the result bucket look like to everyone who touches them: the stack
 * creates them (infra-cdk), the functions read and write them (jobs), and the local resources
 * mirror them (local-emulators). A rename here reaches all three.
 */
public final class Storage {

    /** The job table's partition key, a string: the job id. */
    public static final String TABLE_KEY = "job_id";
    /** The job table's TTL attribute, in epoch seconds: DynamoDB deletes a record some time after it. */
    public static final String TTL_ATTRIBUTE = "expires_at";
    /**
     * The key prefix of every result object: the bucket's lifecycle rule expires it and the
     * functions' grants are limited to it.
     */
    public static final String RESULT_PREFIX = "results/";

    /**
     * The key prefix of the digit store's objects, beside the results' own prefix: the lifecycle
     * rule that expires results must never reach the store, which is kept until a longer one
     * replaces it.
     */
    public static final String DIGIT_STORE_PREFIX = "store/";

    /**
     * When a job must be final by, in epoch milliseconds: set when the job is accepted; the worker
     * refuses to start a job past it and the sweeper fails whatever is still open after it.
     */
    public static final String DEADLINE_ATTRIBUTE = "deadline_at";
    /**
     * Present (a string, {@link #PENDING_VALUE}) only while a job is open (queued or in progress):
     * the partition key of {@link #PENDING_INDEX}, which therefore holds the open jobs alone.
     */
    public static final String PENDING_ATTRIBUTE = "pending";
    /** The one value of {@link #PENDING_ATTRIBUTE}. */
    public static final String PENDING_VALUE = "open";
    /**
     * A sparse global secondary index of the open jobs by {@link #PENDING_ATTRIBUTE} and
     * {@link #DEADLINE_ATTRIBUTE} (a number): the sweeper reads the open jobs in deadline order
     * without scanning the table's finished ones.
     */
    public static final String PENDING_INDEX = "pending-by-deadline";

    private Storage() {
    }
}
