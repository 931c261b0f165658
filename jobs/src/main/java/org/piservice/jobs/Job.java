package org.piservice.jobs;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * A job as stored in the table. Fields that belong to a later state are null before it.
 *
 * @param jobId the random id
 * @param digits decimals asked for
 * @param status current state
 * @param createdAt when the api accepted it
 * @param startedAt when a worker first claimed it
 * @param finishedAt when it became final (complete, failed or cancelled)
 * @param heartbeatAt when its current worker last showed it is alive; a stale heartbeat lets
 *        another worker take the job over
 * @param progress fraction done, 0..1, while in progress
 * @param error why it failed, or the last retryable error while it is retried
 * @param resultKey S3 key of the result once complete
 * @param resultBytes length of the result object once complete
 * @param attempts how many deliveries of its message a worker has claimed it through
 * @param owner random token of the claim that may work on it now
 * @param expiresAt when DynamoDB's TTL may delete the record
 * @param deadlineAt when the job must be final by; null for records older than deadlines
 * @param requeuedAt when the sweeper last sent the job's message again, taking the first as lost
 * @param releasedAt when a worker last gave the job back for a retry
 * @param expectedStartAt until a worker claims the job, when the work accepted before its latest
 *        message (the api's or the sweeper's) should be done, by the time model, or the computation
 *        it waits for end: till then the message may rightly wait in the queue; null once claimed,
 *        and in records of earlier versions
 * @param chargedTo the client's day its digits count against, as {@link ClientDigitBudget#account}
 *        names it; null in records of earlier versions
 */
public record Job(
        String jobId,
        int digits,
        JobStatus status,
        Instant createdAt,
        Instant startedAt,
        Instant finishedAt,
        Instant heartbeatAt,
        Double progress,
        String error,
        String resultKey,
        Long resultBytes,
        int attempts,
        String owner,
        Instant expiresAt,
        Instant deadlineAt,
        Instant requeuedAt,
        Instant releasedAt,
        Instant expectedStartAt,
        String chargedTo) {

    /** Time from acceptance to the end, or to {@code now} while the job is not finished. */
    public Duration elapsed(Instant now) {
        Instant end = finishedAt != null ? finishedAt : now;
        return end.isBefore(createdAt) ? Duration.ZERO : Duration.between(createdAt, end);
    }

    /**
     * Whether the record has outlived its TTL. DynamoDB deletes such items only eventually (within
     * days), and their results may be gone already, so readers treat them as deleted.
     */
    public boolean expired(Instant now) {
        return expiresAt != null && !expiresAt.isAfter(now);
    }

    /** Whether the job should have been final by {@code now}. */
    public boolean isOverdue(Instant now) {
        return deadlineAt != null && !now.isBefore(deadlineAt);
    }

    /**
     * The last sign of life: its acceptance, its worker's heartbeat, a worker's giving it back for a
     * retry (which zeroes the heartbeat), or the sweeper's re-sending.
     */
    public Instant lastActivity() {
        Instant last = createdAt;
        for (Instant instant : new Instant[] {heartbeatAt, releasedAt, requeuedAt}) {
            if (instant != null && instant.isAfter(last)) {
                last = instant;
            }
        }
        return last;
    }

    /** Why a job that is still open at its deadline is failed, with the last attempt's error if any. */
    public String overdueReason() {
        return "Not finished by its deadline, " + Duration.between(createdAt, deadlineAt).toMinutes()
                + " minutes after it was accepted" + lastError();
    }

    /** {@code "; the last attempt failed with: <error>"}, the end of a failure's reason; empty when none failed. */
    public String lastError() {
        return errorMessage().map(error -> "; the last attempt failed with: " + error).orElse("");
    }

    public Optional<String> errorMessage() {
        return Optional.ofNullable(error);
    }

    /** Length of a complete result: {@code 3.} and the decimals. */
    public static long resultLength(long digits) {
        return digits + 2;
    }
}
