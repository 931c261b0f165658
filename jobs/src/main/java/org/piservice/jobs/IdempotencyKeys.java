package org.piservice.jobs;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import org.piservice.contract.GatewayAnswers;
import org.piservice.contract.Storage;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * The {@code Idempotency-Key}s of job submissions (the IETF httpapi draft's header), kept for
 * {@link #KEPT} as items of the jobs table under a key no job id can take. A key belongs to its
 * client: two clients that happen to choose the same key never see each other's jobs.
 *
 * <p>The first request with a key reserves it with one conditional write, under the id its job
 * will get, and records its job when it has one; a repeat then gets that job again. What makes two
 * requests "the same" is what they ask for, the number of digits, not the bytes of the body
 * (spacing, key order).
 */
public final class IdempotencyKeys {

    /** How long a key is remembered, as the draft suggests. */
    public static final Duration KEPT = Duration.ofHours(24);
    /**
     * How long a first request may hold its key without a job: three times an api invocation's
     * longest. A key held longer belongs to a request that died: a repeat gets the job it made, if
     * it made one before it died, or takes the key over.
     */
    static final Duration IN_FLIGHT = Duration.ofSeconds(3L * GatewayAnswers.API_TIMEOUT_SECONDS);

    private static final String KEY_PREFIX = "#idempotency/";
    private static final String DIGITS = "digits";
    private static final String JOB = "job";
    private static final String RESERVED_AT = "reserved_at";
    private static final String REQUEST = "request";

    /** What a key says about a request. */
    public sealed interface Use {
        /** The key is new, and now this request's. */
        record First() implements Use {
        }

        /** A request with this key and the same digits made {@code jobId}. */
        record Repeat(String jobId) implements Use {
        }

        /** A request with this key and the same digits is still being answered. */
        record InFlight() implements Use {
        }

        /** The key was used for a request for {@code digits} digits, not these. */
        record Mismatch(int digits) implements Use {
        }
    }

    private final DynamoDbClient dynamoDb;
    private final JobRepository jobs;
    private final String tableName;
    private final Clock clock;

    public IdempotencyKeys(DynamoDbClient dynamoDb, JobRepository jobs, ServiceConfig config, Clock clock) {
        this.dynamoDb = dynamoDb;
        this.jobs = jobs;
        this.tableName = config.tableName();
        this.clock = clock;
    }

    /**
     * Reserves {@code key} of {@code client} for a request for {@code digits}, or says what it was
     * used for. {@code request} is unique to the request (the id its job would get): finding its
     * own reservation, written by an attempt that timed out, a request knows it is the first.
     */
    public Use reserve(String client, String key, int digits, String request) {
        Instant now = clock.instant();
        Map<String, AttributeValue> item = Map.of(
                Storage.TABLE_KEY, itemKey(client, key),
                DIGITS, AttributeValue.fromN(Integer.toString(digits)),
                RESERVED_AT, AttributeValue.fromN(Long.toString(now.toEpochMilli())),
                REQUEST, AttributeValue.fromS(request),
                Storage.TTL_ATTRIBUTE, AttributeValue.fromN(Long.toString(now.plus(KEPT).getEpochSecond())));
        try {
            // New, or expired (TTL deletes only eventually)
            dynamoDb.putItem(put -> put.tableName(tableName).item(item)
                    .conditionExpression("attribute_not_exists(#key) OR #expiresAt < :now")
                    .expressionAttributeNames(Map.of("#key", Storage.TABLE_KEY, "#expiresAt", Storage.TTL_ATTRIBUTE))
                    .expressionAttributeValues(Map.of(":now", AttributeValue.fromN(Long.toString(now.getEpochSecond())))));
            return new Use.First();
        } catch (ConditionalCheckFailedException e) {
            Map<String, AttributeValue> existing = dynamoDb.getItem(get -> get.tableName(tableName)
                    .key(Map.of(Storage.TABLE_KEY, itemKey(client, key))).consistentRead(true)).item();
            if (existing == null || existing.isEmpty()) {
                // Released by its request between the two calls: that request failed, and so may this one retry.
                return new Use.InFlight();
            }
            String holder = existing.get(REQUEST).s();
            if (holder.equals(request)) {
                return new Use.First();
            }
            int usedFor = Integer.parseInt(existing.get(DIGITS).n());
            if (usedFor != digits) {
                return new Use.Mismatch(usedFor);
            }
            if (existing.containsKey(JOB)) {
                return new Use.Repeat(existing.get(JOB).s());
            }
            Instant reservedAt = Instant.ofEpochMilli(Long.parseLong(existing.get(RESERVED_AT).n()));
            if (now.isBefore(reservedAt.plus(IN_FLIGHT))) {
                return new Use.InFlight();
            }
            return takeOver(client, key, holder, item);
        }
    }

    /**
     * The key of a request that died: the job it made stands, when it made one (it may have died
     * after making it, before recording it here); otherwise this request takes the key over.
     */
    private Use takeOver(String client, String key, String holder, Map<String, AttributeValue> item) {
        if (jobs.find(holder).isPresent()) {
            complete(client, key, holder);
            return new Use.Repeat(holder);
        }
        try {
            dynamoDb.putItem(put -> put.tableName(tableName).item(item)
                    .conditionExpression("#request = :holder AND attribute_not_exists(#job)")
                    .expressionAttributeNames(Map.of("#request", REQUEST, "#job", JOB))
                    .expressionAttributeValues(Map.of(":holder", AttributeValue.fromS(holder))));
            return new Use.First();
        } catch (ConditionalCheckFailedException anotherRepeatWasFirst) {
            return new Use.InFlight();
        }
    }

    /**
     * Records the job {@code jobId} made by the request that reserved {@code key} under that id:
     * repeats get it from now on. A request that outlived {@link #IN_FLIGHT} and lost its key to a
     * repeat records nothing: the key is the repeat's, and one key never names two jobs.
     */
    public void complete(String client, String key, String jobId) {
        try {
            dynamoDb.updateItem(update -> update.tableName(tableName).key(Map.of(Storage.TABLE_KEY, itemKey(client, key)))
                    .updateExpression("SET #job = :job")
                    .conditionExpression("#request = :job")
                    .expressionAttributeNames(Map.of("#job", JOB, "#request", REQUEST))
                    .expressionAttributeValues(Map.of(":job", AttributeValue.fromS(jobId))));
        } catch (ConditionalCheckFailedException takenOver) {
            // the repeat's now, or expired and gone
        }
    }

    /**
     * Frees {@code key} after the request that reserved it as {@code request} made no job (a 429 or
     * 503), so that a retry with it may; a key another request has taken over stays its own.
     */
    public void release(String client, String key, String request) {
        try {
            dynamoDb.deleteItem(delete -> delete.tableName(tableName).key(Map.of(Storage.TABLE_KEY, itemKey(client, key)))
                    .conditionExpression("#request = :request AND attribute_not_exists(#job)")
                    .expressionAttributeNames(Map.of("#job", JOB, "#request", REQUEST))
                    .expressionAttributeValues(Map.of(":request", AttributeValue.fromS(request))));
        } catch (ConditionalCheckFailedException madeAJobAfterAllOrTakenOver) {
            // then the key stays with its job, or with the request that holds it now
        }
    }

    /** The client and key hashed: a key is the client's own text of any length, the item key is bounded. */
    private static AttributeValue itemKey(String client, String key) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256")
                    .digest((client + "\n" + key).getBytes(StandardCharsets.UTF_8));
            return AttributeValue.fromS(KEY_PREFIX + HexFormat.of().formatHex(hash));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
