package org.piservice.worker;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import static software.amazon.lambda.powertools.logging.argument.StructuredArguments.entry;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.DoubleFunction;
import java.util.function.LongFunction;
import java.util.function.Supplier;
import org.piservice.contract.JobDelivery;
import org.piservice.core.PiDigits;
import org.piservice.core.PiProcess;
import org.piservice.jobs.AwsClients;
import org.piservice.jobs.CallDeadline;
import org.piservice.jobs.ClaimResult;
import org.piservice.jobs.DigitStore;
import org.piservice.jobs.EmfMetrics;
import org.piservice.jobs.Job;
import org.piservice.jobs.JobMessage;
import org.piservice.jobs.JobRepository;
import org.piservice.jobs.JobStatus;
import org.piservice.jobs.LogFields;
import org.piservice.jobs.ResultStore;
import org.piservice.jobs.ServiceConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;

/**
 * Works through queue messages: claims each job, computes it into S3, and completes or fails it.
 *
 * <p>Each message ends in one of two ways. <b>Done</b>: the job is final (now or
 * earlier), so the message is deleted. <b>Retry</b>: the message stays in the queue and comes back
 * after a delay that grows with its deliveries ({@link JobDelivery#retryDelaySeconds}: seconds, then
 * minutes): on errors worth another try (S3 or DynamoDB trouble, a lost claim),
 * while another live worker has the job (deleting a duplicate would also delete the copy that
 * worker needs should it crash), and for messages no worker can use (unreadable, unknown job),
 * which SQS moves to the dead-letter queue after {@code maxReceiveCount} deliveries, where an
 * alarm fires. A job is failed for good, with its reason, when it cannot be done (too many digits,
 * too little time, too little heap, a malformed message, its deadline passed) or after
 * {@link WorkerSettings#maxAttempts()} claims. While a message is being worked on it stays hidden
 * only as long as the invocation may run and its heartbeat takes to go stale, so that a worker
 * that dies without a word is taken over then, not after the queue's long visibility timeout.
 * Its AWS calls end {@link WorkerSettings#finishReserve()} and {@link CallDeadline#ANSWER_RESERVE}
 * before the invocation does, except those that record how the job ended and when its message
 * comes back, which have the first of these, so that S3 hanging at the end of a computation
 * leaves a job released or failed with its reason, not silent until its heartbeat is stale.
 *
 * <p>A claimed job whose result object is already stored whole (its completion was lost) is
 * completed without computing.
 *
 * <p>Every log line about a message carries its {@code message_id} and, once known, its
 * {@code job_id} (MDC), the AWS SDK's warnings included.
 */
public final class JobProcessor implements AutoCloseable {

    /** What became of one message. */
    public enum Outcome {
        DONE, RETRY
    }

    private final JobRepository jobs;
    private final DigitStore store;
    private final ResultStore results;
    private final MessageVisibility visibility;
    private final Clock clock = Clock.systemUTC();
    private final DigitDemand demand;
    private final int maxDigits;
    private final WorkerSettings settings;
    private static final Logger LOG = LoggerFactory.getLogger(JobProcessor.class);
    private final PiWriter pi;
    private final EmfMetrics metrics;
    /**
     * How many jobs that waited for a computation its worker serves at once: each takes a few calls
     * (a claim, a copy, a completion), one after another, while the store's lease leaves them only
     * the cleanup reserve ({@link WorkerSettings#cleanupReserve()}) after the computation, and up to
     * {@link DigitStore#MAX_WAITERS} may wait.
     */
    static final int WAITERS_AT_ONCE = 8;

    /**
     * A thread for each job that may beat at once (the computation's and the waiting jobs'): beats
     * that took turns on one thread would, with DynamoDB slow, leave a claim stale before its turn.
     */
    private final ScheduledExecutorService heartbeats = Executors.newScheduledThreadPool(WAITERS_AT_ONCE + 1,
            Thread.ofPlatform().daemon().name("job-heartbeat-", 0).factory());

    public JobProcessor(JobRepository jobs, DigitStore store, ResultStore results, MessageVisibility visibility,
                        ServiceConfig config, WorkerSettings settings, PiWriter pi, EmfMetrics metrics) {
        this.jobs = jobs;
        this.store = store;
        this.results = results;
        this.visibility = visibility;
        this.demand = new DigitDemand(store, settings.staleAfter(), clock);
        this.maxDigits = Math.min(config.maxDigits(), PiDigits.MAX_DIGITS);
        this.settings = settings;
        this.pi = pi;
        this.metrics = metrics;
    }

    /** The production wiring on the given clients: pi-core, settings for this environment, logs on standard output. */
    public static JobProcessor create(AwsClients clients, ServiceConfig config) {
        ResultStore results = new ResultStore(clients.s3(), clients.presigner(), config);
        WorkerSettings settings = WorkerSettings.fromEnvironment();
        EmfMetrics metrics = EmfMetrics.stdout();
        return new JobProcessor(new JobRepository(clients.dynamoDb(), config, Clock.systemUTC(), metrics),
                new DigitStore(clients.dynamoDb(), clients.s3(), results, config), results,
                new MessageVisibility(clients.sqs(), config.queueUrl()),
                config, settings, PiWriter.sizedFor(settings), metrics);
    }

    /**
     * Processes a batch in order.
     *
     * @return the ids of the messages to leave in the queue (SQS's batch item failures)
     */
    public List<String> process(List<QueueMessage> messages, Deadline deadline) {
        Duration invocationTime = deadline.remaining();
        List<String> retry = new ArrayList<>();
        for (QueueMessage message : messages) {
            if (handle(message, deadline, invocationTime) == Outcome.RETRY) {
                retry.add(message.messageId());
            }
        }
        return retry;
    }

    /** Processes one message, as the only one of its invocation. */
    public Outcome handle(QueueMessage message, Deadline deadline) {
        return handle(message, deadline, deadline.remaining());
    }

    private Outcome handle(QueueMessage message, Deadline deadline, Duration invocationTime) {
        MDC.put(LogFields.MESSAGE_ID, message.messageId());
        try {
            return CallDeadline.within(deadline.remaining(), settings.finishReserve(), () -> {
                Outcome outcome = handleHidden(message, deadline, invocationTime);
                if (outcome == Outcome.RETRY) {
                    CallDeadline.finishing(() -> visibility.comeBackAfter(message,
                            Duration.ofSeconds(JobDelivery.retryDelaySeconds(message.receiveCount()))));
                }
                return outcome;
            });
        } finally {
            MDC.remove(LogFields.MESSAGE_ID);
            MDC.remove(LogFields.JOB_ID);
        }
    }

    private Outcome handleHidden(QueueMessage message, Deadline deadline, Duration invocationTime) {
        JobMessage job;
        try {
            job = JobMessage.parse(message.body());
        } catch (JobMessage.InvalidMessageException e) {
            return rejectMalformed(message.messageId(), e);
        }
        MDC.put(LogFields.JOB_ID, job.jobId());
        // Should this worker die, the message comes back once its heartbeat is stale.
        visibility.comeBackAfter(message, deadline.remaining().plus(settings.staleAfter()));
        try {
            return handle(job, message.messageId(), deadline, invocationTime);
        } catch (RuntimeException e) {
            LOG.error("Processing failed; the message will be delivered again", e);
            return Outcome.RETRY;
        }
    }

    private Outcome rejectMalformed(String messageId, JobMessage.InvalidMessageException e) {
        e.jobId().ifPresent(jobId -> MDC.put(LogFields.JOB_ID, jobId));
        LOG.error("Malformed message, left for the dead-letter queue: {}", e.getMessage());
        e.jobId().ifPresent(jobId -> {
            String owner = newOwner();
            try {
                if (jobs.claim(jobId, owner, messageId, settings.staleAfter()) instanceof ClaimResult.Claimed claimed) {
                    fail(claimed.job(), owner, "The job's queue message was malformed (" + e.getMessage() + ")");
                }
            } catch (RuntimeException failure) {
                // The dead-letter queue's consumer fails the job when the message gets there.
                LOG.warn("Could not fail the job of a malformed message: {}", describe(failure));
            }
        });
        return Outcome.RETRY;
    }

    private Outcome handle(JobMessage message, String messageId, Deadline deadline, Duration invocationTime) {
        // Only an open job may take the store's lease or wait for a computation: a cancelled job
        // listed as waiting would keep a computation going for no one.
        Optional<Job> before = jobs.find(message.jobId());
        if (before.isEmpty()) {
            return noSuchJob();
        }
        if (before.get().status().isFinal()) {
            return alreadyFinished(before.get());
        }
        String owner = newOwner();
        if (before.get().isOverdue(clock.instant())) {
            return failUnheldAtDeadline(before.get());
        }
        Duration left = deadline.remaining();
        Instant now = clock.instant();
        Instant deadlineAt = before.get().deadlineAt();
        boolean dueFirst = deadlineAt != null && deadlineAt.isBefore(now.plus(left));
        long computable = Math.min(Math.min(maxDigits, settings.memoryDigits()),
                settings.timeModel().maxDigitsWithin(left.minus(settings.cleanupReserve())));
        if (before.get().attempts() > 0 || dueFirst) {
            // A retried job computes its own digits only: a longer computation for the store, sized
            // to all the time there was, may be what failed. So does a job whose deadline comes
            // before this invocation's end: such a computation, should it run out of time, would
            // leave it no time for a retry.
            computable = Math.min(computable, message.digits());
        }
        // A computation of so many digits ends when pi-core's time model says, with the time to store
        // it and complete the jobs waiting for it, or else is stopped: at this invocation's end, or its
        // job's deadline if sooner. A job waits for another's only when it could not be computed alone
        // in time, or when that computation ends by the job's deadline.
        LongFunction<Instant> modelEnd = size -> now.plus(settings.timeModel().estimate(size)).plus(settings.cleanupReserve());
        Instant stopsBy = dueFirst ? deadlineAt : now.plus(left);
        Instant latestWait = deadlineAt != null && !modelEnd.apply(message.digits()).isAfter(stopsBy) ? deadlineAt : null;
        DigitDemand.Plan plan = demand.plan(message.jobId(), message.digits(), latestWait, owner, computable,
                size -> earlier(stopsBy, modelEnd.apply(size)));
        if (plan instanceof DigitDemand.Plan.Waiting waiting) {
            return await(message, waiting);
        }
        try {
            if (!(plan instanceof DigitDemand.Plan.Served) && onlyAFreshInvocationFits(message.digits(), deadline, invocationTime)) {
                // Earlier messages of this batch used the time up. Nothing is claimed, so the job's
                // attempts are not spent on an invocation that could never have finished it.
                LOG.info("Too little of this invocation is left for {} digits; the message comes back in a new one",
                        message.digits());
                return Outcome.RETRY;
            }
            return claimAndRun(message, messageId, owner, plan, deadline, invocationTime);
        } finally {
            if (plan instanceof DigitDemand.Plan.Compute) {
                releaseLease(owner);
            }
        }
    }

    /**
     * Ends this worker's lease on the digit store. A release that fails costs only time: the
     * lease lapses once its heartbeat is stale, and the job's outcome stands.
     */
    private void releaseLease(String owner) {
        try {
            store.releaseLease(owner);
        } catch (RuntimeException e) {
            LOG.warn("Could not release the digit store's lease; it lapses {} s after its last heartbeat: {}",
                    settings.staleAfter().toSeconds(), describe(e));
        }
    }

    private Outcome claimAndRun(JobMessage message, String messageId, String owner, DigitDemand.Plan plan,
                                Deadline deadline, Duration invocationTime) {
        return switch (jobs.claim(message.jobId(), owner, messageId, settings.staleAfter())) {
            case ClaimResult.NotFound notFound -> noSuchJob();
            case ClaimResult.Finished finished -> alreadyFinished(finished.job());
            case ClaimResult.Busy busy -> {
                LOG.info("Another worker is computing this job; the message will come back later");
                yield Outcome.RETRY;
            }
            case ClaimResult.Claimed claimed -> {
                try {
                    yield start(claimed.job(), owner, plan, deadline, invocationTime);
                } catch (RuntimeException e) {
                    // Released at once, the job comes back after the first retry delay with this
                    // reason, not as a claim no one holds until its heartbeat is stale. (Recording
                    // an outcome never throws: see retry and fail.)
                    LOG.error("The attempt failed; the job is released for its retry", e);
                    yield retry(claimed.job(), owner, "The attempt failed: " + reason(e));
                } catch (Error e) {
                    // An error of the JVM's (a stack overflow, no native thread, metaspace; the heap's
                    // own is handled where the computation runs): the job is released with it, and the
                    // error goes on, as Lambda's runtime ends an environment whose invocation ends in
                    // one, so that the retry, once the message comes back, gets a JVM of its own.
                    LOG.error("The attempt failed with an error of the JVM's; the job is released for its retry", e);
                    retry(claimed.job(), owner, "The attempt failed: " + reason(e));
                    throw e;
                }
            }
        };
    }

    private Outcome start(Job job, String owner, DigitDemand.Plan plan, Deadline deadline, Duration invocationTime) {
        if (job.isOverdue(clock.instant())) {
            return failAtDeadline(job, owner);
        }
        if (alreadyStored(job)) {
            // Its result is a copy of the store that an earlier attempt made, and which that
            // attempt could not record: counted as served from the store, the completion is counted
            // once. (One computed alone, outside the store, is counted so too, its computation uncounted.)
            return markComplete(job, owner, ResultStore.resultKey(job.jobId(), job.digits()),
                    () -> metrics.jobServedFromStore(job.jobId()));
        }
        // Served jobs count too: a copy that keeps failing ends here rather than in the dead-letter queue.
        if (job.attempts() > settings.maxAttempts()) {
            return fail(job, owner, "Gave up after " + settings.maxAttempts() + " attempts" + job.lastError());
        }
        if (plan instanceof DigitDemand.Plan.Alone alone) {
            if (alone.storeDamaged()) {
                LOG.error("Computing the job's digits for it alone: {}", alone.why());
            } else {
                LOG.info("Computing the job's digits for it alone: {}", alone.why());
            }
            return run(job, owner, deadline, invocationTime, plan);
        }
        if (!(plan instanceof DigitDemand.Plan.Compute compute)) {
            return serveFromStore(job, owner);
        }
        if (!beating(job, owner, true, () -> leftoverStored(job, compute.digits()))) {
            return run(job, owner, deadline, invocationTime, compute);
        }
        releaseLease(owner);
        Outcome outcome = serveFromStore(job, owner);
        completeWaiting();
        return outcome;
    }

    /**
     * Whether digits that an earlier computation wrote but could not make the store (its offer
     * failed, or its worker died first), as many as this worker's lease promises the jobs waiting on
     * it, are the store now, so that they are not computed again. A failure to tell costs only the
     * computation.
     */
    private boolean leftoverStored(Job job, long leaseDigits) {
        Optional<DigitStore.Offer> offer;
        try {
            offer = store.offerLeftover(leaseDigits);
        } catch (RuntimeException e) {
            LOG.warn("Could not offer digits an earlier computation left; computing them: {}", describe(e));
            return false;
        }
        if (offer.orElse(null) instanceof DigitStore.Offer.Stored stored) {
            // Counted now: the computation's own offer failed, or its worker died before it.
            metrics.storeComputed(job.jobId(), stored.digits());
            LOG.info("Digits an earlier computation left are the store now {}", entry("store_digits", stored.digits()));
        }
        return offer.isPresent();
    }

    /**
     * Fails a job found past its deadline before anything is planned for it: it is neither listed
     * to wait for a computation nor given the lease, and no attempt is counted. A live worker that
     * holds it finishes or fails it, and its message comes back meanwhile.
     */
    private Outcome failUnheldAtDeadline(Job job) {
        return failIf(job, job.overdueReason(), () -> jobs.failOverdueUnheld(job, settings.staleAfter()));
    }

    private static Outcome noSuchJob() {
        LOG.warn("No such job; the message is left for the dead-letter queue");
        return Outcome.RETRY;
    }

    private static Outcome alreadyFinished(Job job) {
        LOG.info("Job already {}; its message acknowledged", job.status().wireName());
        return Outcome.DONE;
    }

    /**
     * Leaves the job to the running computation (listed, or, the list being full, to its own
     * message), unless it ended (was cancelled) between the look before planning and its listing:
     * then it is taken off the list again.
     */
    private Outcome await(JobMessage message, DigitDemand.Plan.Waiting waiting) {
        Optional<Job> now = jobs.find(message.jobId());
        if (now.isEmpty() || now.get().status().isFinal()) {
            store.removeWaiters(Set.of(new DigitStore.Waiter(message.jobId(), message.digits())));
            return now.map(JobProcessor::alreadyFinished).orElseGet(JobProcessor::noSuchJob);
        }
        if (waiting.listed()) {
            LOG.info("Waiting for the computation of {} digits, which completes this job", waiting.computingDigits());
        } else {
            LOG.warn("Waiting for the computation of {} digits, whose list of waiting jobs is full; this job's message"
                    + " completes it once that computation is stored", waiting.computingDigits());
        }
        return Outcome.RETRY;
    }

    /** Whether an earlier attempt stored the job's whole result and only failed to record it. */
    private boolean alreadyStored(Job job) {
        boolean whole = results.size(ResultStore.resultKey(job.jobId(), job.digits())).orElse(-1)
                == Job.resultLength(job.digits());
        if (whole) {
            LOG.info("The job's result is stored whole already; completing it without computing");
        }
        return whole;
    }

    /** Computes the job as {@code plan} says: a {@link DigitDemand.Plan.Compute} or {@link DigitDemand.Plan.Alone}. */
    private Outcome run(Job job, String owner, Deadline deadline, Duration invocationTime, DigitDemand.Plan plan) {
        if (job.digits() > maxDigits) {
            return fail(job, owner, "digits must be between 1 and " + maxDigits + ", got " + job.digits());
        }
        if (job.digits() > settings.memoryDigits()) {
            return fail(job, owner, "Computing " + job.digits() + " digits needs more memory than the worker's "
                    + settings.memoryBytes() / (1024 * 1024) + " MB, which hold " + settings.memoryDigits()
                    + " digits; ask for fewer digits");
        }
        Duration estimate = settings.timeModel().estimate(job.digits());
        if (job.deadlineAt() != null) {
            Duration left = Duration.between(clock.instant(), job.deadlineAt()).minus(settings.cleanupReserve());
            if (estimate.compareTo(left) > 0) {
                return fail(job, owner, "Cannot finish by its deadline: computing " + job.digits()
                        + " digits takes about " + estimate.toSeconds() + " s here, and the job must end within "
                        + Math.max(0, left.toSeconds()) + " s");
            }
        }
        Duration available = deadline.remaining().minus(settings.cleanupReserve());
        if (estimate.compareTo(available) > 0) {
            if (onlyAFreshInvocationFits(job.digits(), deadline, invocationTime)) {
                // The claim itself took the last of the time this invocation had when it began.
                return retry(job, owner, "The invocation had too little time left; retried in a new one");
            }
            return fail(job, owner, "Computing " + job.digits() + " digits takes about " + estimate.toSeconds()
                    + " s here, more than the worker's " + Math.max(0, available.toSeconds())
                    + " s; ask for fewer digits");
        }
        return compute(job, owner, deadline, plan);
    }

    private static Instant earlier(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    /** The time left for the job: this invocation's, or less when the job's own deadline comes first. */
    private Deadline forJob(Job job, Deadline invocation) {
        if (job.deadlineAt() == null) {
            return invocation;
        }
        return () -> {
            Duration untilDeadline = Duration.between(clock.instant(), job.deadlineAt());
            Duration remaining = invocation.remaining();
            return untilDeadline.compareTo(remaining) < 0 ? untilDeadline : remaining;
        };
    }

    /** Whether computing {@code digits} fits a whole invocation but not what is left of this one. */
    private boolean onlyAFreshInvocationFits(long digits, Deadline deadline, Duration invocationTime) {
        Duration estimate = settings.timeModel().estimate(digits);
        return estimate.compareTo(deadline.remaining().minus(settings.cleanupReserve())) > 0
                && estimate.compareTo(invocationTime.minus(settings.cleanupReserve())) <= 0;
    }

    /**
     * Computes the decimals {@code plan} says into the store, then completes the job and those
     * waiting from it; or, for a job computed alone ({@link DigitDemand.Plan.Alone}), the job's own into its result.
     */
    private Outcome compute(Job job, String owner, Deadline deadline, DigitDemand.Plan plan) {
        long digits = plan instanceof DigitDemand.Plan.Compute compute ? compute.digits() : job.digits();
        AtomicBoolean lost = new AtomicBoolean();
        AtomicBoolean cancelled = new AtomicBoolean();
        AtomicReference<Double> progress = new AtomicReference<>(0.0);
        Deadline jobDeadline = forJob(job, deadline);
        BooleanSupplier outOfTime = () -> jobDeadline.remaining().compareTo(settings.cleanupReserve()) < 0;
        // Filled by the heartbeats, read here once the computation has stopped (the beats go on meanwhile)
        Set<DigitStore.Waiter> endedWaiters = ConcurrentHashMap.newKeySet();
        ScheduledFuture<?> heartbeat = everyHeartbeat(job, () -> beat(job, owner, plan, progress, lost, cancelled,
                endedWaiters));
        if (plan instanceof DigitDemand.Plan.Compute) {
            LOG.info("Computing {} {} {}", entry("digits", job.digits()), entry("store_digits", digits),
                    entry("attempt", job.attempts()));
        } else {
            LOG.info("Computing {} {} for the job alone", entry("digits", job.digits()), entry("attempt", job.attempts()));
        }
        ResultStore.ResultWriter writer = out -> pi.write((int) digits, CallDeadline.carried(out),
                (fraction, phase) -> progress.set(fraction), () -> lost.get() || outOfTime.getAsBoolean());
        long started = System.nanoTime();
        // Beats go on until the job is complete: the store's offer and the job's copy can take a
        // while when S3 is slow, and a job or lease gone stale meanwhile would be taken over.
        try {
            DoubleFunction<Outcome> finish;
            try {
                if (plan instanceof DigitDemand.Plan.Compute) {
                    DigitStore.Candidate computed = store.write(digits, writer);
                    finish = seconds -> storeAndComplete(job, owner, computed, seconds, cancelled);
                } else {
                    String key = ResultStore.resultKey(job.jobId(), job.digits());
                    long written = results.upload(key, writer);
                    // The store's checks of a new store's length are not made on this path
                    if (written != Job.resultLength(job.digits())) {
                        return retry(job, owner, "The computation wrote " + written + " bytes, not "
                                + Job.resultLength(job.digits()));
                    }
                    finish = seconds -> completeAlone(job, owner, key, seconds);
                }
            } catch (CancellationException e) {
                if (cancelled.get()) {
                    LOG.info("Job cancelled; its computation stopped and its partial upload was discarded");
                    forgetEndedWaiters(endedWaiters);
                    return Outcome.DONE;
                }
                if (lost.get()) {
                    LOG.warn("Another worker took the job over; stopped");
                    return Outcome.RETRY;
                }
                if (job.isOverdue(clock.instant().plus(settings.cleanupReserve()))) {
                    return failAtDeadline(job, owner);
                }
                if (digits > job.digits()) {
                    return retryOwnDigits(job, owner, "Ran out of time after " + seconds(started) + " s of computing "
                            + digits + " digits for the digit store");
                }
                return fail(job, owner, "Ran out of time after " + seconds(started) + " s of computing, with "
                        + Math.max(0, deadline.remaining().toSeconds()) + " s of the worker's time left; ask for fewer digits");
            } catch (PiProcess.OutOfMemoryException e) {
                // Its heap was sized for these digits: another attempt at them would fail the same way.
                return outOfMemory(job, owner, digits, "Computing " + digits + " digits ran out of memory: "
                        + e.getMessage());
            } catch (OutOfMemoryError e) {
                String said = heapExhaustion(e).orElseThrow(() -> e);
                // The computation needed more heap than this JVM has (or an array larger than any JVM
                // allows): another attempt at these digits in a JVM alike would fail the same way. The
                // computation's arrays are unreachable once it has thrown, so the collector finds room
                // to record the outcome.
                return outOfMemory(job, owner, digits, "Computing " + digits
                        + " digits ran out of memory in the worker's own JVM: " + said);
            } catch (IOException | RuntimeException e) {
                LOG.warn("Computing or storing the result failed", e);
                return retry(job, owner, "Computing or storing the result failed: " + reason(e));
            }
            return finish.apply((System.nanoTime() - started) / 1e9);
        } finally {
            heartbeat.cancel(false);
        }
    }

    /** Completes a job computed for it alone; its condition refuses a job cancelled meanwhile. */
    private Outcome completeAlone(Job job, String owner, String key, double computeSeconds) {
        return markComplete(job, owner, key, () -> {
            metrics.jobCompleted(job.jobId(), job.digits(), computeSeconds);
            LOG.info("Job complete, computed outside the digit store {} {}", entry("digits", job.digits()),
                    entry("compute_seconds", Math.round(computeSeconds * 1000) / 1000.0));
        });
    }

    /** Fails the job, unless the digits that did not fit were more than its own: the retry computes those. */
    private Outcome outOfMemory(Job job, String owner, long storeDigits, String reason) {
        return storeDigits > job.digits() ? retryOwnDigits(job, owner, reason) : fail(job, owner, reason);
    }

    /** After a longer computation for the store failed: the retry computes the job's own digits only. */
    private Outcome retryOwnDigits(Job job, String owner, String reason) {
        return retry(job, owner, reason + "; the retry computes the job's own " + job.digits());
    }

    /**
     * Does {@code work} on the store under the claim's heartbeat, and the store's lease's when this
     * worker holds it: S3 slow to answer (a brownout can take a minute) must not let the claim go
     * stale, or another worker would take the job over, and the api or the dead-letter consumer could
     * fail it under this one; nor the lease, or another worker would compute what this one may store.
     */
    private <T> T beating(Job job, String owner, boolean leased, Supplier<T> work) {
        ScheduledFuture<?> heartbeat = everyHeartbeat(job, () -> {
            try {
                jobs.heartbeat(job.jobId(), owner, 0.0);
            } catch (RuntimeException e) {
                LOG.warn("Heartbeat failed ({}): {}", entry(LogFields.JOB_ID, job.jobId()), describe(e));
            }
            if (leased) {
                beatLease(job, owner);
            }
        });
        try {
            return work.get();
        } finally {
            heartbeat.cancel(false);
        }
    }

    /** Runs {@code beat} at every heartbeat interval until the returned task is cancelled. */
    private ScheduledFuture<?> everyHeartbeat(Job job, Runnable beat) {
        long millis = settings.heartbeatInterval().toMillis();
        return heartbeats.scheduleAtFixedRate(() -> {
            try {
                beat.run();
            } catch (OutOfMemoryError e) {
                // A computation in this JVM may fill its heap for a moment. Thrown on, the error would
                // end the beats for good, silently (a scheduled task that throws is not run again),
                // and the job would go stale under a live worker.
                LOG.warn("Heartbeat skipped, the heap was full ({}): {}", entry(LogFields.JOB_ID, job.jobId()),
                        e.getMessage());
            }
        }, millis, millis, TimeUnit.MILLISECONDS);
    }

    /**
     * Offers the computed digits to the store, then completes the job from it (unless the heartbeat
     * found it {@code cancelled}, which it may until the copy) and the jobs that waited for them.
     */
    private Outcome storeAndComplete(Job job, String owner, DigitStore.Candidate computed, double computeSeconds,
                                     AtomicBoolean cancelled) {
        long storeDigits = computed.digits();
        DigitStore.Offer offer;
        try {
            offer = store.offer(computed);
            releaseLease(owner);
        } catch (RuntimeException e) {
            // Released at once, the job comes back after the first retry delay, not once this
            // worker's heartbeat is stale.
            LOG.warn("Storing the computed digits failed", e);
            return retry(job, owner, "Storing the computed digits failed: " + reason(e));
        }
        switch (offer) {
            case DigitStore.Offer.Rejected rejected -> {
                LOG.error("The computed digits were not stored: {}", rejected.reason());
                return retry(job, owner, "The computed digits failed the store's checks: " + rejected.reason());
            }
            case DigitStore.Offer.Stored stored -> metrics.storeComputed(job.jobId(), stored.digits());
            case DigitStore.Offer.Superseded superseded -> metrics.storeComputed(job.jobId(), superseded.storeDigits());
        }
        Optional<JobStatus> ended = cancelled.get() ? Optional.of(JobStatus.CANCELLED) : endedMeanwhile(job);
        if (ended.isPresent()) {
            LOG.info("Job ended meanwhile ({}); its computation finished for the jobs waiting on it",
                    ended.get().wireName());
            completeWaiting();
            return Outcome.DONE;
        }
        Outcome outcome = complete(job, owner, () -> {
            metrics.jobCompleted(job.jobId(), storeDigits, computeSeconds);
            LOG.info("Job complete {} {} {}", entry("digits", job.digits()), entry("store_digits", storeDigits),
                    entry("compute_seconds", Math.round(computeSeconds * 1000) / 1000.0));
        });
        completeWaiting();
        return outcome;
    }

    /**
     * How the job ended since the last heartbeat, which may be seconds ago (a client cancelled it,
     * the sweeper failed it): such a job gets no result object. Empty while it is open, or when the
     * table cannot tell; the completion's own condition still refuses an ended job.
     */
    private Optional<JobStatus> endedMeanwhile(Job job) {
        try {
            return jobs.find(job.jobId()).map(Job::status).filter(JobStatus::isFinal);
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Completes a claimed job the store covers, without computing. */
    private Outcome serveFromStore(Job job, String owner) {
        return beating(job, owner, false, () -> complete(job, owner, () -> {
            metrics.jobServedFromStore(job.jobId());
            LOG.info("Job complete from the digit store {}", entry("digits", job.digits()));
        }));
    }

    /**
     * Gives the job its own result object, a prefix of the store, and marks it complete; {@code count}
     * runs when this worker's write completed it.
     */
    private Outcome complete(Job job, String owner, Runnable count) {
        String key = ResultStore.resultKey(job.jobId(), job.digits());
        boolean copied;
        try {
            copied = store.copyPrefix(job.digits(), key);
        } catch (RuntimeException e) {
            // S3 refusing the copy (full, denied, or failing past the client's own retries) costs an
            // attempt, so the job fails with S3's reason at its limit instead of coming back until
            // the queue gives up on its message.
            LOG.warn("Copying the job's digits from the digit store failed", e);
            return retry(job, owner, "Copying the job's digits from the digit store failed: " + reason(e));
        }
        if (!copied) {
            return retry(job, owner, "The digit store does not hold " + job.digits() + " digits");
        }
        return markComplete(job, owner, key, count);
    }

    private Outcome markComplete(Job job, String owner, String key, Runnable count) {
        boolean completed;
        try {
            completed = CallDeadline.finishing(() -> jobs.complete(job.jobId(), owner, key, Job.resultLength(job.digits())));
        } catch (RuntimeException e) {
            // The result is stored whole: the next claim completes the job without computing, before
            // it counts attempts, so this is released even on the last attempt, not failed.
            LOG.warn("Recording the job complete failed", e);
            return release(job, owner, "Recording the job complete failed: " + reason(e));
        }
        if (!completed) {
            return refused(job, "completed");
        }
        count.run();
        return Outcome.DONE;
    }

    /**
     * After a write the job's condition refused: the job ended meanwhile, and its message is done
     * with; or another worker holds it, or the job cannot be read again, and the message comes back;
     * or the job is gone, as {@link #noSuchJob}.
     */
    private Outcome refused(Job job, String as) {
        Optional<Job> now;
        try {
            now = jobs.find(job.jobId());
        } catch (RuntimeException e) {
            LOG.warn("The job was not {}, and could not be read again; its message comes back: {}", as, describe(e));
            return Outcome.RETRY;
        }
        if (now.isEmpty()) {
            return noSuchJob();
        }
        if (now.get().status().isFinal()) {
            LOG.info("Job ended before it could be {} ({})", as, now.get().status().wireName());
            return Outcome.DONE;
        }
        LOG.warn("Another worker holds the job; it was not {}", as);
        return Outcome.RETRY;
    }

    /**
     * Completes the jobs that waited for a computation and that the store covers now, and fails
     * those whose deadline has passed, {@link #WAITERS_AT_ONCE} at a time. A job that another
     * worker has claimed meanwhile is that worker's to finish; one that is finished needs nothing.
     * Either way it leaves the list, and its own message stays the backstop.
     */
    private void completeWaiting() {
        Set<DigitStore.Waiter> waiting;
        try {
            waiting = store.coveredWaiters();
        } catch (RuntimeException e) {
            LOG.warn("Could not read the jobs waiting for this computation; their own messages will complete them: {}",
                    describe(e));
            return;
        }
        if (waiting.isEmpty()) {
            return;
        }
        Map<String, String> logContext = MDC.getCopyOfContextMap();
        List<Future<?>> served = new ArrayList<>();
        try (ExecutorService serving = Executors.newFixedThreadPool(Math.min(WAITERS_AT_ONCE, waiting.size()),
                Thread.ofVirtual().name("waiting-job-", 0).factory())) {
            for (DigitStore.Waiter waiter : waiting) {
                served.add(serving.submit(CallDeadline.carried(() -> completeWaiter(waiter, logContext))));
            }
        }
        for (Future<?> one : served) {
            rethrowError(one);
        }
        try {
            store.removeWaiters(waiting);
        } catch (RuntimeException e) {
            LOG.warn("Could not take the completed jobs off the waiting list; the next computation does: {}", describe(e));
        }
    }

    /**
     * Throws the {@link Error} a finished task ended with, as if it had run on this thread; its
     * runtime exceptions are its own to handle.
     */
    private static void rethrowError(Future<?> task) {
        if (task.state() == Future.State.FAILED && task.exceptionNow() instanceof Error error) {
            throw error;
        }
    }

    private void completeWaiter(DigitStore.Waiter waiter, Map<String, String> logContext) {
        if (logContext != null) {
            MDC.setContextMap(logContext);
        }
        MDC.put(LogFields.JOB_ID, waiter.jobId());
        String owner = newOwner();
        try {
            if (jobs.claim(waiter.jobId(), owner, settings.staleAfter()) instanceof ClaimResult.Claimed claimed) {
                // Completed late, the job would break the promise that every job ends by its
                // deadline, which the sweeper keeps for every open job and the api for jobs that no
                // worker holds.
                if (claimed.job().isOverdue(clock.instant())) {
                    failAtDeadline(claimed.job(), owner);
                } else {
                    serveFromStore(claimed.job(), owner);
                }
            }
        } catch (RuntimeException e) {
            LOG.error("Completing a waiting job failed; its own message will retry it", e);
        } finally {
            MDC.clear();
        }
    }

    /**
     * Records the job's progress; stops the computation when the job was taken over or cancelled,
     * except that a cancelled job's computation goes on while other jobs wait for its digits (and
     * stops once they are cancelled too).
     */
    private void beat(Job job, String owner, DigitDemand.Plan plan, AtomicReference<Double> progress, AtomicBoolean lost,
                      AtomicBoolean cancelled, Set<DigitStore.Waiter> endedWaiters) {
        // The lease first: after a cancellation the job's beat reads waiting jobs' records, and
        // the lease keeps other workers from computing the same digits meanwhile. A lost lease
        // does not stop the computation: it only lets a longer demand start its own.
        if (plan instanceof DigitDemand.Plan.Compute) {
            beatLease(job, owner);
        }
        beatJob(job, owner, plan, progress, lost, cancelled, endedWaiters);
    }

    private void beatJob(Job job, String owner, DigitDemand.Plan plan, AtomicReference<Double> progress,
                         AtomicBoolean lost, AtomicBoolean cancelled, Set<DigitStore.Waiter> endedWaiters) {
        try {
            if (cancelled.get()) {
                if (!anyWaiterOpen(plan, endedWaiters)) {
                    lost.set(true);
                }
            } else if (!jobs.heartbeat(job.jobId(), owner, progress.get())) {
                boolean wasCancelled = jobs.find(job.jobId()).map(found -> found.status() == JobStatus.CANCELLED)
                        .orElse(false);
                cancelled.set(wasCancelled);
                if (!wasCancelled || !anyWaiterOpen(plan, endedWaiters)) {
                    lost.set(true);
                } else {
                    LOG.info("Job cancelled; its computation goes on for the jobs waiting on it ({})",
                            entry(LogFields.JOB_ID, job.jobId()));
                }
            }
        } catch (RuntimeException e) {
            // One missed heartbeat is harmless: the job goes stale only after many. This thread
            // has no MDC of its own, so the line names its job.
            LOG.warn("Heartbeat failed ({}): {}", entry(LogFields.JOB_ID, job.jobId()), describe(e));
        }
    }

    private void beatLease(Job job, String owner) {
        try {
            store.heartbeatLease(owner);
        } catch (RuntimeException e) {
            LOG.warn("The lease's heartbeat failed ({}): {}", entry(LogFields.JOB_ID, job.jobId()), describe(e));
        }
    }

    /**
     * Whether a job listed as waiting, which the store's computation {@code plan} covers, still
     * wants its digits (was not cancelled since); none waits for a job's computation alone. A job
     * found ended, or gone, stays so: it joins {@code ended} and is not read again, so that the
     * heartbeats of a cancelled computation do not read every listed job (up to
     * {@link DigitStore#MAX_WAITERS}) each time.
     */
    private boolean anyWaiterOpen(DigitDemand.Plan plan, Set<DigitStore.Waiter> ended) {
        if (!(plan instanceof DigitDemand.Plan.Compute compute)) {
            return false;
        }
        for (DigitStore.Waiter waiter : store.waiters()) {
            if (waiter.digits() > compute.digits() || ended.contains(waiter)) {
                continue;
            }
            if (jobs.find(waiter.jobId()).map(job -> !job.status().isFinal()).orElse(false)) {
                return true;
            }
            ended.add(waiter);
        }
        return false;
    }

    /**
     * Takes the jobs that waited for a computation stopped by cancellation off the waiting list: no
     * computation covers their digits now, and listed they would hold places of the list that jobs
     * still open need, until some later computation covered them.
     */
    private void forgetEndedWaiters(Set<DigitStore.Waiter> ended) {
        try {
            store.removeWaiters(Set.copyOf(ended));
        } catch (RuntimeException e) {
            LOG.warn("Could not take the cancelled jobs off the waiting list; a computation that covers them does: {}",
                    describe(e));
        }
    }

    /**
     * Gives the job back for another attempt, or fails it when the attempts are used up. A release
     * that cannot be recorded leaves the job to be taken over once its heartbeat is stale.
     */
    private Outcome retry(Job job, String owner, String reason) {
        if (job.attempts() >= settings.maxAttempts()) {
            return fail(job, owner, reason + " (attempt " + job.attempts() + " of " + settings.maxAttempts() + ")");
        }
        return release(job, owner, reason);
    }

    /** Gives the job back for another claim, after the first retry delay. */
    private Outcome release(Job job, String owner, String reason) {
        try {
            CallDeadline.finishing(() -> jobs.release(job.jobId(), owner, reason));
        } catch (RuntimeException e) {
            LOG.error("{}; recording the release failed too, so the job is taken over once its heartbeat is stale: {}",
                    reason, describe(e));
            return Outcome.RETRY;
        }
        LOG.warn("{}; will retry ({})", reason, entry("attempt", job.attempts()));
        return Outcome.RETRY;
    }

    /** Fails the job for good, with the reason; should that not be recorded, the message comes back to try again. */
    private Outcome fail(Job job, String owner, String reason) {
        return failIf(job, reason, () -> {
            boolean failed = jobs.fail(job.jobId(), owner, reason);
            if (failed) {
                metrics.jobFailed(job.jobId());
                LOG.warn("Job failed ({}): {}", entry("digits", job.digits()), reason);
            }
            return failed;
        });
    }

    /** Fails a job still open at its deadline; the repository counts it as it counts the sweeper's and the api's. */
    private Outcome failAtDeadline(Job job, String owner) {
        return failIf(job, job.overdueReason(), () -> jobs.failOverdue(job, owner));
    }

    /** Fails the job by {@code write}, whose condition may refuse (see {@link #refused}). */
    private Outcome failIf(Job job, String reason, Supplier<Boolean> write) {
        boolean failed;
        try {
            failed = CallDeadline.finishing(write);
        } catch (RuntimeException e) {
            LOG.error("The job could not be failed ({}): {}", reason, describe(e));
            return Outcome.RETRY;
        }
        return failed ? Outcome.DONE : refused(job, "failed");
    }

    private static String newOwner() {
        return UUID.randomUUID().toString();
    }

    private static long seconds(long startedNanos) {
        return TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startedNanos);
    }

    /**
     * The message of an error that says the Java heap was too small, by the rule the computing
     * child's errors are judged by ({@link PiProcess#heapExhausted}). Other memory errors (no native
     * thread, metaspace) are the JVM's or the machine's, not the computation's size, and another
     * attempt in another JVM may well succeed.
     */
    private static Optional<String> heapExhaustion(OutOfMemoryError e) {
        Throwable said = e;
        while (said.getMessage() == null && said.getCause() != null) {
            said = said.getCause(); // a parallel task's error comes back as a copy without the message
        }
        return Optional.ofNullable(said.getMessage()).filter(PiProcess::heapExhausted);
    }

    private static String describe(Throwable e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /**
     * Why {@code e} failed, in words the job's client may read (its record's reason is in every
     * answer about the job): a refusal by an AWS service, anywhere in its causes, by the service,
     * status and code alone, as its message may name the account, roles and resources. The log
     * line beside it has the whole exception.
     */
    private static String reason(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof AwsServiceException aws && aws.awsErrorDetails() != null) {
                AwsErrorDetails details = aws.awsErrorDetails();
                return details.serviceName() + " answered " + aws.statusCode()
                        + (details.errorCode() == null ? "" : " " + details.errorCode());
            }
        }
        return describe(e);
    }

    @Override
    public void close() {
        heartbeats.shutdownNow();
    }
}
