package org.piservice.contract;

/**
 * What the digit store's code (the functions) and the stack (its bucket rules, grants and
 * dashboard) agree on: where the store's objects live and the names of the worker's store metrics.
 */
public final class DigitStoreNames {

    /**
     * The S3 prefix of the store's objects, beside the results' own prefix: the lifecycle rule that
     * expires results must never reach the store, which is kept until a longer one replaces it.
     */
    public static final String PREFIX = "store/";

    /** Computations that extended (or tried to extend) the store; one per demand, not per job. */
    public static final String METRIC_COMPUTATIONS = "StoreComputations";
    /** Jobs the worker completed by copying a prefix of the store instead of computing. */
    public static final String METRIC_JOBS_SERVED = "JobsServedFromStore";
    /** The store's length in decimals after a computation, a gauge (read its maximum). */
    public static final String METRIC_STORE_DIGITS = "StoreDigits";

    private DigitStoreNames() {
    }
}
