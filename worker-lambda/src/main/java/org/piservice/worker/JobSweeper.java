package org.piservice.worker;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.piservice.jobs.Backlog;
import org.piservice.jobs.CallDeadline;
import org.piservice.jobs.DigitStore;
import org.piservice.jobs.EmfMetrics;
import org.piservice.jobs.Job;
import org.piservice.jobs.JobMessage;
import org.piservice.jobs.JobRepository;
import org.piservice.jobs.JobStatus;
import org.piservice.jobs.LogFields;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Run every few minutes, the backstop that bounds every job: it fails each open job whose
 * deadline has passed, and sends the message of an open job that nothing has touched for
 * {@link #REQUEUE_AFTER} again (no worker holds it, and no delivery has claimed it: its message is
 * taken to be lost, e.g. the api's send was lost or a batch's later messages died with their worker).
 * A job's message may rightly wait behind the work accepted before it, so the allowance runs from
 * when it was expected to be taken: the later of the wait the work ahead explains now
 * ({@link Backlog#waitsAhead}) and the job's {@link Job#expectedStartAt()}, reckoned when the
 * message was sent; a long backlog the api admitted does not get its messages sent again while it
 * is worked through. A duplicate message is harmless all the same: the claim lets one delivery
 * work on the job.
 *
 * <p>It reads the open jobs from the sparse index of them ({@code Storage.PENDING_INDEX}), so a
 * sweep costs reads in proportion to the backlog, not to every job the table still keeps, as a
 * scan of the table would.
 */
public final class JobSweeper {

    /**
     * Longer than any wait the message of a started attempt has between deliveries: the longest retry delay
     * ({@link org.piservice.contract.JobDelivery#MAX_RETRY_SECONDS}) and a crashed attempt's return
     * (the rest of an invocation of up to {@link org.piservice.contract.JobDelivery#LAMBDA_MAX_TIMEOUT_SECONDS},
     * then the heartbeat's {@link org.piservice.contract.JobDelivery#STALE_AFTER}); JobLifecycleTest
     * holds it to that. A message whose invocation failed before reading it comes back only after
     * the queue's visibility timeout, so the copy sent meanwhile is a duplicate, which a worker
     * turns away.
     */
    public static final Duration REQUEUE_AFTER = Duration.ofMinutes(20);
    /**
     * The longest one job's sweep takes, each call within its client's budget, and the answer after
     * them: its message sent and its record written, or its failure written, read again (a write
     * the SDK retried and the table refused may have been this one's own) and, for a job no worker
     * claimed, its digits given back to its client's day.
     */
    static final Duration JOB_SWEEP_TIME = max(
            WorkerClients.BUDGETS.sqs().callTimeout().plus(WorkerClients.BUDGETS.dynamoDb().callTimeout()),
            WorkerClients.BUDGETS.dynamoDb().callTimeout().multipliedBy(3)).plus(CallDeadline.ANSWER_RESERVE);

    private static final Logger LOG = LoggerFactory.getLogger(JobSweeper.class);

    /** What one sweep did. */
    public record Sweep(int open, int failed, int requeued) {
    }

    private final JobRepository jobs;
    private final Backlog backlog;
    private final SqsClient sqs;
    private final String queueUrl;
    private final Duration staleAfter;
    private final Duration requeueAfter;
    private final EmfMetrics metrics;
    private final Clock clock;

    public JobSweeper(JobRepository jobs, Backlog backlog, SqsClient sqs, String queueUrl, Duration staleAfter,
                      Duration requeueAfter, EmfMetrics metrics, Clock clock) {
        this.jobs = jobs;
        this.backlog = backlog;
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        this.staleAfter = staleAfter;
        this.requeueAfter = requeueAfter;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** As {@link #sweep(Deadline)}, with no time limit: a schedule that does not stop its runs (the local run's). */
    public Sweep sweep() {
        return sweep(() -> ChronoUnit.FOREVER.getDuration());
    }

    /**
     * Sweeps every open job, each on its own: one job's trouble does not stop the rest. Jobs that
     * need calls it has no time left for ({@link #JOB_SWEEP_TIME}) are left for the next sweep, the
     * earliest deadlines being swept first.
     *
     * @throws IllegalStateException after the sweep, when some jobs could not be swept (or were left
     *         for lack of time), or the digit store's item could not be read: a run that ends normally
     *         would hide from the sweeper's error alarm that it fails or re-sends nothing, or that no
     *         job is served from the store
     */
    public Sweep sweep(Deadline deadline) {
        int open = 0;
        int leftForTime = 0;
        int failed = 0;
        int requeued = 0;
        JobRepository.OpenJobs listed = jobs.openJobs();
        // Records it cannot read fail the run once the others are swept, for the error alarm to see.
        int errors = listed.unreadable().size();
        open += errors;
        List<Job> openJobs = listed.jobs();
        Map<String, Duration> waits = Map.of();
        Optional<DigitStore.DamagedItem> damagedStore = Optional.empty();
        try {
            waits = backlog.waitsAhead(openJobs);
        } catch (DigitStore.DamagedItem e) {
            // Jobs go on completing without the store (each computed for itself), so this run's
            // failure may be the only alarm an operator gets of it; logged now too, should the run
            // time out before it ends.
            LOG.error("The open jobs are swept without the waits the digit store explains", e);
            damagedStore = Optional.of(e);
        } catch (SdkException e) {
            LOG.warn("could not read the digit store; jobs are sent again {} after their expected start, as if no work"
                    + " were ahead of them now", requeueAfter, e);
        }
        for (Job job : openJobs) {
            open++;
            Instant now = clock.instant();
            Duration wait = waits.getOrDefault(job.jobId(), Duration.ZERO);
            boolean ended = job.status().isFinal();
            boolean overdue = !ended && job.isOverdue(now);
            boolean lost = !ended && !overdue && idle(job, now, wait);
            if (!ended && !overdue && !lost) {
                continue;
            }
            if (deadline.remaining().compareTo(JOB_SWEEP_TIME) < 0) {
                leftForTime++;
                continue;
            }
            MDC.put(LogFields.JOB_ID, job.jobId());
            try {
                if (ended) {
                    jobs.closeIfFinal(job.jobId());
                } else if (overdue) {
                    if (jobs.failOverdue(job)) {
                        failed++;
                    }
                } else {
                    sendAgain(job, now.plus(wait));
                    requeued++;
                    metrics.jobRequeued(job.jobId());
                }
            } catch (RuntimeException e) {
                errors++;
                LOG.error("Sweeping the job failed; the next sweep tries again", e);
            } finally {
                MDC.remove(LogFields.JOB_ID);
            }
        }
        LOG.info("Sweep done: {} open, {} failed at their deadline, {} sent again, {} left for lack of time", open,
                failed, requeued, leftForTime);
        if (errors + leftForTime > 0) {
            throw new IllegalStateException((errors + leftForTime) + " of " + open + " open jobs could not be swept ("
                    + (leftForTime > 0 ? leftForTime + " for lack of time; " : "") + failed + " failed at their deadline, "
                    + requeued + " sent again); the next sweep tries again", damagedStore.orElse(null));
        }
        if (damagedStore.isPresent()) {
            throw new IllegalStateException(damagedStore.get().getMessage() + ". The " + open + " open jobs were"
                    + " swept without the waits it explains (" + failed + " failed at their deadline, " + requeued
                    + " sent again)", damagedStore.get());
        }
        return new Sweep(open, failed, requeued);
    }

    /**
     * Sends the job's message, then records it as the job's, expected to be taken at
     * {@code expectedStart}. In that order, no failure between the two leaves the job unsent: a
     * record that fails, or whose sweep dies, leaves the job idle for the next sweep to send again,
     * and a duplicate is harmless.
     */
    private void sendAgain(Job job, Instant expectedStart) {
        String messageId = sqs.sendMessage(send -> send.queueUrl(queueUrl)
                .messageBody(new JobMessage(job.jobId(), job.digits()).toJson())).messageId();
        if (jobs.markRequeued(job, messageId, expectedStart)) {
            LOG.warn("Job untouched since {}; its message was sent again", job.lastActivity());
        } else {
            LOG.info("Job untouched since {} as read, but touched before the message sent again was recorded as its"
                    + " (a claim, perhaps through that message): the job keeps the message it has", job.lastActivity());
        }
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    /**
     * No live worker holds the job, and nothing has happened to it for {@link #requeueAfter} beyond
     * when its message was expected to be taken: after the {@code wait} the work ahead of it
     * explains now, and after the start expected when that message was sent. The second counts the
     * work done since, which the first, shrinking as it is done, would count as time lost.
     */
    private boolean idle(Job job, Instant now, Duration wait) {
        boolean unheld = job.status() == JobStatus.QUEUED
                || job.heartbeatAt() == null || job.heartbeatAt().isBefore(now.minus(staleAfter));
        Instant expected = job.lastActivity().plus(wait);
        if (job.expectedStartAt() != null && job.expectedStartAt().isAfter(expected)) {
            expected = job.expectedStartAt();
        }
        return unheld && expected.isBefore(now.minus(requeueAfter));
    }
}
