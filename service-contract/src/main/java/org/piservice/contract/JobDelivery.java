package org.piservice.contract;

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
     * has the job, a duplicate), so that a job reaches its recorded failure instead of the DLQ.
     */
    public static final int MAX_RECEIVE_COUNT = 5;

    private JobDelivery() {
    }
}
