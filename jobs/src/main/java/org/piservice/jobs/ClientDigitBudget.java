package org.piservice.jobs;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import org.piservice.contract.ServiceMetrics;
import org.piservice.contract.Storage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * How many digits each client has asked for today (UTC), over all its jobs, so that no client can
 * fill the results bucket: every job's result is a copy of its own, and one the digit store serves
 * costs nothing else (no worker, no place in {@link ClientQuota}), so a client at the web ACL's
 * request rate would otherwise have terabytes copied a day.
 *
 * <p>A client's day is one item in the jobs table, under a key no job id can take, that holds the
 * sum; a job is charged by one conditional write that adds its digits while the sum stays within
 * the limit, and refunded when it was not started, or when it ended before any worker claimed it
 * (cancelled, or failed: at its deadline, or its message dead-lettered), having cost no computation.
 * The item expires the day after. A write the SDK
 * sent again after a lost answer counts twice: a charge then refuses its client a little early, a
 * refund lets it past the limit by that job's digits (a transaction's request token would make
 * them exact, which the embedded emulator does not take).
 */
public final class ClientDigitBudget {

    private static final Logger LOG = LoggerFactory.getLogger(ClientDigitBudget.class);
    private static final String PREFIX = "#digits/";
    private static final String DIGITS = "digits";

    /**
     * {@code digits} asked for by {@code client} on {@code day}: counted against it when
     * {@code admitted}, else refused, and nothing counted.
     */
    public record Charge(String client, LocalDate day, int digits, boolean admitted) {
        /** When a client refused on its day may ask again: the start of the next day (UTC). */
        public Instant nextDay() {
            return startOf(day.plusDays(1));
        }
    }

    private final DynamoDbClient dynamoDb;
    private final String tableName;
    private final int limit;
    private final Clock clock;
    private final EmfMetrics metrics;

    /** Counting the refunds that fail in {@code metrics} ({@link ServiceMetrics#DIGIT_REFUNDS_FAILED}). */
    public ClientDigitBudget(DynamoDbClient dynamoDb, ServiceConfig config, Clock clock, EmfMetrics metrics) {
        this.dynamoDb = dynamoDb;
        this.tableName = config.tableName();
        this.limit = config.clientDigitsPerDay();
        this.clock = clock;
        this.metrics = metrics;
    }

    public int limit() {
        return limit;
    }

    /** The day (UTC) that a request made now is charged to. */
    public LocalDate today() {
        return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
    }

    /** What a job's record keeps of whose day its digits were charged to ({@link Job#chargedTo()}). */
    public static String account(String client, LocalDate day) {
        return day + "/" + client;
    }

    /**
     * Counts {@code digits} against {@code client}'s {@code day}, unless they would take it past its limit.
     *
     * @return the charge, to refund should the job not start
     */
    public Charge charge(String client, LocalDate day, int digits) {
        try {
            dynamoDb.updateItem(update -> update.tableName(tableName).key(key(client, day))
                    .updateExpression("ADD #digits :digits SET #expiresAt = :expiresAt")
                    .conditionExpression("attribute_not_exists(#digits) OR #digits <= :room")
                    .expressionAttributeNames(Map.of("#digits", DIGITS, "#expiresAt", Storage.TTL_ATTRIBUTE))
                    .expressionAttributeValues(Map.of(
                            ":digits", AttributeValue.fromN(Integer.toString(digits)),
                            ":room", AttributeValue.fromN(Long.toString((long) limit - digits)),
                            ":expiresAt", AttributeValue.fromN(Long.toString(startOf(day.plusDays(2)).getEpochSecond())))));
            return new Charge(client, day, digits, true);
        } catch (ConditionalCheckFailedException e) {
            return new Charge(client, day, digits, false);
        }
    }

    /**
     * What charging {@code digits} to {@code client}'s {@code day} would do now, by a consistent read
     * that counts nothing: admitted, or refused.
     */
    public Charge probe(String client, LocalDate day, int digits) {
        Map<String, AttributeValue> item = dynamoDb.getItem(get -> get.tableName(tableName).key(key(client, day))
                .consistentRead(true)).item();
        long asked = item == null || !item.containsKey(DIGITS) ? 0 : Long.parseLong(item.get(DIGITS).n());
        return new Charge(client, day, digits, asked + digits <= limit);
    }

    /**
     * Takes back the digits of an admitted job, {@code jobId}, that did not start, with the finishing
     * calls' reserve ({@link CallDeadline#finishing}). The job's outcome stands whatever happens
     * here: a refund that fails is logged and counted, and the day keeps the digits.
     */
    void refundQuietly(String jobId, Charge charge) {
        try {
            CallDeadline.finishing(() -> refund(charge));
        } catch (RuntimeException e) {
            refundFailed(jobId, e);
        }
    }

    private void refund(Charge charge) {
        try {
            dynamoDb.updateItem(update -> update.tableName(tableName).key(key(charge.client(), charge.day()))
                    .updateExpression("ADD #digits :digits")
                    .conditionExpression("attribute_exists(#digits)")
                    .expressionAttributeNames(Map.of("#digits", DIGITS))
                    .expressionAttributeValues(Map.of(":digits", AttributeValue.fromN(Integer.toString(-charge.digits())))));
        } catch (ConditionalCheckFailedException e) {
            // The day's item has expired: nothing is left to take back.
        }
    }

    /**
     * Takes back the digits of a job that has just ended, when no worker had claimed it: it cost no
     * computation. Called once per job, by the one write that ended it; quiet as {@link #refundQuietly}.
     */
    void refundUnclaimed(Job ended) {
        if (ended.startedAt() != null || ended.chargedTo() == null) {
            return;
        }
        Charge charge;
        try {
            int slash = ended.chargedTo().indexOf('/');
            charge = new Charge(ended.chargedTo().substring(slash + 1),
                    LocalDate.parse(ended.chargedTo().substring(0, slash)), ended.digits(), true);
        } catch (RuntimeException e) { // a record another version wrote
            refundFailed(ended.jobId(), e);
            return;
        }
        refundQuietly(ended.jobId(), charge);
    }

    /**
     * A refund that failed, for an operator to see: the client may be refused before its limit
     * until the day is over.
     */
    void refundFailed(String jobId, RuntimeException cause) {
        LOG.warn("could not give back the digits of job {}, which cost no computation; its client's day keeps them",
                jobId, cause);
        metrics.digitRefundFailed(jobId);
    }

    private static Instant startOf(LocalDate day) {
        return day.atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    private static Map<String, AttributeValue> key(String client, LocalDate day) {
        return Map.of(Storage.TABLE_KEY, AttributeValue.fromS(PREFIX + account(client, day)));
    }
}
