package org.piservice.worker;

import static software.amazon.lambda.powertools.logging.argument.StructuredArguments.entry;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.piservice.contract.JobDelivery;
import org.piservice.contract.ServiceMetrics;
import org.piservice.jobs.DigitStore;
import org.piservice.jobs.EmfMetrics;
import org.piservice.jobs.Job;
import org.piservice.jobs.JobMessage;
import org.piservice.jobs.JobRepository;
import org.piservice.jobs.LogFields;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The dead-letter queue's consumer. A message lands there after {@link JobDelivery#MAX_RECEIVE_COUNT}
 * deliveries that ended without an outcome (throttled claims, crashes before a claim, init
 * failures, an unreadable body): no worker will see it again, so its job is failed here, with the
 * job's last error, instead of staying open until its deadline, unless live work still covers it:
 * a worker holds it (the message was a duplicate, turned away while that worker computes), it was
 * last claimed through another message (a duplicate, while the job waits for that message's next
 * delivery after a failed attempt), or it is listed to wait for a live computation, which
 * completes it (its deliveries were all spent waiting; one that waited unlisted, the list being
 * full, is failed, though eight deliveries span about an hour, longer than a computation), or the
 * digit store covers it by now (a computation stored its digits, and has yet to complete it). Should
 * that work fail after all, the sweeper sends the job's message again. Each failed job is counted
 * ({@link ServiceMetrics#JOBS_DEAD_LETTERED}) and logged with its message, for the alarm's runbook.
 */
public final class DeadLetters {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetters.class);

    private final JobRepository jobs;
    private final Supplier<DigitStore.State> storeState;
    private final EmfMetrics metrics;
    private final Clock clock;

    public DeadLetters(JobRepository jobs, Supplier<DigitStore.State> storeState, EmfMetrics metrics, Clock clock) {
        this.jobs = jobs;
        this.storeState = storeState;
        this.metrics = metrics;
        this.clock = clock;
    }

    /**
     * Fails the job of each message; a message whose job is final already, or that names none,
     * needs nothing more.
     *
     * @return the ids of the messages to leave in the dead-letter queue (recording the failure failed)
     */
    public List<String> process(List<QueueMessage> messages) {
        // One read for the batch, so that a batch of slow calls still fits the function's timeout;
        // what it says of a computation's heartbeat holds as of the read, however long the batch takes
        Instant readAt = clock.instant();
        DigitStore.State state;
        try {
            state = storeState.get();
        } catch (DigitStore.DamagedItem e) {
            // No worker can read it either, so no computation will complete a job listed in it
            LOG.error("The digit store's item cannot be read; no job is taken to wait for a computation", e);
            state = DigitStore.State.EMPTY;
        } catch (RuntimeException e) {
            // Without it a waiting job cannot be told from an abandoned one; the queue keeps them 14 days
            LOG.error("Could not read the digit store; the batch stays for another try", e);
            return messages.stream().map(QueueMessage::messageId).toList();
        }
        List<String> retry = new ArrayList<>();
        for (QueueMessage message : messages) {
            MDC.put(LogFields.MESSAGE_ID, message.messageId());
            try {
                handle(message, state, readAt);
            } catch (RuntimeException e) {
                LOG.error("Failing a dead-lettered message's job failed; the message stays for another try", e);
                retry.add(message.messageId());
            } finally {
                MDC.remove(LogFields.MESSAGE_ID);
                MDC.remove(LogFields.JOB_ID);
            }
        }
        return retry;
    }

    private void handle(QueueMessage message, DigitStore.State state, Instant readAt) {
        Optional<String> jobId;
        Optional<DigitStore.Waiter> waiter = Optional.empty();
        String problem = "";
        try {
            JobMessage job = JobMessage.parse(message.body());
            jobId = Optional.of(job.jobId());
            waiter = Optional.of(new DigitStore.Waiter(job.jobId(), job.digits()));
        } catch (JobMessage.InvalidMessageException e) {
            jobId = e.jobId();
            problem = " (the message was malformed: " + e.getMessage() + ")";
        }
        if (jobId.isEmpty()) {
            LOG.error("A message that names no job reached the dead-letter queue and is dropped: {}", entry("body", message.body()));
            return;
        }
        MDC.put(LogFields.JOB_ID, jobId.get());
        if (waiter.filter(listed -> state.awaits(listed, readAt, JobDelivery.STALE_AFTER)).isPresent()) {
            LOG.info("A dead-lettered message's job waits for a live computation, which completes it");
            return;
        }
        if (waiter.filter(job -> state.covers(job.digits())).isPresent()) {
            // Its computation ended a moment ago, and is completing the jobs that waited for it; one
            // it does not reach, the sweeper sends again, and a worker copies it from the store
            LOG.info("A dead-lettered message's job is covered by the digit store now, which serves it");
            return;
        }
        String lastError = jobs.find(jobId.get()).map(Job::lastError).orElse("");
        String reason = "The job's queue message was delivered " + JobDelivery.MAX_RECEIVE_COUNT
                + " times without an outcome" + problem + lastError;
        if (jobs.failUnheld(jobId.get(), message.messageId(), reason, JobDelivery.STALE_AFTER)) {
            metrics.jobFailed(jobId.get(), ServiceMetrics.JOBS_DEAD_LETTERED);
            LOG.warn("Job failed from the dead-letter queue: {}", reason);
        } else {
            LOG.info("A dead-lettered message's job is final already, gone, held by a live worker, which records"
                    + " how it ends, or claimed through another message, whose deliveries go on");
        }
    }
}
