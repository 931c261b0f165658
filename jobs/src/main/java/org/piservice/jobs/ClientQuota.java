package org.piservice.jobs;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.piservice.contract.JobDelivery;
import org.piservice.contract.Storage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * How many unfinished jobs that need computing each client has, so that one client cannot fill the
 * queue and starve the others. A client's item in the jobs table (under a key no job id can take)
 * holds the ids of its admitted jobs; a job is admitted by one conditional write that adds its id
 * while the set is smaller than the limit. Jobs are admitted once their records exist, so that an
 * id whose record is gone belongs to a job that is gone.
 *
 * <p>A set of ids rather than a counter: adding and removing an id are idempotent, so a retried
 * write never counts twice, and no one has to decrement anything when a job ends. Ids of jobs that
 * have ended are pruned when the client is at its limit ({@link #prune}): that costs at most the
 * limit's number of reads, only for a client that is at it, and a lost update can never lock a
 * client out. (A query of a secondary index by client would need no item of its own, but its
 * reads are eventually consistent, so a burst of requests would all see room and all get in.)
 */
public final class ClientQuota {

    private static final Logger LOG = LoggerFactory.getLogger(ClientQuota.class);

    private static final String CLIENT_PREFIX = "#client/";
    private static final String JOBS = "jobs";

    private final DynamoDbClient dynamoDb;
    private final JobRepository jobRepository;
    private final String tableName;
    private final int limit;
    private final Duration kept;
    private final Clock clock;

    public ClientQuota(DynamoDbClient dynamoDb, JobRepository jobRepository, ServiceConfig config, Clock clock) {
        this.dynamoDb = dynamoDb;
        this.jobRepository = jobRepository;
        this.tableName = config.tableName();
        this.limit = config.maxUnfinishedJobsPerClient();
        this.kept = config.jobTtl();
        this.clock = clock;
    }

    public int limit() {
        return limit;
    }

    /**
     * Counts {@code jobId} against {@code client}'s limit, first pruning the ids of ended jobs when
     * the client seems to be at it.
     *
     * @return false when the client has as many unfinished jobs as it may
     */
    public boolean admit(String client, String jobId) {
        return add(client, jobId) || prune(client) && add(client, jobId);
    }

    /** No longer counts {@code jobId} (a submission that failed, a job that ended); harmless when repeated. */
    public void release(String client, String jobId) {
        dynamoDb.updateItem(update -> update.tableName(tableName).key(key(client))
                .updateExpression("DELETE #jobs :id")
                .expressionAttributeNames(Map.of("#jobs", JOBS))
                .expressionAttributeValues(Map.of(":id", AttributeValue.fromSs(java.util.List.of(jobId)))));
    }

    private boolean add(String client, String jobId) {
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":id", AttributeValue.fromSs(java.util.List.of(jobId)));
        values.put(":idString", AttributeValue.fromS(jobId));
        values.put(":limit", AttributeValue.fromN(Integer.toString(limit)));
        values.put(":expiresAt", AttributeValue.fromN(Long.toString(clock.instant().plus(kept).getEpochSecond())));
        try {
            dynamoDb.updateItem(update -> update.tableName(tableName).key(key(client))
                    .updateExpression("ADD #jobs :id SET #expiresAt = :expiresAt")
                    // (or counted already: an attempt that timed out had been applied)
                    .conditionExpression("attribute_not_exists(#jobs) OR size(#jobs) < :limit OR contains(#jobs, :idString)")
                    .expressionAttributeNames(Map.of("#jobs", JOBS, "#expiresAt", Storage.TTL_ATTRIBUTE))
                    .expressionAttributeValues(values));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    /** Releases the client's jobs that have ended or are gone; true when any was. */
    private boolean prune(String client) {
        Map<String, AttributeValue> item = dynamoDb.getItem(get -> get.tableName(tableName).key(key(client))
                .consistentRead(true)).item();
        Set<String> ids = item == null || !item.containsKey(JOBS) ? Set.of() : Set.copyOf(item.get(JOBS).ss());
        boolean released = false;
        for (String id : ids) {
            if (ended(id)) {
                release(client, id);
                released = true;
            }
        }
        return released;
    }

    /**
     * Whether the job has ended or is gone. One open past its deadline is failed on sight, as the api
     * fails one its client asks about (unless a live worker holds it, which fails it itself): its
     * client would otherwise be held at its limit until the sweeper's next run, and told to cancel
     * a job that is failed once asked about. One whose record this version cannot read (a later
     * version's, during a deploy) counts as unfinished, rather than fail every request of its client.
     */
    private boolean ended(String jobId) {
        try {
            Instant now = clock.instant();
            return jobRepository.find(jobId).map(job -> job.status().isFinal() || job.expired(now)
                    || job.isOverdue(now) && failedAtDeadline(job)).orElse(true);
        } catch (SdkException e) {
            throw e;
        } catch (RuntimeException e) {
            LOG.error("A job's record cannot be read, and counts against its client's quota: {} ({})", jobId, e.toString());
            return false;
        }
    }

    /**
     * Fails {@code job}, open past its deadline, unless a live worker holds it; false when it did
     * not, and the job counts as unfinished until the sweeper's run. Its lines name it, not the
     * request being answered.
     */
    private boolean failedAtDeadline(Job job) {
        String request = MDC.get(LogFields.JOB_ID);
        MDC.put(LogFields.JOB_ID, job.jobId());
        try {
            return jobRepository.failOverdueUnheld(job, JobDelivery.STALE_AFTER);
        } catch (SdkException e) {
            LOG.warn("could not fail a job past its deadline; it counts against its client's limit until the sweeper fails it", e);
            return false;
        } finally {
            if (request == null) {
                MDC.remove(LogFields.JOB_ID);
            } else {
                MDC.put(LogFields.JOB_ID, request);
            }
        }
    }

    private static Map<String, AttributeValue> key(String client) {
        return Map.of(Storage.TABLE_KEY, AttributeValue.fromS(CLIENT_PREFIX + client));
    }
}
