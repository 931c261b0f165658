package org.piservice.contract;

/**
 * The custom CloudWatch metrics the functions emit (Embedded Metric Format) and the alarms and
 * dashboard read: an alarm on a name the worker no longer emits would stay green forever.
 */
public final class ServiceMetrics {

    public static final String NAMESPACE = "PiService";
    /** The one dimension of every metric, and its one value. */
    public static final String DIMENSION = "Service";
    public static final String SERVICE = "pi-service";

    /** Jobs completed (count). */
    public static final String JOBS_COMPLETED = "JobsCompleted";
    /** Jobs failed for good (count). */
    public static final String JOBS_FAILED = "JobsFailed";
    /** Jobs failed because their message reached the dead-letter queue (count; also in {@link #JOBS_FAILED}). */
    public static final String JOBS_DEAD_LETTERED = "JobsDeadLettered";
    /** Jobs failed at their deadline, by the sweeper, the worker or the api (count; also in {@link #JOBS_FAILED}). */
    public static final String JOBS_OVERDUE = "JobsOverdue";
    /** Messages the sweeper sent again for open jobs whose message seemed lost (count). */
    public static final String JOBS_REQUEUED = "JobsRequeued";
    /** Jobs the api refused to start, for either reason below (count). */
    public static final String JOBS_REFUSED = "JobsRefused";
    /**
     * Jobs refused with a 503 because the jobs queued already would keep them from finishing by
     * their deadline (count; also in {@link #JOBS_REFUSED}): demand beyond what the workers can do.
     */
    public static final String JOBS_REFUSED_BACKLOG = "JobsRefusedForBacklog";
    /**
     * Jobs refused with a 429 because their client had as many unfinished jobs as it may, and room
     * left in its day for them (count; also in {@link #JOBS_REFUSED}).
     */
    public static final String JOBS_REFUSED_OVER_QUOTA = "JobsRefusedOverQuota";
    /** Jobs refused with a 429 because their client had asked for as many digits today as it may (count; also in {@link #JOBS_REFUSED}). */
    public static final String JOBS_REFUSED_OVER_DIGIT_BUDGET = "JobsRefusedOverDigitBudget";
    /**
     * Refunds of a client's daily digits that failed (count): a job that cost no computation (not
     * started, or ended before any worker claimed it) whose digits its client's day keeps, so that
     * client may be refused early, until midnight UTC.
     */
    public static final String DIGIT_REFUNDS_FAILED = "DigitRefundsFailed";
    /** Digits computed for the jobs completed by computing: the digit store's computation, up to twice a job's (count). */
    public static final String DIGITS_COMPUTED = "DigitsComputed";
    /** Time spent on those computations (seconds). */
    public static final String COMPUTE_SECONDS = "ComputeSeconds";

    /** Computations that extended (or tried to extend) the digit store; one per demand, not per job (count). */
    public static final String STORE_COMPUTATIONS = "StoreComputations";
    /** Jobs the worker completed by copying a prefix of the digit store instead of computing (count). */
    public static final String JOBS_SERVED_FROM_STORE = "JobsServedFromStore";
    /** The digit store's length in decimals after a computation, a gauge (read its maximum). */
    public static final String STORE_DIGITS = "StoreDigits";

    private ServiceMetrics() {
    }
}
