package org.piservice.worker;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.piservice.contract.ServiceMetrics;
import org.piservice.jobs.EmfMetrics;
import org.piservice.jobs.Job;
import org.piservice.jobs.JobMessage;
import org.piservice.jobs.JobRepository;
import org.piservice.jobs.JobStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Run every few minutes, the backstop that bounds every job: it fails each open job whose
 * deadline has passed, and sends the message of an open job that nothing has touched for
 * {@link #REQUEUE_AFTER} again (no worker holds it, and no delivery has claimed it: its message is
 * taken to be lost, e.g. the api's send was lost or a batch's later messages died with their worker).
 * A duplicate message is harmless: the claim lets one delivery work on the job.
 *
 * <p>It reads the open jobs from the sparse index of them ({@code Storage.PENDING_INDEX}), so a
 * sweep costs reads in proportion to the backlog, not to every job the table still keeps, as a
 * scan of the table would.
 */
public final class JobSweeper {

    /**
     * Longer than any wait a live message has between deliveries: the longest retry delay (15 min)
     * and a crashed attempt's return (the invocation's rest and the heartbeat's staleness, 16 min).
     */
    public static final Duration REQUEUE_AFTER = Duration.ofMinutes(20);

    private static final Logger LOG = LoggerFactory.getLogger(JobSweeper.class);

    /** What one sweep did. */
    public record Sweep(int open, int failed, int requeued) {
    }

    private final JobRepository jobs;
    private final SqsClient sqs;
    private final String queueUrl;
    private final Duration staleAfter;
    private final Duration requeueAfter;
    private final EmfMetrics metrics;
    private final Clock clock;

    public JobSweeper(JobRepository jobs, SqsClient sqs, String queueUrl, Duration staleAfter, Duration requeueAfter,
                      EmfMetrics metrics, Clock clock) {
        this.jobs = jobs;
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        this.staleAfter = staleAfter;
        this.requeueAfter = requeueAfter;
        this.metrics = metrics;
        this.clock = clock;
    }

    public Sweep sweep() {
        int open = 0;
        int failed = 0;
        int requeued = 0;
        for (Job job : jobs.openJobs()) {
            open++;
            MDC.put("job_id", job.jobId());
            try {
                Instant now = clock.instant();
                if (job.status().isFinal()) {
                    jobs.closeIfFinal(job.jobId());
                } else if (job.isOverdue(now)) {
                    if (jobs.failOverdue(job.jobId(), job.overdueReason())) {
                        failed++;
                        metrics.jobFailed(job.jobId(), ServiceMetrics.JOBS_OVERDUE);
                        LOG.warn("Job failed at its deadline: {}", job.overdueReason());
                    }
                } else if (idle(job, now) && jobs.markRequeued(job)) {
                    sqs.sendMessage(send -> send.queueUrl(queueUrl).messageBody(new JobMessage(job.jobId(), job.digits()).toJson()));
                    requeued++;
                    metrics.jobRequeued(job.jobId());
                    LOG.warn("Job untouched since {}; its message was sent again", job.lastActivity());
                }
            } catch (RuntimeException e) {
                // The next sweep tries again; one job's trouble must not stop the rest.
                LOG.error("Sweeping the job failed", e);
            } finally {
                MDC.remove("job_id");
            }
        }
        LOG.info("Sweep done: {} open, {} failed at their deadline, {} sent again", open, failed, requeued);
        return new Sweep(open, failed, requeued);
    }

    /** No live worker holds the job, and nothing has happened to it for {@link #requeueAfter}. */
    private boolean idle(Job job, Instant now) {
        boolean unheld = job.status() == JobStatus.QUEUED
                || job.heartbeatAt() == null || job.heartbeatAt().isBefore(now.minus(staleAfter));
        return unheld && job.lastActivity().isBefore(now.minus(requeueAfter));
    }
}
