package org.piservice.jobs;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Optional;
import org.piservice.contract.JobDelivery;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Starts a job: records it as queued, then sends the message that asks a worker to compute it.
 *
 * <p>The record comes first, so a worker never gets a message for a job the table does not know.
 * When the message cannot be sent the record is withdrawn again: an id its client was never given
 * must not linger as a job that stays queued forever. If a worker has the job already, the message
 * got through although the send reported a failure, and the job stands.
 *
 * <p>A request with an {@code Idempotency-Key} that was answered already gets its job again
 * ({@link IdempotencyKeys}). Every job's digits count against its client's day
 * ({@link ClientDigitBudget}), charged just before its copy or its message, and taken back when
 * the job does not start after all. A job that needs
 * computing must be able to finish before its deadline
 * behind the work queued already ({@link Backlog}), and, once recorded, fit its client's share of
 * the workers ({@link ClientQuota}), or its record is deleted again. Jobs the digit store serves
 * at once, and jobs that will wait for a computation that is running already, cost no worker and
 * are neither refused for the backlog nor counted in the quota.
 */
public final class JobSubmission {

    /**
     * A request for a job.
     *
     * @param digits decimals asked for; the caller has checked the number
     * @param client who asks (API Gateway's source address): the scope of quotas and keys
     * @param idempotencyKey the request's {@code Idempotency-Key}, if it has one
     */
    public record Request(int digits, String client, Optional<String> idempotencyKey) {
    }

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

    /** The request repeats one with the same idempotency key and digits, which made {@code jobId}. */
    public record Repeated(String jobId) implements Outcome {
    }

    /** A request with the same idempotency key is still being answered; nothing was done. */
    public record KeyInFlight(String jobId) implements Outcome {
    }

    /** The idempotency key was used for a request for {@code usedForDigits} digits; nothing was done. */
    public record KeyMismatch(String jobId, int usedForDigits) implements Outcome {
    }

    /** The client has {@code limit} unfinished jobs that need computing already; nothing was done. */
    public record OverQuota(String jobId, int limit) implements Outcome {
    }

    /**
     * The client has asked for {@code limit} digits today already, or would with this job's;
     * nothing was done, and it may ask again at {@code nextDay}.
     */
    public record OverDigitBudget(String jobId, int limit, Instant nextDay) implements Outcome {
    }

    /** The work queued ahead of the job would keep it from finishing before its deadline; nothing was done. */
    public record Backlogged(String jobId, Backlog.Overload overload) implements Outcome {
    }

    /**
     * The table could not record the job: nothing was sent, and no client learns of a record. (A
     * job the digit store served may have its complete record and result after all, unconfirmed:
     * the record's expiry and the results' rule delete them.)
     */
    public record NotRecorded(String jobId, SdkException cause) implements Outcome {
    }

    /** The message could not be sent, and the job was withdrawn: nothing is left of it. */
    public record NotQueued(String jobId, RuntimeException cause) implements Outcome {
    }

    private static final Logger LOG = LoggerFactory.getLogger(JobSubmission.class);

    private final JobRepository jobs;
    private final DigitStore store;
    private final IdempotencyKeys keys;
    private final ClientQuota quota;
    private final ClientDigitBudget budget;
    private final Backlog backlog;
    private final SqsClient sqs;
    private final String queueUrl;
    private final Duration jobDeadline;
    private final Clock clock;

    /**
     * With the job records, idempotency keys, client quota and digit budget that {@code dynamoDb}
     * keeps in the jobs table; the budget's failed refunds counted in {@code metrics}.
     */
    public JobSubmission(DigitStore store, DynamoDbClient dynamoDb, SqsClient sqs, ServiceConfig config, Clock clock,
                         EmfMetrics metrics) {
        this.jobs = new JobRepository(dynamoDb, config, clock, metrics);
        this.store = store;
        this.keys = new IdempotencyKeys(dynamoDb, jobs, config, clock);
        this.quota = new ClientQuota(dynamoDb, jobs, config, clock);
        this.budget = new ClientDigitBudget(dynamoDb, config, clock, metrics);
        this.backlog = new Backlog(jobs, store::state, config, clock);
        this.sqs = sqs;
        this.queueUrl = config.queueUrl();
        this.jobDeadline = config.jobDeadline();
        this.clock = clock;
    }

    /**
     * Starts the job {@code request} asks for under a new id, or says why not. The lines logged
     * meanwhile carry that id, as a job's lines do (docs/OPERATIONS.md), so that a refusal's or a
     * failure's warnings can be found with the job's.
     */
    public Outcome submit(Request request) {
        String jobId = JobId.newId();
        try (MDC.MDCCloseable logged = MDC.putCloseable(LogFields.JOB_ID, jobId)) {
            return submit(jobId, request);
        }
    }

    private Outcome submit(String jobId, Request request) {
        Optional<String> key = request.idempotencyKey();
        if (key.isPresent()) {
            IdempotencyKeys.Use use;
            try {
                use = keys.reserve(request.client(), key.get(), request.digits(), jobId);
            } catch (SdkException e) {
                // The reservation may have been written, its answer lost: the retry the answer asks
                // for would find the key held, and be told the request is still being answered.
                return settled(request, new NotRecorded(jobId, e));
            }
            switch (use) {
                case IdempotencyKeys.Use.Repeat repeat -> {
                    return new Repeated(repeat.jobId());
                }
                case IdempotencyKeys.Use.InFlight inFlight -> {
                    return new KeyInFlight(jobId);
                }
                case IdempotencyKeys.Use.Mismatch mismatch -> {
                    return new KeyMismatch(jobId, mismatch.digits());
                }
                case IdempotencyKeys.Use.First first -> {
                }
            }
        }
        DayCharge charge = new DayCharge();
        Outcome outcome;
        try {
            outcome = start(jobId, request, charge);
        } catch (RuntimeException | Error e) {
            charge.refundQuietly(jobId);
            throw e;
        }
        settled(request, outcome);
        if (!(outcome instanceof Served || outcome instanceof Accepted)) {
            charge.refundQuietly(jobId);
        }
        return outcome;
    }

    /** Settles the request's idempotency key, if it has one, by {@code outcome}, which it returns. */
    private Outcome settled(Request request, Outcome outcome) {
        // With the finishing calls' reserve: a key left reserved answers its client's retries 409 for a while.
        request.idempotencyKey().ifPresent(k -> CallDeadline.finishing(() -> settleKey(request.client(), k, outcome)));
        return outcome;
    }

    /**
     * The request's charge against its client's day ({@link ClientDigitBudget}), made once, just
     * before the step that costs the digits (the copy, or the message to a worker), so that a request
     * refused or failed before it costs nothing; a job the store was to serve and that is queued
     * instead keeps the charge it had. Taken back when the job does not start, after the key's
     * settling, which a client's retry needs more.
     */
    private final class DayCharge {
        /** The request's day, fixed once, so that its job's record names the day its charge is made on. */
        private final LocalDate day = budget.today();
        private ClientDigitBudget.Charge charge;

        /** Whose day the charge counts against, for the job's record ({@link Job#chargedTo()}). */
        String account(Request request) {
            return ClientDigitBudget.account(request.client(), day);
        }

        /** Charges the request, unless it is already: empty, or the outcome that refuses the job. */
        Optional<Outcome> make(String jobId, Request request) {
            if (charge != null) {
                return Optional.empty();
            }
            try {
                ClientDigitBudget.Charge made = budget.charge(request.client(), day, request.digits());
                charge = made.admitted() ? made : null;
                return refusedBy(jobId, made);
            } catch (SdkException e) {
                return Optional.of(new NotRecorded(jobId, e));
            }
        }

        /**
         * The refusal the day would give the request now, by a read that charges nothing; empty when
         * a read fails, or when the day has admitted the request already (a job the store was to
         * serve, queued instead): the read would count its digits twice.
         */
        Optional<Outcome> refusal(String jobId, Request request) {
            if (charge != null) {
                return Optional.empty();
            }
            try {
                return refusedBy(jobId, budget.probe(request.client(), day, request.digits()));
            } catch (SdkException e) {
                return Optional.empty();
            }
        }

        /** The day's refusal, when {@code answer} refuses the charge. */
        private Optional<Outcome> refusedBy(String jobId, ClientDigitBudget.Charge answer) {
            return answer.admitted() ? Optional.empty()
                    : Optional.of(new OverDigitBudget(jobId, budget.limit(), answer.nextDay()));
        }

        void refundQuietly(String jobId) {
            if (charge != null) {
                budget.refundQuietly(jobId, charge);
            }
        }
    }

    private Outcome start(String jobId, Request request, DayCharge charge) {
        int digits = request.digits();
        Optional<DigitStore.State> state = storeState();
        boolean covered = state.filter(s -> s.covers(digits)).isPresent();
        // The api copies inside S3 only what one copy call takes: its calls' budget holds no more,
        // and a copy cut short by the request's time leaves none for the job's record. A worker
        // copies a longer prefix, in calls of its own budget.
        if (covered && Job.resultLength(digits) <= DigitStore.COPY_PART_BYTES) {
            Optional<Outcome> refused = charge.make(jobId, request);
            if (refused.isPresent()) {
                return refused.get();
            }
            Optional<Outcome> served = serveFromStore(state.get(), jobId, digits);
            if (served.isPresent()) {
                return served.get();
            }
        }
        // It will wait for a live computation (its lease younger than the workers' staleness limit)
        // that ends by its deadline; one due sooner is computed beside it, and queues as any job.
        Instant now = clock.instant();
        boolean waits = state.filter(s -> s.computingBy(digits, now.plus(jobDeadline), now, JobDelivery.STALE_AFTER))
                .isPresent();
        Instant expectedStart;
        if (waits) {
            expectedStart = state.get().leaseEndsBy();
        } else {
            Duration startsAfter = backlog.startsAfter();
            // one the store covers costs a worker a copy, not a computation
            Optional<Backlog.Overload> overload = covered ? Optional.empty() : backlog.overload(digits, startsAfter);
            if (overload.isPresent()) {
                return new Backlogged(jobId, overload.get());
            }
            expectedStart = now.plus(startsAfter);
        }
        try {
            // The sweeper takes the message for lost only some time after then
            jobs.create(jobId, digits, expectedStart, charge.account(request));
        } catch (SdkException e) {
            forgetIfRecorded(jobId, e);
            return new NotRecorded(jobId, e);
        } catch (JobRepository.IdTaken e) {
            // The id is this request's own: a complete record under it is the digit store's copy,
            // whose write timed out and was applied after the read that found no record.
            if (e.existing().filter(job -> job.status() == JobStatus.COMPLETE).isPresent()) {
                return new Served(jobId);
            }
            throw e;
        }
        // Counted once its record exists: the quota takes an id without a record for a job that is
        // gone, and would let a concurrent request of the client free this one's place.
        if (!waits) {
            Optional<Outcome> refused = admit(jobId, request.client());
            if (refused.isPresent()) {
                // A client over its day as well is told so: the quota's short Retry-After would only
                // bring it back for the day's refusal once a place is free.
                return refused.get() instanceof OverQuota ? charge.refusal(jobId, request).orElse(refused.get())
                        : refused.get();
            }
        }
        Optional<Outcome> overDay = charge.make(jobId, request);
        if (overDay.isPresent()) {
            deleteQuietly(jobId);
            if (!waits) {
                releaseQuietly(request.client(), jobId);
            }
            return overDay.get();
        }
        Outcome outcome = queue(jobId, digits);
        if (!waits) {
            if (outcome instanceof Accepted) {
                backlog.accepted(digits);
            } else {
                releaseQuietly(request.client(), jobId);
            }
        }
        return outcome;
    }

    /** Counts the recorded job against its client's limit; when it is refused, the record goes again. */
    private Optional<Outcome> admit(String jobId, String client) {
        SdkException failure = null;
        try {
            if (quota.admit(client, jobId)) {
                return Optional.empty();
            }
        } catch (SdkException e) {
            failure = e;
        }
        deleteQuietly(jobId);
        return Optional.of(failure != null ? new NotRecorded(jobId, failure) : new OverQuota(jobId, quota.limit()));
    }

    /** Deletes the record of a job refused before its message was sent. */
    private void deleteQuietly(String jobId) {
        try {
            CallDeadline.finishing(() -> jobs.deleteIfQueued(jobId));
        } catch (SdkException e) {
            // A queued record without a message: the sweeper sends it once it has been idle long
            // enough, and a worker computes it for no client.
            LOG.warn("could not delete a job that was refused before its message was sent", e);
        }
    }

    private Outcome queue(String jobId, int digits) {
        try {
            String body = new JobMessage(jobId, digits).toJson();
            sqs.sendMessage(send -> send.queueUrl(queueUrl).messageBody(body));
        } catch (RuntimeException e) {
            return withdraw(jobId, e);
        }
        return new Accepted(jobId);
    }

    /**
     * Records the client's job under its key, or frees the key when there is no job, so that the
     * client's retry is a first request again. Should that fail, the key stays reserved and a retry
     * gets 409 until {@link IdempotencyKeys#IN_FLIGHT} has passed.
     */
    private void settleKey(String client, String key, Outcome outcome) {
        try {
            switch (outcome) {
                case Served served -> keys.complete(client, key, served.jobId());
                case Accepted accepted -> keys.complete(client, key, accepted.jobId());
                default -> keys.release(client, key, outcome.jobId());
            }
        } catch (SdkException e) {
            LOG.warn("could not settle the request's idempotency key", e);
        }
    }

    /** The digit store's state; empty when it cannot be read, and the job then needs a worker of its own. */
    private Optional<DigitStore.State> storeState() {
        try {
            return Optional.of(store.state());
        } catch (SdkException | DigitStore.DamagedItem e) {
            LOG.warn("could not read the digit store; the job is queued for a worker of its own", e);
            return Optional.empty();
        }
    }

    private void releaseQuietly(String client, String jobId) {
        try {
            CallDeadline.finishing(() -> quota.release(client, jobId));
        } catch (SdkException e) {
            // The id is pruned once the client is at its limit: the job does not exist.
            LOG.warn("could not release a job that was not started from its client's quota", e);
        }
    }

    /**
     * Records the job complete when the digit store holds its digits, its result copied inside S3.
     * Should the store be unreachable the job is simply queued (empty): a worker serves or computes
     * it. Should the complete record's write fail and the table not tell whether it was applied,
     * no job is made: one queued under the same id would find that record in its way.
     */
    private Optional<Outcome> serveFromStore(DigitStore.State state, String jobId, int digits) {
        String key = ResultStore.resultKey(jobId, digits);
        try {
            if (!store.copyPrefix(state, digits, key)) {
                return Optional.empty();
            }
        } catch (SdkException e) {
            LOG.warn("the digit store could not serve the job; it is queued instead", e);
            return Optional.empty();
        } catch (DigitStore.WrongLengthCopy e) {
            // The store's object is not what its item says: a worker's copy fails the same way, and
            // fails the job with the reason, rather than every client getting a 500.
            LOG.error("the digit store gave a copy of the wrong length; the job is queued instead", e);
            return Optional.empty();
        } catch (DigitStore.DamagedItem e) {
            // Read again during the copy (its object replaced meanwhile), in a form this version cannot read
            LOG.error("the digit store's item cannot be read; the job is queued instead", e);
            return Optional.empty();
        }
        try {
            jobs.createComplete(jobId, digits, key);
            return Optional.of(new Served(jobId));
        } catch (SdkException e) {
            // A copy whose record is not written is left to the results' expiry rule; a record
            // written but not confirmed, to its own expiry.
            Optional<Boolean> recorded = recordedComplete(jobId);
            if (recorded.isEmpty()) {
                return Optional.of(new NotRecorded(jobId, e));
            }
            if (recorded.get()) {
                return Optional.of(new Served(jobId));
            }
            LOG.warn("the digit store's copy could not be recorded; the job is queued instead", e);
            return Optional.empty();
        }
    }

    /** Whether the record is known to be gone; false when the table cannot tell. */
    private boolean goneQuietly(String jobId) {
        try {
            return CallDeadline.finishing(() -> jobs.find(jobId).isEmpty());
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Whether a complete record whose write failed was applied all the same; empty when the table cannot tell. */
    private Optional<Boolean> recordedComplete(String jobId) {
        try {
            return Optional.of(jobs.find(jobId).filter(job -> job.status() == JobStatus.COMPLETE).isPresent());
        } catch (SdkException e) {
            return Optional.empty();
        }
    }

    /**
     * A write that timed out may still have been applied; no client knows the id and no message
     * was sent, so the record must not stay. Should the table still not answer, the record (if it
     * exists) is a queued job without a message, for the sweeper to deal with.
     */
    private void forgetIfRecorded(String jobId, SdkException createFailure) {
        try {
            CallDeadline.finishing(() -> jobs.deleteIfQueued(jobId));
        } catch (RuntimeException e) {
            createFailure.addSuppressed(e);
        }
    }

    /**
     * Deletes the record of a job whose message was not sent. Should that fail too, the job stays
     * and is accepted: the sweeper sends its message once it has been idle for its requeue time,
     * so its client gets it late rather than a 503 that says no job was made while one is computed
     * for no one.
     */
    private Outcome withdraw(String jobId, RuntimeException sendFailure) {
        boolean deleted = false;
        try {
            deleted = CallDeadline.finishing(() -> jobs.deleteIfQueued(jobId));
        } catch (RuntimeException e) {
            e.addSuppressed(sendFailure);
            LOG.warn("could not withdraw a job whose message was not sent; unless it is gone, it is accepted,"
                    + " and the sweeper sends its message", e);
        }
        // Not deleted here: gone already (a delete applied, its answer lost), held by a worker (the
        // send took effect after all), or the table cannot tell
        return deleted || goneQuietly(jobId) ? new NotQueued(jobId, sendFailure) : new Accepted(jobId);
    }
}
