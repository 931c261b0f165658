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

    private Storage() {
    }
}
