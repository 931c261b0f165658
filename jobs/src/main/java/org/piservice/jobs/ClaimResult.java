package org.piservice.jobs;

/** What happened when a worker tried to claim a job. */
public sealed interface ClaimResult {

    /** The worker owns the job now and may compute it. */
    record Claimed(Job job) implements ClaimResult {
    }

    /** Another worker owns the job and its heartbeat is fresh. */
    record Busy(Job job) implements ClaimResult {
    }

    /** The job is final already (complete, failed or cancelled); nothing may change it. */
    record Finished(Job job) implements ClaimResult {
    }

    /** No such job (never created, or expired and deleted). */
    record NotFound(String jobId) implements ClaimResult {
    }
}
