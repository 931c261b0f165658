package org.piservice.jobs;

import java.util.Optional;
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

    private final JobRepository jobs;
    private final SqsClient sqs;
    private final String queueUrl;

    public JobSubmission(JobRepository jobs, SqsClient sqs, ServiceConfig config) {
        this.jobs = jobs;
        this.sqs = sqs;
        this.queueUrl = config.queueUrl();
    }

    /** Starts a job of {@code digits} digits under a new id; the caller has checked the number. */
    public Outcome submit(int digits) {
        String jobId = JobId.newId();
        try {
            jobs.create(jobId, digits);
        } catch (SdkException e) {
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
