package org.piservice.jobs;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.piservice.contract.JobDelivery;
import org.piservice.core.ComputeTimeModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Whether the work the service has accepted leaves a new job time to finish before its deadline,
 * so that the api refuses it at once (503 with {@code Retry-After}) rather than accepting a job
 * that would fail at its deadline.
 *
 * <p>The work is read from the open jobs' index: each open job costs what the engine's time model
 * says for its digits, less the share its worker has done; a job the digit store or a live
 * computation covers costs nothing more. The workers share the work, so a new job starts after
 * about {@code work / workers} and ends its own estimate later. A job that would not fit in its
 * deadline even with no backlog is no matter of the backlog and is not refused here.
 *
 * <p>A reading is kept for {@link #REFRESH}: an instance makes two calls (one page of the index,
 * the store's item) every few seconds at most, not two per request. The jobs it accepts meanwhile
 * are added to its reading, so that a burst on one instance counts itself. A reading is one page
 * of the index (DynamoDB's 1 MB, several thousand job records, the oldest first); beyond it the
 * work is taken to be what was read, a lower bound, which can admit too much but never refuses
 * too much. When the reading fails, the last one stands: the
 * check is a courtesy to clients, the deadline and the sweeper remain what bounds a job.
 */
public final class Backlog {

    /** How long a reading of the backlog is used. */
    public static final Duration REFRESH = Duration.ofSeconds(5);
    private static final Logger LOG = LoggerFactory.getLogger(Backlog.class);

    /**
     * Why a job does not fit now.
     *
     * @param startsAfter how long the work queued ahead of it would keep every worker busy
     * @param deadline how long after its acceptance a job must be final
     * @param retryAfter how long until enough of that work is done for the job to fit
     */
    public record Overload(Duration startsAfter, Duration deadline, Duration retryAfter) {
    }

    private final JobRepository jobs;
    private final Supplier<DigitStore.State> storeState;
    private final ComputeTimeModel model;
    private final int workers;
    private final Duration deadline;
    private final Clock clock;

    private Instant readAt;
    private Duration work = Duration.ZERO;

    public Backlog(JobRepository jobs, Supplier<DigitStore.State> storeState, ServiceConfig config, Clock clock) {
        this.jobs = jobs;
        this.storeState = storeState;
        this.model = ComputeTimeModel.forLambdaMemory(config.workerMemoryMb());
        this.workers = config.workerConcurrency();
        this.deadline = config.jobDeadline();
        this.clock = clock;
    }

    /**
     * Why a job of {@code digits} would not finish before its deadline if accepted now, when it
     * would start after {@code startsAfter} ({@link #startsAfter()}); empty when it would.
     */
    public Optional<Overload> overload(int digits, Duration startsAfter) {
        Duration estimate = model.estimate(digits);
        if (estimate.compareTo(deadline) >= 0) {
            // No wait would make it fit: the worker fails it at once, saying so.
            return Optional.empty();
        }
        Duration late = startsAfter.plus(estimate).minus(deadline);
        if (startsAfter.isZero() || late.isNegative() || late.isZero()) {
            return Optional.empty();
        }
        Duration retryAfter = late.compareTo(startsAfter) < 0 ? late : startsAfter;
        return Optional.of(new Overload(startsAfter, deadline, retryAfter));
    }

    /** How long the work accepted so far keeps every worker busy: when a job accepted now should start. */
    public synchronized Duration startsAfter() {
        Instant now = clock.instant();
        if (readAt == null || !now.isBefore(readAt.plus(REFRESH))) {
            read(now);
        }
        return work.dividedBy(workers);
    }

    /**
     * How long the work accepted before each of {@code open} (the open jobs, earliest deadline and
     * so earliest accepted first, as {@link JobRepository#openJobs()} lists them) keeps every
     * worker busy: how long its message may wait in the queue behind that work, by the time model.
     */
    public Map<String, Duration> waitsAhead(List<Job> open) {
        DigitStore.State state = storeState.get();
        Instant now = clock.instant();
        Map<String, Duration> waits = new HashMap<>();
        Duration ahead = Duration.ZERO;
        for (Job job : open) {
            waits.put(job.jobId(), ahead.dividedBy(workers));
            ahead = ahead.plus(remaining(job, state, now));
        }
        return waits;
    }

    /** Counts a job this instance accepted until the next reading, which finds it in the index. */
    public synchronized void accepted(int digits) {
        work = work.plus(model.estimate(digits));
    }

    private void read(Instant now) {
        readAt = now;
        try {
            // The query first: when DynamoDB hangs, one call's budget is lost here, not two.
            List<Job> open = jobs.openJobsFirstPage();
            DigitStore.State state = storeState.get();
            Duration total = Duration.ZERO;
            for (Job job : open) {
                total = total.plus(remaining(job, state, now));
            }
            work = total;
        } catch (SdkException | DigitStore.DamagedItem e) {
            LOG.warn("could not read the backlog; the last reading stands until the next", e);
        }
    }

    /** The computing still to do for {@code job}, by the time model. */
    private Duration remaining(Job job, DigitStore.State state, Instant now) {
        boolean nothingToCompute = job.status().isFinal() || job.isOverdue(now) || state.covers(job.digits())
                || job.status() == JobStatus.QUEUED
                        && state.computingBy(job.digits(), job.deadlineAt(), now, JobDelivery.STALE_AFTER);
        if (nothingToCompute) {
            return Duration.ZERO;
        }
        double done = job.progress() == null ? 0 : job.progress();
        return Duration.ofMillis(Math.round(model.estimate(job.digits()).toMillis() * (1 - done)));
    }
}
