package org.piservice.jobs;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.piservice.contract.ServiceMetrics;
import org.piservice.contract.Storage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.Select;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

/**
 * The jobs table. Every change of state is one conditional write, so concurrent workers and
 * duplicate messages can race freely: exactly one claim wins, only the claim's owner may report
 * progress or finish the job, and nothing changes a job once it is final (complete, failed or cancelled).
 *
 * <p>Uses neither transactions nor {@code ReturnValuesOnConditionCheckFailure}: the local emulator
 * has neither, and a consistent read after a refused write says all that is needed.
 */
public final class JobRepository {

    private static final Logger LOG = LoggerFactory.getLogger(JobRepository.class);

    private static final String JOB_ID = Storage.TABLE_KEY;
    private static final String DIGITS = "digits";
    private static final String STATUS = "status";
    private static final String CREATED_AT = "created_at";
    private static final String STARTED_AT = "started_at";
    private static final String FINISHED_AT = "finished_at";
    private static final String HEARTBEAT_AT = "heartbeat_at";
    private static final String PROGRESS = "progress";
    private static final String ERROR = "error";
    private static final String RESULT_KEY = "result_key";
    private static final String RESULT_BYTES = "result_bytes";
    private static final String ATTEMPTS = "attempts";
    private static final String OWNER = "owner";
    private static final String EXPIRES_AT = Storage.TTL_ATTRIBUTE;
    private static final String DEADLINE_AT = Storage.DEADLINE_ATTRIBUTE;
    private static final String PENDING = Storage.PENDING_ATTRIBUTE;
    private static final String REQUEUED_AT = "requeued_at";
    private static final String RELEASED_AT = "released_at";
    private static final String EXPECTED_START_AT = "expected_start_at";
    private static final String CHARGED_TO = "charged_to";
    /** The id of the queue message whose delivery made the last claim, when one did. */
    private static final String CLAIMED_BY = "claimed_by_message";
    /**
     * A one-off id of the last write that ended the job or took it from its owner. A refused write
     * that finds its own id here was applied by the SDK's first try, whose answer was lost.
     */
    private static final String WRITTEN_BY = "written_by";

    /** What a job that was taken over from a dead worker says about that worker's attempt. */
    public static final String SILENT_ATTEMPT = "the previous attempt stopped without a word (the worker crashed or timed out)";

    /** Longest error text kept: enough to act on, far below DynamoDB's item size limit. */
    private static final int MAX_ERROR_LENGTH = 1000;

    private static final String OWNED_BY_CALLER = "#status = :inProgress AND #owner = :owner";
    private static final String FAIL_SET = "#status = :failed, #finishedAt = :now, #error = :error, #expiresAt = :expiresAt";
    private static final String FAIL_REMOVE = "#owner, #pending";
    private static final Map<String, String> FAIL_NAMES = Map.of("#status", STATUS, "#finishedAt", FINISHED_AT,
            "#error", ERROR, "#expiresAt", EXPIRES_AT, "#owner", OWNER, "#pending", PENDING);
    private static final String OPEN = "#status IN (:queued, :inProgress)";
    /** The values {@link #OPEN} names. */
    private static final Map<String, AttributeValue> OPEN_VALUES = Map.of(
            ":queued", AttributeValue.fromS(JobStatus.QUEUED.wireName()),
            ":inProgress", AttributeValue.fromS(JobStatus.IN_PROGRESS.wireName()));
    /** Not in progress under a worker whose heartbeat is younger than {@code :staleBefore}. */
    private static final String UNHELD = " AND NOT (#status = :inProgress AND #heartbeatAt >= :staleBefore)";

    private final DynamoDbClient dynamoDb;
    private final String tableName;
    private final Duration jobTtl;
    private final Duration jobDeadline;
    private final ClientDigitBudget budget;
    private final EmfMetrics metrics;
    private final Clock clock;

    public JobRepository(DynamoDbClient dynamoDb, ServiceConfig config) {
        this(dynamoDb, config, Clock.systemUTC());
    }

    public JobRepository(DynamoDbClient dynamoDb, ServiceConfig config, Clock clock) {
        this(dynamoDb, config, clock, EmfMetrics.stdout());
    }

    /**
     * Counting in {@code metrics} the jobs failed at their deadline and the refunds of clients'
     * digits that fail ({@link ClientDigitBudget}).
     */
    public JobRepository(DynamoDbClient dynamoDb, ServiceConfig config, Clock clock, EmfMetrics metrics) {
        this.dynamoDb = dynamoDb;
        this.tableName = config.tableName();
        this.jobTtl = config.jobTtl();
        this.jobDeadline = config.jobDeadline();
        this.budget = new ClientDigitBudget(dynamoDb, config, clock, metrics);
        this.metrics = metrics;
        this.clock = clock;
    }

    /** Records a new job as queued, open until its deadline, its message expected to be taken at once, charged to no one. */
    public Job create(String jobId, int digits) {
        return create(jobId, digits, null, null);
    }

    /**
     * Records a new job as queued, open until its deadline, whose message may wait in the queue
     * until {@code expectedStartAt} (see {@link Job#expectedStartAt()}; null: none), and whose
     * digits count against {@code chargedTo} (see {@link Job#chargedTo()}; null: no one).
     */
    public Job create(String jobId, int digits, Instant expectedStartAt, String chargedTo) {
        Instant now = clock.instant();
        Map<String, AttributeValue> item = new HashMap<>(Map.of(
                JOB_ID, AttributeValue.fromS(jobId),
                DIGITS, number(digits),
                STATUS, AttributeValue.fromS(JobStatus.QUEUED.wireName()),
                CREATED_AT, millis(now),
                ATTEMPTS, number(0),
                EXPIRES_AT, expiresAt(now),
                DEADLINE_AT, millis(now.plus(jobDeadline)),
                PENDING, AttributeValue.fromS(Storage.PENDING_VALUE)));
        if (expectedStartAt != null) {
            item.put(EXPECTED_START_AT, millis(expectedStartAt));
        }
        if (chargedTo != null) {
            item.put(CHARGED_TO, AttributeValue.fromS(chargedTo));
        }
        putNew(item);
        return fromItem(item);
    }

    /**
     * Writes a new job's first record, never over another. A record that exists already and is
     * this very one was written by an attempt of this call that timed out after it had been
     * applied, which the SDK's retry then finds: the write is done.
     *
     * @throws IdTaken when another record has the id
     */
    private void putNew(Map<String, AttributeValue> item) {
        try {
            dynamoDb.putItem(put -> put.tableName(tableName).item(item)
                    .conditionExpression("attribute_not_exists(" + JOB_ID + ")"));
        } catch (ConditionalCheckFailedException e) {
            Map<String, AttributeValue> existing = dynamoDb.getItem(get -> get.tableName(tableName)
                    .key(Map.of(JOB_ID, item.get(JOB_ID))).consistentRead(true)).item();
            if (!item.equals(existing)) {
                throw new IdTaken(item.get(JOB_ID).s(), existing == null || existing.isEmpty() ? null : fromItem(existing), e);
            }
        }
    }

    /** A new job's record that met another under its id. */
    public static final class IdTaken extends IllegalStateException {
        private final transient Job existing;

        IdTaken(String jobId, Job existing, ConditionalCheckFailedException cause) {
            super("Job " + jobId + " exists already", cause);
            this.existing = existing;
        }

        /** The record that has the id; empty when it was deleted again before it could be read. */
        public Optional<Job> existing() {
            return Optional.ofNullable(existing);
        }
    }

    /**
     * Records a new job that is complete already, its result in place (a prefix of the digit store):
     * one write, so no reader ever sees it queued and no worker is asked for it.
     */
    public Job createComplete(String jobId, int digits, String resultKey) {
        Instant now = clock.instant();
        Map<String, AttributeValue> item = Map.ofEntries(
                Map.entry(JOB_ID, AttributeValue.fromS(jobId)),
                Map.entry(DIGITS, number(digits)),
                Map.entry(STATUS, AttributeValue.fromS(JobStatus.COMPLETE.wireName())),
                Map.entry(CREATED_AT, millis(now)),
                Map.entry(FINISHED_AT, millis(now)),
                Map.entry(PROGRESS, number(1)),
                Map.entry(RESULT_KEY, AttributeValue.fromS(resultKey)),
                Map.entry(RESULT_BYTES, number(Job.resultLength(digits))),
                Map.entry(ATTEMPTS, number(0)),
                Map.entry(EXPIRES_AT, expiresAt(now)),
                // Final at once, so not pending: the deadline is only the record's for the reader.
                Map.entry(DEADLINE_AT, millis(now.plus(jobDeadline))));
        putNew(item);
        return fromItem(item);
    }

    public Optional<Job> find(String jobId) {
        Map<String, AttributeValue> item = dynamoDb.getItem(get -> get.tableName(tableName)
                .key(key(jobId)).consistentRead(true)).item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(fromItem(item));
    }

    /**
     * How many jobs are queued or in progress, read by a scan of the whole table: for an operator
     * (the local run says how many it drops when it stops), never on a request's path.
     */
    public long countUnfinished() {
        return dynamoDb.scanPaginator(scan -> scan.tableName(tableName).select(Select.COUNT)
                        .filterExpression(OPEN)
                        .expressionAttributeNames(Map.of("#status", STATUS))
                        .expressionAttributeValues(OPEN_VALUES))
                .stream().mapToLong(page -> page.count()).sum();
    }

    /**
     * Deletes a job no worker has seen, for an api that could not queue the job it just created.
     *
     * @return false when the job is gone or a worker has it already
     */
    public boolean deleteIfQueued(String jobId) {
        try {
            dynamoDb.deleteItem(delete -> delete.tableName(tableName).key(key(jobId))
                    .conditionExpression("#status = :queued")
                    .expressionAttributeNames(Map.of("#status", STATUS))
                    .expressionAttributeValues(Map.of(":queued", AttributeValue.fromS(JobStatus.QUEUED.wireName()))));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    /**
     * Cancels a job that is queued or in progress, at its client's request. Its worker, if any,
     * learns of it when its next heartbeat is refused; a worker that claims it later finds it final.
     * One that no worker had claimed gives its client's day its digits back ({@link ClientDigitBudget}).
     *
     * @return the cancelled job, or empty when the job is gone or final already (the caller reads
     *         it again to tell which)
     */
    public Optional<Job> cancel(String jobId) {
        Instant now = clock.instant();
        Map<String, AttributeValue> values = new HashMap<>(OPEN_VALUES);
        values.putAll(Map.of(":cancelled", AttributeValue.fromS(JobStatus.CANCELLED.wireName()), ":now", millis(now),
                ":expiresAt", expiresAt(now)));
        Optional<Map<String, AttributeValue>> cancelled = writeOnce(jobId,
                "#status = :cancelled, #finishedAt = :now, #expiresAt = :expiresAt", "#owner, #pending", OPEN,
                Map.of("#status", STATUS, "#finishedAt", FINISHED_AT, "#expiresAt", EXPIRES_AT, "#owner", OWNER,
                        "#pending", PENDING), values);
        cancelled.ifPresent(this::refundIfUnclaimed);
        return cancelled.map(JobRepository::fromItem);
    }

    /**
     * Makes {@code owner} the one worker of a job that is queued, or in progress under a worker
     * whose last heartbeat is older than {@code staleAfter} (that worker is taken to be dead, and
     * its next heartbeat will be refused). A job taken over from a worker that neither finished nor
     * gave it back records {@link #SILENT_ATTEMPT} as its last error (unless that second write fails:
     * the claim stands without it). Through no message (a job that
     * waited for a computation, completed by the computing worker), it counts no attempt: the job's
     * attempts are its own deliveries, and a copy from the digit store that fails for another job's
     * worker, at the end of that worker's time, must not use up the ones it has left.
     */
    public ClaimResult claim(String jobId, String owner, Duration staleAfter) {
        return claim(jobId, owner, Optional.empty(), staleAfter);
    }

    /**
     * As {@link #claim(String, String, Duration)}, for the delivery of the queue message
     * {@code messageId}: the job remembers it, so that the dead-letter queue's consumer can tell that
     * message from a duplicate (see {@link #failUnheld}), and counts the attempt. A claim through no
     * message leaves the last one recorded: that message is still the job's, should the claim give
     * the job back.
     */
    public ClaimResult claim(String jobId, String owner, String messageId, Duration staleAfter) {
        return claim(jobId, owner, Optional.of(messageId), staleAfter);
    }

    private ClaimResult claim(String jobId, String owner, Optional<String> messageId, Duration staleAfter) {
        Instant now = clock.instant();
        Map<String, AttributeValue> values = new HashMap<>(OPEN_VALUES);
        values.put(":owner", AttributeValue.fromS(owner));
        values.put(":now", millis(now));
        values.put(":staleBefore", millis(now.minus(staleAfter)));
        values.put(":zero", number(0));
        messageId.ifPresent(id -> {
            values.put(":one", number(1));
            values.put(":message", AttributeValue.fromS(id));
        });
        UpdateItemRequest request = UpdateItemRequest.builder()
                .tableName(tableName)
                .key(key(jobId))
                .updateExpression("SET #status = :inProgress, #owner = :owner, #heartbeatAt = :now,"
                        + " #startedAt = if_not_exists(#startedAt, :now), #progress = :zero"
                        + (messageId.isPresent() ? ", #attempts = if_not_exists(#attempts, :zero) + :one, #claimedBy = :message" : "")
                        + " REMOVE #expectedStart")
                .conditionExpression("attribute_exists(#jobId) AND (#status = :queued"
                        + " OR (#status = :inProgress AND #heartbeatAt < :staleBefore))")
                .expressionAttributeNames(claimNames(messageId.isPresent()))
                .expressionAttributeValues(values)
                // The old item, not the new: only it shows whether a dead worker still held the job.
                .returnValues(ReturnValue.ALL_OLD)
                .build();
        Map<String, AttributeValue> old;
        try {
            old = dynamoDb.updateItem(request).attributes();
        } catch (ConditionalCheckFailedException e) {
            // This owner's own claim when the SDK retried one that was applied but whose answer was lost.
            return find(jobId)
                    .<ClaimResult>map(job -> job.status().isFinal() ? new ClaimResult.Finished(job)
                            : owner.equals(job.owner()) ? new ClaimResult.Claimed(job) : new ClaimResult.Busy(job))
                    .orElseGet(() -> new ClaimResult.NotFound(jobId));
        }
        Map<String, AttributeValue> claimed = new HashMap<>(old);
        claimed.put(STATUS, values.get(":inProgress"));
        claimed.put(OWNER, values.get(":owner"));
        claimed.put(HEARTBEAT_AT, values.get(":now"));
        claimed.putIfAbsent(STARTED_AT, values.get(":now"));
        claimed.put(PROGRESS, values.get(":zero"));
        claimed.remove(EXPECTED_START_AT);
        if (messageId.isPresent()) {
            claimed.put(ATTEMPTS, number(fromItem(old).attempts() + 1L));
        }
        if (old.containsKey(OWNER)) {
            // A worker that stops on an error gives the job back (release) or finishes it; only a
            // dead one leaves its token behind.
            try {
                updateOwned(jobId, owner, "SET #error = :error", Map.of("#error", ERROR),
                        Map.of(":error", AttributeValue.fromS(SILENT_ATTEMPT)));
                claimed.put(ERROR, AttributeValue.fromS(SILENT_ATTEMPT));
            } catch (SdkException e) {
                // The claim is written: thrown now, it would be held by no one until its heartbeat
                // is stale, and cost the job an attempt. Only the note of the silent attempt is lost.
                LOG.warn("could not note the silent attempt of a job taken over ({}): {}", jobId, e.getMessage());
            }
        }
        return new ClaimResult.Claimed(fromItem(claimed));
    }

    private static Map<String, String> claimNames(boolean throughMessage) {
        Map<String, String> names = new HashMap<>(Map.of(
                "#jobId", JOB_ID, "#status", STATUS, "#owner", OWNER, "#heartbeatAt", HEARTBEAT_AT,
                "#startedAt", STARTED_AT, "#progress", PROGRESS, "#expectedStart", EXPECTED_START_AT));
        if (throughMessage) {
            names.put("#attempts", ATTEMPTS);
            names.put("#claimedBy", CLAIMED_BY);
        }
        return names;
    }

    /**
     * Shows that the owner is alive and how far it got.
     *
     * @return false when the owner has lost the job (taken over, or finished): it must stop
     */
    public boolean heartbeat(String jobId, String owner, double progress) {
        return updateOwned(jobId, owner, "SET #heartbeatAt = :now, #progress = :progress",
                Map.of("#heartbeatAt", HEARTBEAT_AT, "#progress", PROGRESS),
                Map.of(":now", millis(clock.instant()), ":progress", number(progress)));
    }

    /**
     * Marks the job complete with its result. The caller has checked that the object is whole.
     *
     * @return false when the caller no longer owns the job, which then stays as it is
     */
    public boolean complete(String jobId, String owner, String resultKey, long resultBytes) {
        Instant now = clock.instant();
        return letGo(jobId, owner,
                "#status = :complete, #finishedAt = :now, #resultKey = :resultKey, #resultBytes = :resultBytes,"
                        + " #progress = :one, #expiresAt = :expiresAt",
                "#owner, #error, #pending",
                Map.of("#status", STATUS, "#finishedAt", FINISHED_AT, "#resultKey", RESULT_KEY,
                        "#resultBytes", RESULT_BYTES, "#progress", PROGRESS, "#expiresAt", EXPIRES_AT,
                        "#owner", OWNER, "#error", ERROR, "#pending", PENDING),
                Map.of(":complete", AttributeValue.fromS(JobStatus.COMPLETE.wireName()), ":now", millis(now),
                        ":resultKey", AttributeValue.fromS(resultKey), ":resultBytes", number(resultBytes),
                        ":one", number(1), ":expiresAt", expiresAt(now)));
    }

    /**
     * Marks the job failed for good, with a reason a user can read.
     *
     * @return false when the caller no longer owns the job, which then stays as it is
     */
    public boolean fail(String jobId, String owner, String reason) {
        return letGo(jobId, owner, FAIL_SET, FAIL_REMOVE, FAIL_NAMES, failValues(reason));
    }

    /**
     * Gives the job up after an error worth retrying: it stays in progress, with the error, and
     * its heartbeat is made stale at once so that the next delivery of its message claims it
     * without waiting; the time of release keeps the sweeper from taking the job for idle.
     *
     * @return false when the caller no longer owns the job
     */
    public boolean release(String jobId, String owner, String error) {
        return letGo(jobId, owner, "#heartbeatAt = :zero, #error = :error, #releasedAt = :now", "#owner",
                Map.of("#heartbeatAt", HEARTBEAT_AT, "#error", ERROR, "#releasedAt", RELEASED_AT, "#owner", OWNER),
                Map.of(":zero", number(0), ":error", AttributeValue.fromS(truncate(error)),
                        ":now", millis(clock.instant())));
    }

    /**
     * Fails a job that is not final yet and that no live worker holds, for the dead-letter queue's
     * consumer, whose message {@code messageId} no worker will see again. A job in progress whose
     * heartbeat is younger than {@code staleAfter} is its worker's to finish, however many duplicates
     * of its message the queue gave up on; should that worker die, the sweeper sends the job's
     * message again. So is a job last claimed through another message, which still has deliveries
     * to come (a job released for its retry waits for that message, not for this one).
     *
     * @return false when the job is final already, held by a live worker, claimed through another
     *     message, or does not exist
     */
    public boolean failUnheld(String jobId, String messageId, String reason, Duration staleAfter) {
        Map<String, AttributeValue> values = new HashMap<>(staleBefore(staleAfter));
        values.put(":message", AttributeValue.fromS(messageId));
        return failOpenIf(jobId, reason, UNHELD + " AND (attribute_not_exists(#claimedBy) OR #claimedBy = :message)",
                Map.of("#heartbeatAt", HEARTBEAT_AT, "#claimedBy", CLAIMED_BY), values);
    }

    /**
     * As {@link #failOverdue(Job)}, but a job a live worker holds is left to it: its worker stops
     * computing before the deadline, and may still be storing the result and completing it.
     */
    public boolean failOverdueUnheld(Job job, Duration staleAfter) {
        return failedAtDeadline(job, failOpenIf(job.jobId(), job.overdueReason(), " AND #deadlineAt <= :now" + UNHELD,
                Map.of("#deadlineAt", DEADLINE_AT, "#heartbeatAt", HEARTBEAT_AT), staleBefore(staleAfter)));
    }

    /** The {@link #UNHELD} condition's value: heartbeats before it are a dead worker's. */
    private Map<String, AttributeValue> staleBefore(Duration staleAfter) {
        return Map.of(":staleBefore", millis(clock.instant().minus(staleAfter)));
    }

    /**
     * Fails a job that is still open at its deadline, whoever holds it, with {@link Job#overdueReason}.
     *
     * @return false when the job is final already, has more time, or does not exist
     */
    public boolean failOverdue(Job job) {
        return failedAtDeadline(job, failOpenIf(job.jobId(), job.overdueReason(), " AND #deadlineAt <= :now",
                Map.of("#deadlineAt", DEADLINE_AT), Map.of()));
    }

    /**
     * Fails a job its owner cannot finish by its deadline, as {@link #fail} does.
     *
     * @return false when the caller no longer owns the job
     */
    public boolean failOverdue(Job job, String owner) {
        return failedAtDeadline(job, fail(job.jobId(), owner, job.overdueReason()));
    }

    /**
     * Counts and logs a job this repository failed at its deadline ({@code failed}): every failing
     * at a deadline, by the sweeper, the api or a worker, is counted so, once.
     */
    private boolean failedAtDeadline(Job job, boolean failed) {
        if (failed) {
            metrics.jobFailed(job.jobId(), ServiceMetrics.JOBS_OVERDUE);
            LOG.warn("Job failed at its deadline ({} digits): {}", job.digits(), job.overdueReason());
        }
        return failed;
    }

    private boolean failOpenIf(String jobId, String reason, String condition, Map<String, String> names,
                               Map<String, AttributeValue> values) {
        Map<String, AttributeValue> allValues = new HashMap<>(values);
        allValues.putAll(OPEN_VALUES);
        allValues.putAll(failValues(reason));
        Map<String, String> allNames = new HashMap<>(names);
        allNames.putAll(FAIL_NAMES);
        Optional<Map<String, AttributeValue>> failed = writeOnce(jobId, FAIL_SET, FAIL_REMOVE, OPEN + condition,
                allNames, allValues);
        failed.ifPresent(this::refundIfUnclaimed);
        return failed.isPresent();
    }

    /**
     * Gives the client's day the digits of a job just ended by this repository's write ({@code ended},
     * the item as the write left it), when no worker had claimed it ({@link ClientDigitBudget#refundUnclaimed}).
     * The job's end stands whatever happens here.
     */
    private void refundIfUnclaimed(Map<String, AttributeValue> ended) {
        Job job;
        try {
            job = fromItem(ended);
        } catch (RuntimeException e) { // a record another version wrote
            if (!ended.containsKey(STARTED_AT) && ended.containsKey(CHARGED_TO)) {
                budget.refundFailed(ended.get(JOB_ID).s(), e);
            }
            return;
        }
        budget.refundUnclaimed(job);
    }

    /**
     * The open jobs (queued or in progress), earliest deadline first, read from the
     * sparse index that holds them alone: its size is the backlog, not the table's history.
     * Eventually consistent, as every index: the caller's writes check the job again. A record
     * this version cannot read (a status a later version wrote, an attribute edited by hand) is left
     * out, logged and named in {@link OpenJobs#unreadable()}, so that it keeps neither the sweeper
     * nor the api from the others.
     */
    public OpenJobs openJobs() {
        return readable(dynamoDb.queryPaginator(query -> openJobs(query, tableName)).items().stream());
    }

    /** The open jobs read, and the ids of those whose records could not be read. */
    public record OpenJobs(List<Job> jobs, List<String> unreadable) {
    }

    /**
     * The open jobs that one call returns (DynamoDB's page of 1 MB), earliest deadline first: for
     * a reader on a request's path, which must not page through a long backlog.
     */
    public List<Job> openJobsFirstPage() {
        return readable(dynamoDb.query(query -> openJobs(query, tableName)).items().stream()).jobs();
    }

    private static OpenJobs readable(Stream<Map<String, AttributeValue>> items) {
        List<Job> jobs = new ArrayList<>();
        List<String> unreadable = new ArrayList<>();
        items.forEach(item -> {
            try {
                jobs.add(fromItem(item));
            } catch (RuntimeException e) {
                unreadable.add(item.get(JOB_ID).s());
                LOG.error("An open job's record cannot be read, and is left out: {} ({})", item.get(JOB_ID).s(), e.toString());
            }
        });
        return new OpenJobs(jobs, unreadable);
    }

    /** {@code query} made the query of {@code tableName}'s open jobs, earliest deadline first. */
    public static QueryRequest.Builder openJobs(QueryRequest.Builder query, String tableName) {
        return query.tableName(tableName).indexName(Storage.PENDING_INDEX)
                .keyConditionExpression("#pending = :pending")
                .expressionAttributeNames(Map.of("#pending", PENDING))
                .expressionAttributeValues(Map.of(":pending", AttributeValue.fromS(Storage.PENDING_VALUE)));
    }

    /**
     * Takes a job out of the open jobs' index once it is final by a way that left it there: a
     * cancellation recorded by an earlier version of this class, which kept the job in it.
     */
    public void closeIfFinal(String jobId) {
        try {
            dynamoDb.updateItem(update -> update.tableName(tableName).key(key(jobId))
                    .updateExpression("REMOVE #pending")
                    .conditionExpression("attribute_exists(#status) AND NOT (" + OPEN + ")")
                    .expressionAttributeNames(Map.of("#pending", PENDING, "#status", STATUS))
                    .expressionAttributeValues(OPEN_VALUES));
        } catch (ConditionalCheckFailedException e) {
            // Open after all, or gone: nothing to take out.
        }
    }

    /**
     * Records the message the sweeper has just sent again, {@code messageId}, as the one the job
     * waits for, if no worker and no other sweep has touched the job since {@code seen} was read:
     * the job counts as touched now, so that the next sweeps do not send another copy, and that
     * message may fail the job from the dead-letter queue, as a claim through it would make it, and
     * no other message of the job may (the one lost, should it turn up). The new message may wait
     * in the queue until {@code expectedStartAt}, behind the work accepted before it.
     *
     * @return false when the job changed meanwhile: the message sent is a duplicate, which the
     *         claim turns away or which claims the job as its message would have
     */
    public boolean markRequeued(Job seen, String messageId, Instant expectedStartAt) {
        Instant now = clock.instant();
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":now", millis(now),
                ":message", AttributeValue.fromS(messageId), ":expectedStart", millis(expectedStartAt)));
        // The SDK's retry of a write whose answer was lost finds this very message recorded, which is no change by anyone else.
        String condition = untouchedSince(seen, values)
                + " AND (" + unchanged("#requeuedAt", ":requeuedAt", seen.requeuedAt(), values) + " OR #claimedBy = :message)";
        try {
            dynamoDb.updateItem(update -> update.tableName(tableName).key(key(seen.jobId()))
                    .updateExpression("SET #requeuedAt = :now, #claimedBy = :message, #expectedStart = :expectedStart")
                    .conditionExpression(condition)
                    .expressionAttributeNames(Map.of("#claimedBy", CLAIMED_BY, "#requeuedAt", REQUEUED_AT,
                            "#status", STATUS, "#heartbeatAt", HEARTBEAT_AT, "#releasedAt", RELEASED_AT,
                            "#expectedStart", EXPECTED_START_AT))
                    .expressionAttributeValues(values));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    /**
     * The condition that the job's status, heartbeat and release are as in {@code seen}, adding the
     * values it names to {@code values}. A release leaves the heartbeat as every release does (0),
     * so only its time tells a claim and release since.
     */
    private static String untouchedSince(Job seen, Map<String, AttributeValue> values) {
        values.put(":status", AttributeValue.fromS(seen.status().wireName()));
        return "#status = :status AND " + unchanged("#heartbeatAt", ":heartbeatAt", seen.heartbeatAt(), values)
                + " AND " + unchanged("#releasedAt", ":releasedAt", seen.releasedAt(), values);
    }

    /** The condition that an instant attribute still has the value read, or is still absent. */
    private static String unchanged(String name, String placeholder, Instant seen, Map<String, AttributeValue> values) {
        if (seen == null) {
            return "attribute_not_exists(" + name + ")";
        }
        values.put(placeholder, millis(seen));
        return name + " = " + placeholder;
    }

    private boolean updateOwned(String jobId, String owner, String updateExpression,
                                Map<String, String> names, Map<String, AttributeValue> values) {
        try {
            dynamoDb.updateItem(update -> update.tableName(tableName).key(key(jobId))
                    .updateExpression(updateExpression)
                    .conditionExpression(OWNED_BY_CALLER)
                    .expressionAttributeNames(ownedNames(names))
                    .expressionAttributeValues(ownedValues(owner, values)));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    /** An update of a job that {@code owner} holds, which ends the job or gives it back. */
    private boolean letGo(String jobId, String owner, String set, String remove,
                          Map<String, String> names, Map<String, AttributeValue> values) {
        return writeOnce(jobId, set, remove, OWNED_BY_CALLER, ownedNames(names), ownedValues(owner, values)).isPresent();
    }

    /** {@code names} and the names {@link #OWNED_BY_CALLER} uses. */
    private static Map<String, String> ownedNames(Map<String, String> names) {
        Map<String, String> allNames = new HashMap<>(names);
        allNames.put("#status", STATUS);
        allNames.put("#owner", OWNER);
        return allNames;
    }

    /** {@code values} and the values {@link #OWNED_BY_CALLER} uses. */
    private static Map<String, AttributeValue> ownedValues(String owner, Map<String, AttributeValue> values) {
        Map<String, AttributeValue> allValues = new HashMap<>(values);
        allValues.put(":inProgress", AttributeValue.fromS(JobStatus.IN_PROGRESS.wireName()));
        allValues.put(":owner", AttributeValue.fromS(owner));
        return allValues;
    }

    /**
     * Makes a conditional update that ends the job or takes it from its owner ({@code SET set REMOVE
     * remove}), and records a one-off id of it.
     *
     * @return the job's item as the update left it, when it was applied, by this call or by the SDK's
     *     earlier try of it, whose answer was lost: its own condition then refuses the try that follows
     */
    private Optional<Map<String, AttributeValue>> writeOnce(String jobId, String set, String remove, String condition,
                                                            Map<String, String> names, Map<String, AttributeValue> values) {
        String writer = UUID.randomUUID().toString(); // the same in every try the SDK makes
        Map<String, String> allNames = new HashMap<>(names);
        allNames.put("#writtenBy", WRITTEN_BY);
        Map<String, AttributeValue> allValues = new HashMap<>(values);
        allValues.put(":writer", AttributeValue.fromS(writer));
        try {
            return Optional.of(dynamoDb.updateItem(update -> update.tableName(tableName).key(key(jobId))
                    .updateExpression("SET #writtenBy = :writer, " + set + " REMOVE " + remove)
                    .conditionExpression(condition)
                    .expressionAttributeNames(allNames)
                    .expressionAttributeValues(allValues)
                    .returnValues(ReturnValue.ALL_NEW)).attributes());
        } catch (ConditionalCheckFailedException e) {
            // Only a write the SDK sent more than once can have been applied before it was refused;
            // a first refusal, the usual one, costs no read.
            return e.numAttempts() != null && e.numAttempts() > 1 ? writtenBy(jobId, writer) : Optional.empty();
        }
    }

    /** The job's item, when the last write that ended it or took it from its owner was {@code writer}'s. */
    private Optional<Map<String, AttributeValue>> writtenBy(String jobId, String writer) {
        Map<String, AttributeValue> item = dynamoDb.getItem(get -> get.tableName(tableName).key(key(jobId))
                .consistentRead(true)).item();
        return item != null && item.containsKey(WRITTEN_BY) && writer.equals(item.get(WRITTEN_BY).s())
                ? Optional.of(item) : Optional.empty();
    }

    private static Job fromItem(Map<String, AttributeValue> item) {
        return new Job(
                item.get(JOB_ID).s(),
                Integer.parseInt(item.get(DIGITS).n()),
                JobStatus.fromWireName(item.get(STATUS).s()),
                instant(item, CREATED_AT),
                instant(item, STARTED_AT),
                instant(item, FINISHED_AT),
                instant(item, HEARTBEAT_AT),
                item.containsKey(PROGRESS) ? Double.valueOf(item.get(PROGRESS).n()) : null,
                item.containsKey(ERROR) ? item.get(ERROR).s() : null,
                item.containsKey(RESULT_KEY) ? item.get(RESULT_KEY).s() : null,
                item.containsKey(RESULT_BYTES) ? Long.valueOf(item.get(RESULT_BYTES).n()) : null,
                item.containsKey(ATTEMPTS) ? Integer.parseInt(item.get(ATTEMPTS).n()) : 0,
                item.containsKey(OWNER) ? item.get(OWNER).s() : null,
                item.containsKey(EXPIRES_AT) ? Instant.ofEpochSecond(Long.parseLong(item.get(EXPIRES_AT).n())) : null,
                instant(item, DEADLINE_AT),
                instant(item, REQUEUED_AT),
                instant(item, RELEASED_AT),
                instant(item, EXPECTED_START_AT),
                item.containsKey(CHARGED_TO) ? item.get(CHARGED_TO).s() : null);
    }

    private static Map<String, AttributeValue> key(String jobId) {
        return Map.of(JOB_ID, AttributeValue.fromS(jobId));
    }

    private static Instant instant(Map<String, AttributeValue> item, String name) {
        AttributeValue value = item.get(name);
        return value == null ? null : Instant.ofEpochMilli(Long.parseLong(value.n()));
    }

    /** The values {@link #FAIL_SET} names, failing a job now with {@code reason}. */
    private Map<String, AttributeValue> failValues(String reason) {
        Instant now = clock.instant();
        return Map.of(":failed", AttributeValue.fromS(JobStatus.FAILED.wireName()), ":now", millis(now),
                ":error", AttributeValue.fromS(truncate(reason)), ":expiresAt", expiresAt(now));
    }

    /** When a record written now expires (its TTL attribute). */
    private AttributeValue expiresAt(Instant now) {
        return number(now.plus(jobTtl).getEpochSecond());
    }

    private static AttributeValue millis(Instant instant) {
        return number(instant.toEpochMilli());
    }

    private static AttributeValue number(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }

    /** Progress to four places, in plain notation (never {@code 1.0E-4}). */
    private static AttributeValue number(double value) {
        return AttributeValue.fromN(BigDecimal.valueOf(value).setScale(4, RoundingMode.HALF_EVEN)
                .stripTrailingZeros().toPlainString());
    }

    private static String truncate(String text) {
        return text.length() <= MAX_ERROR_LENGTH ? text : text.substring(0, MAX_ERROR_LENGTH - 1) + "…";
    }
}
