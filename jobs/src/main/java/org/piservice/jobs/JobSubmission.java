package org.piservice.jobs;

import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Starts a job: records it as queued, then sends the message that asks a worker to compute it.
 *
 * <p>The record comes first, so a worker never gets a message for a job the table does not know.
 * When the message cannot be sent the record is withdrawn again: an id its client was never given
 * must not linger as a job that stays queued forever. If a worker has the job already, the message
 * got through although the send reported a failure, and the job stands.
 */
public final class JobSubmission {

    /** What became of a submission. */
    public sealed interface Outcome {
        /** The id the job was (or would have been) recorded under. */
        String jobId();
    }

    /** Complete at once: the digit store holds its digits, and its result is a copy of the store's prefix. */
    public record Served(String jobId) implements Outcome {
    }

    /** Recorded and queued: a worker will compute it. */
    public record Accepted(String jobId) implements Outcome {
    }

    /** The table could not record the job: nothing was created and nothing sent. */
    public record NotRecorded(String jobId, SdkException cause) implements Outcome {
    }

    /**
     * The message could not be sent: the job was withdrawn, or, when {@code withdrawalFailure} says
     * why not, it stays queued until its TTL with no worker and no client that knows it.
     */
    public record NotQueued(String jobId, RuntimeException cause, Optional<RuntimeException> withdrawalFailure)
            implements Outcome {
    }

    private static final Logger LOG = LoggerFactory.getLogger(JobSubmission.class);

    private final JobRepository jobs;
    private final DigitStore store;
    private final SqsClient sqs;
    private final String queueUrl;

    public JobSubmission(JobRepository jobs, DigitStore store, SqsClient sqs, ServiceConfig config) {
        this.jobs = jobs;
        this.store = store;
        this.sqs = sqs;
        this.queueUrl = config.queueUrl();
    }

    /** Starts a job of {@code digits} digits under a new id; the caller has checked the number. */
    public Outcome submit(int digits) {
        String jobId = JobId.newId();
        if (servedFromStore(jobId, digits)) {
            return new Served(jobId);
        }
        try {
            jobs.create(jobId, digits);
        } catch (SdkException e) {
            forgetIfRecorded(jobId, e);
            return new NotRecorded(jobId, e);
        }
        try {
            String body = new JobMessage(jobId, digits).toJson();
            sqs.sendMessage(send -> send.queueUrl(queueUrl).messageBody(body));
        } catch (RuntimeException e) {
            return withdraw(jobId, e);
        }
        return new Accepted(jobId);
    }

    /**
     * Records the job complete when the digit store holds its digits, its result copied inside S3.
     * Should the store be unreachable the job is simply queued: a worker serves or computes it.
     */
    private boolean servedFromStore(String jobId, int digits) {
        String key = ResultStore.resultKey(jobId, digits);
        try {
            if (!store.copyPrefix(digits, key)) {
                return false;
            }
            jobs.createComplete(jobId, digits, key);
            return true;
        } catch (SdkException e) {
            // A copy made before the record failed is left to the results' expiry rule.
            LOG.warn("the digit store could not serve the job; it is queued instead", e);
            return false;
        }
    }

    /**
     * A write that timed out may still have been applied; no client knows the id and no message
     * was sent, so the record must not stay. Should the table still not answer, the record (if it
     * exists) is a queued job without a message, for the sweeper to deal with.
     */
    private void forgetIfRecorded(String jobId, SdkException createFailure) {
        try {
            jobs.deleteIfQueued(jobId);
        } catch (RuntimeException e) {
            createFailure.addSuppressed(e);
        }
    }

    private Outcome withdraw(String jobId, RuntimeException sendFailure) {
        try {
            if (jobs.deleteIfQueued(jobId) || jobs.find(jobId).isEmpty()) {
                return new NotQueued(jobId, sendFailure, Optional.empty());
            }
            return new Accepted(jobId);
        } catch (RuntimeException e) {
            return new NotQueued(jobId, sendFailure, Optional.of(e));
        }
    }
}
