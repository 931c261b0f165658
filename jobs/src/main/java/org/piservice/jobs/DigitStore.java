package org.piservice.jobs;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;
import org.piservice.contract.JobDelivery;
import org.piservice.contract.Storage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * The digit store: the longest exact result computed so far, {@code 3.} and M decimals, kept as one
 * S3 object under {@value org.piservice.contract.Storage#DIGIT_STORE_PREFIX}, which no lifecycle rule expires. Every shorter
 * answer is a prefix of it, so a job for N ≤ M is a server-side copy and a range of digits is a
 * ranged GET: no digit is computed twice.
 *
 * <p>Its length, its key and the computation that extends it now (a lease, with the jobs that wait
 * for it) live in one item of the jobs table under {@link #ITEM_KEY}, a key no job id can take (job
 * ids are UUIDs). A separate table would need its own creation here, on LocalStack and in the stack,
 * and its own grants, for one item. Every change of the item is a conditional write, so racing
 * workers never leave it shorter or pointing at an object it was not checked against.
 *
 * <p>A new object is written under a key of its own computation's, which names its length; it is
 * checked, and only then pointed to; the objects it covers (the one it replaces, and any other left
 * as long or shorter) are deleted after. No two computations write one key, so the bytes checked are
 * the bytes pointed to, even when two workers compute as many digits (one took over a lease the
 * other still used). A crash in between leaves the item pointing at a whole, checked object: at
 * worst an unpointed object stays behind, which the next computation that it covers offers instead
 * of computing ({@link #offerLeftover}); once the store covers it, the next look for left-overs or
 * the next new store deletes it (neither comes once the store is as long as any job: what a worker
 * leaves then stays, as does an object whose delete failed). Readers that find the pointed object
 * gone (replaced a moment ago) read the item again.
 */
public final class DigitStore {

    private static final Logger LOG = LoggerFactory.getLogger(DigitStore.class);

    /** The store's item in the jobs table; {@link JobId#isWellFormed} refuses it, so no request can name it. */
    public static final String ITEM_KEY = "#digit-store";
    /** Below this many bytes a prefix is read and written again by the caller: two calls, no multipart upload. */
    static final long COPY_THROUGH_CALLER_BELOW = 1024 * 1024;
    /**
     * The most bytes one call copies inside S3: each copy call has the caller's budget of an S3 call
     * (a worker's: 10 s an attempt), which a whole result of the largest jobs (5·10^8 digits, 477 MiB)
     * in one part would need some 50 MB/s to keep. Every part but the last is over S3's least, 5 MiB.
     */
    static final long COPY_PART_BYTES = 64L << 20;
    /** How much of the current store a new object must repeat exactly before it may replace it. */
    static final int OVERLAP_BYTES = 4096;
    /** The start of every store: the one check a first store can get without another engine. */
    static final String KNOWN_START = "3.14159265358979323846264338327950288419716939937510";

    private static final String OBJECT_KEY_START = Storage.DIGIT_STORE_PREFIX + "pi-";
    private static final String OBJECT_KEY_END = ".txt";
    private static final String DIGITS = "store_digits";
    private static final String KEY = "store_key";
    private static final String UPDATED_AT = "store_updated_at";
    private static final String LEASE_OWNER = "lease_owner";
    private static final String LEASE_DIGITS = "lease_digits";
    private static final String LEASE_HEARTBEAT_AT = "lease_heartbeat_at";
    private static final String LEASE_ENDS_BY = "lease_ends_by";
    private static final String WAITING = "waiting_jobs";
    /**
     * Tries of a read, copy or offer that another offer's success cut short: each lost race is a
     * longer store, and an offer can lose one to every offer racing it, the winner's included
     * (seven at once in DigitStoreTest, two of one length; the lease keeps the workers' to one or
     * two), so only a fault runs out of these.
     */
    private static final int ATTEMPTS_AFTER_A_RACE = 10;
    /**
     * The most jobs listed to wait at once. A job waits without a quota (it costs no computing), so
     * one client could list many; those never covered (their computation failed) stay until a longer
     * store covers them, while those cancelled with their computation leave the list as it stops. So
     * many entries are about 46 KB of the store's item, which every request reads (a read unit per
     * 4 KB) and DynamoDB holds to 400 KB. A job that finds the list full waits unlisted: its own
     * message, coming back, completes it once the store covers it.
     */
    public static final int MAX_WAITERS = 1_000;

    private final DynamoDbClient dynamoDb;
    private final S3Client s3;
    private final ResultStore results;
    private final String table;
    private final String bucket;
    private final Clock clock;
    /** By their new owner, the leases taken from a live computation, for {@link #releaseLease}. */
    private final Map<String, Overtaken> overtaken = new ConcurrentHashMap<>();

    public DigitStore(DynamoDbClient dynamoDb, S3Client s3, ResultStore results, ServiceConfig config) {
        this(dynamoDb, s3, results, config, Clock.systemUTC());
    }

    public DigitStore(DynamoDbClient dynamoDb, S3Client s3, ResultStore results, ServiceConfig config, Clock clock) {
        this.dynamoDb = dynamoDb;
        this.s3 = s3;
        this.results = results;
        this.table = config.tableName();
        this.bucket = config.bucketName();
        this.clock = clock;
    }

    /**
     * What the item says now.
     *
     * @param digits decimals in the store, 0 when there is none yet
     * @param key the store's object, null when there is none
     * @param leaseOwner the worker computing a longer store now, or null
     * @param leaseDigits how many decimals that worker computes
     * @param leaseHeartbeatAt when it last showed it is alive
     * @param leaseEndsBy when that computation ends, and the jobs waiting for it are complete, by its
     *     worker's reckoning; null for a lease an earlier version wrote (or, while one still runs
     *     beside this version, the end of the lease before it)
     * @param waiting jobs waiting for that computation, as {@code <digits>:<job id>}
     */
    public record State(long digits, String key, String leaseOwner, long leaseDigits, Instant leaseHeartbeatAt,
                        Instant leaseEndsBy, Set<String> waiting) {

        /** A store that has no item yet: no digits, no lease, no waiting jobs. */
        public static final State EMPTY = new State(0, null, null, 0, null, null, Set.of());

        public boolean covers(long decimals) {
            return digits >= decimals;
        }

        /** Whether a live computation will leave at least {@code decimals} in the store. */
        public boolean computing(long decimals, Instant now, Duration staleAfter) {
            return leaseOwner != null && leaseDigits >= decimals && leaseHeartbeatAt.isAfter(now.minus(staleAfter));
        }

        /**
         * Whether a live computation will leave at least {@code decimals} in the store by
         * {@code deadline} (at any time when it is null), as far as is known: a job due then that
         * waits for it is completed in time.
         */
        public boolean computingBy(long decimals, Instant deadline, Instant now, Duration staleAfter) {
            return computing(decimals, now, staleAfter) && (deadline == null || !mayEndAfter(deadline, now));
        }

        /**
         * Whether the computation that extends the store now may end after {@code instant}, as far as
         * is known: its worker reckoned so, or it runs past the end its worker reckoned (the time
         * model was optimistic) and may go on to its invocation's end, at most Lambda's longest
         * invocation after that reckoning began.
         */
        public boolean mayEndAfter(Instant instant, Instant now) {
            if (leaseEndsBy == null) {
                return false;
            }
            Instant end = overran(now) ? leaseEndsBy.plusSeconds(JobDelivery.LAMBDA_MAX_TIMEOUT_SECONDS) : leaseEndsBy;
            return end.isAfter(instant);
        }

        /** Whether the computation that extends the store now runs past the end its worker reckoned. */
        public boolean overran(Instant now) {
            return leaseEndsBy != null && leaseEndsBy.isBefore(now);
        }

        /** Whether {@code waiter} is listed for a live computation, which completes it when it ends. */
        public boolean awaits(Waiter waiter, Instant now, Duration staleAfter) {
            return lists(waiter) && computing(waiter.digits(), now, staleAfter);
        }

        /** Whether {@code waiter} is on the waiting list. */
        public boolean lists(Waiter waiter) {
            return waiting.contains(waiter.entry());
        }
    }

    /** A waiting job, as the item lists it. */
    public record Waiter(String jobId, int digits) {
        String entry() {
            return digits + ":" + jobId;
        }

        static Waiter parse(String entry) {
            int colon = entry.indexOf(':');
            return new Waiter(entry.substring(colon + 1), Integer.parseInt(entry.substring(0, colon)));
        }
    }

    /**
     * The state alone, one consistent read of the store's item: all the backstops and the backlog
     * need, and no S3 client, so a function that never calls S3 never builds one at its start.
     */
    public static Supplier<State> stateReader(DynamoDbClient dynamoDb, ServiceConfig config) {
        String table = config.tableName();
        return () -> read(dynamoDb, table);
    }

    public State state() {
        return read(dynamoDb, table);
    }

    private static State read(DynamoDbClient dynamoDb, String table) {
        return parse(dynamoDb.getItem(get -> get.tableName(table).key(itemKey()).consistentRead(true)).item());
    }

    /** @throws DamagedItem when an attribute is not what this version writes */
    private static State parse(Map<String, AttributeValue> item) {
        if (item == null || item.isEmpty()) {
            return State.EMPTY;
        }
        try {
            State state = new State(number(item, DIGITS), text(item, KEY), text(item, LEASE_OWNER),
                    number(item, LEASE_DIGITS),
                    item.containsKey(LEASE_HEARTBEAT_AT) ? Instant.ofEpochMilli(number(item, LEASE_HEARTBEAT_AT)) : null,
                    item.containsKey(LEASE_ENDS_BY) ? Instant.ofEpochMilli(number(item, LEASE_ENDS_BY)) : null,
                    item.containsKey(WAITING) ? Set.copyOf(texts(item, WAITING)) : Set.of());
            if (state.digits() > 0 && state.key() == null) {
                throw new IllegalArgumentException(DIGITS + " without " + KEY);
            }
            if (state.leaseOwner() != null && state.leaseHeartbeatAt() == null) {
                throw new IllegalArgumentException(LEASE_OWNER + " without " + LEASE_HEARTBEAT_AT);
            }
            number(item, UPDATED_AT); // for people only, but of this version's form as the rest
            waiters(state);
            return state;
        } catch (RuntimeException e) {
            throw new DamagedItem(e);
        }
    }

    // An attribute of another type reads as null or empty from the SDK: each must be the type written.

    private static long number(Map<String, AttributeValue> item, String name) {
        AttributeValue value = item.get(name);
        if (value == null) {
            return 0;
        }
        if (value.n() == null) {
            throw new IllegalArgumentException(name + " is not a number: " + value);
        }
        return Long.parseLong(value.n());
    }

    private static String text(Map<String, AttributeValue> item, String name) {
        AttributeValue value = item.get(name);
        if (value != null && value.s() == null) {
            throw new IllegalArgumentException(name + " is not a string: " + value);
        }
        return value == null ? null : value.s();
    }

    private static List<String> texts(Map<String, AttributeValue> item, String name) {
        AttributeValue value = item.get(name);
        if (!value.hasSs()) {
            throw new IllegalArgumentException(name + " is not a string set: " + value);
        }
        return value.ss();
    }

    /**
     * The store's item holds what this version cannot read: a hand edit, or a later version's
     * format after a rollback. Readers that can do without the store (the api, which queues the job;
     * the workers, which compute each job for it alone; the backstops, which skip the wait the store
     * explains) go on without it.
     */
    public static final class DamagedItem extends RuntimeException {
        DamagedItem(RuntimeException cause) {
            super("The digit store's item (" + ITEM_KEY + " in the jobs table) cannot be read (" + cause
                    + "); delete it, and its object under " + Storage.DIGIT_STORE_PREFIX + ", to start a new store", cause);
        }
    }

    // ---- serving from the store ----

    /**
     * Makes {@code targetKey} hold exactly {@code 3.} and {@code digits} decimals, copied from the
     * store inside S3 (a multipart upload whose parts are ranged copies of {@link #COPY_PART_BYTES}),
     * or for small results read and written again by this process.
     *
     * @return false, copying nothing, when the store has fewer digits
     * @throws WrongLengthCopy when the copy is not as long as it must be (a copy read through this
     *     process is then not written)
     */
    public boolean copyPrefix(int digits, String targetKey) {
        return copyPrefix(state(), digits, targetKey);
    }

    /** As {@link #copyPrefix(int, String)}, from the store's {@code state} as its caller just read it. */
    public boolean copyPrefix(State state, int digits, String targetKey) {
        long bytes = Job.resultLength(digits);
        return againAfterARace(state, current -> {
            if (!current.covers(digits)) {
                return false;
            }
            if (bytes < COPY_THROUGH_CALLER_BELOW) {
                byte[] prefix = range(current.key(), 0, bytes);
                requireLength(targetKey, prefix.length, bytes);
                s3.putObject(put -> put.bucket(bucket).key(targetKey).contentType(ResultStore.CONTENT_TYPE),
                        RequestBody.fromBytes(prefix));
            } else {
                copyRange(current.key(), bytes, targetKey);
                requireLength(targetKey, results.size(targetKey).orElse(-1), bytes);
            }
            return true;
        });
    }

    private static void requireLength(String targetKey, long copied, long bytes) {
        if (copied != bytes) {
            throw new WrongLengthCopy(targetKey + " got " + copied + " bytes from the store, not " + bytes);
        }
    }

    /** A copy from the store that is not as long as it must be: the store's object is shorter than its item says. */
    public static final class WrongLengthCopy extends IllegalStateException {
        WrongLengthCopy(String message) {
            super(message);
        }
    }

    /**
     * {@code use} of the store as {@code state} says it is; when S3 says its object is gone (the
     * store was replaced meanwhile), again with the state that replaced it.
     */
    private <T> T againAfterARace(State state, Function<State, T> use) {
        State current = state;
        for (int attempt = 1; ; attempt++, current = state()) {
            try {
                return use.apply(current);
            } catch (NoSuchKeyException replacedMeanwhile) {
                if (attempt == ATTEMPTS_AFTER_A_RACE) {
                    throw replacedMeanwhile;
                }
            }
        }
    }

    private void copyRange(String sourceKey, long bytes, String targetKey) {
        String uploadId = s3.createMultipartUpload(create -> create.bucket(bucket).key(targetKey)
                .contentType(ResultStore.CONTENT_TYPE)).uploadId();
        try {
            List<CompletedPart> parts = new ArrayList<>();
            for (long from = 0; from < bytes; from += COPY_PART_BYTES) {
                int number = parts.size() + 1;
                String range = "bytes=" + from + "-" + (Math.min(bytes, from + COPY_PART_BYTES) - 1);
                String eTag = s3.uploadPartCopy(copy -> copy.sourceBucket(bucket).sourceKey(sourceKey)
                        .copySourceRange(range)
                        .destinationBucket(bucket).destinationKey(targetKey).uploadId(uploadId).partNumber(number))
                        .copyPartResult().eTag();
                parts.add(CompletedPart.builder().partNumber(number).eTag(eTag).build());
            }
            s3.completeMultipartUpload(complete -> complete.bucket(bucket).key(targetKey).uploadId(uploadId)
                    .multipartUpload(upload -> upload.parts(parts)));
        } catch (RuntimeException e) {
            // Not a finishing call (CallDeadline): an open upload shows no object, and the bucket's
            // lifecycle rule aborts it a day on, so the time left goes to the job's own records.
            try {
                s3.abortMultipartUpload(abort -> abort.bucket(bucket).key(targetKey).uploadId(uploadId));
            } catch (RuntimeException abortFailure) {
                e.addSuppressed(abortFailure);
            }
            throw e;
        }
    }

    /** Digits by position, Pi Delivery's way: position 0 is the {@code 3}, position p ≥ 1 the p-th decimal. */
    public sealed interface Range {
        record Digits(String content) implements Range {
        }

        /** The store ends before the range does; it has {@code available} positions (0 .. available - 1). */
        record Beyond(long available) implements Range {
        }
    }

    public Range read(long start, int count) {
        return againAfterARace(state(), state -> {
            long available = state.key() == null ? 0 : state.digits() + 1;
            if (start + count > available) {
                return new Range.Beyond(available);
            }
            if (start == 0) {
                // "3." and the decimals: the point at byte 1 is no position.
                String text = new String(range(state.key(), 0, count + 1L), StandardCharsets.US_ASCII);
                return new Range.Digits(text.charAt(0) + text.substring(2));
            }
            return new Range.Digits(new String(range(state.key(), start + 1, count), StandardCharsets.US_ASCII));
        });
    }

    // ---- extending the store ----

    /**
     * An object of {@code digits} decimals that one computation wrote, under {@code key}: the
     * store's candidate until {@link #offer}ed.
     */
    public record Candidate(String key, long digits) {

        public Candidate {
            if (!key.startsWith(OBJECT_KEY_START) || !key.endsWith(OBJECT_KEY_END)) {
                throw new IllegalArgumentException(key + " is not a key of the digit store's objects");
            }
        }

        /** A new computation's: {@code pi-<digits>-<random id>.txt}, a key no other computation writes. */
        static Candidate next(long digits) {
            return new Candidate(OBJECT_KEY_START + digits + "-" + UUID.randomUUID() + OBJECT_KEY_END, digits);
        }

        /**
         * The candidate at {@code key}, empty for a key of another kind. Earlier versions named an
         * object by its length alone, {@code pi-<digits>.txt}: such objects are still read, offered
         * and deleted.
         */
        static Optional<Candidate> at(String key) {
            if (!key.startsWith(OBJECT_KEY_START) || !key.endsWith(OBJECT_KEY_END)) {
                return Optional.empty();
            }
            String name = key.substring(OBJECT_KEY_START.length(), key.length() - OBJECT_KEY_END.length());
            int dash = name.indexOf('-');
            try {
                return Optional.of(new Candidate(key, Long.parseLong(dash < 0 ? name : name.substring(0, dash))));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }
    }

    /**
     * Offers the longest object of at least {@code digits} decimals, longer than the store, that a
     * computation wrote but that never became the store: its offer failed, or its worker died between
     * the upload and the offer. It gets every check a new object gets, so that the retry of its job
     * need not compute its digits again. Only completed uploads are listed, so an object found is
     * one a computation finished writing. One that is refused (of the wrong length, or failing the
     * checks, and so deleted; or gone since the listing) gives way to the next longest. Those the
     * store covers already are deleted: the next store may be long in coming.
     *
     * @return what became of the object offered, {@link Offer.Stored} or {@link Offer.Superseded};
     *     empty when none was of use
     */
    public Optional<Offer> offerLeftover(long digits) {
        List<Candidate> candidates = candidates();
        State store = state();
        coveredBy(store.digits(), store.key(), candidates).forEach(this::deleteUnused);
        List<Candidate> longestFirst = candidates.stream()
                .filter(candidate -> candidate.digits() >= digits && candidate.digits() > store.digits())
                .sorted(Comparator.comparingLong(Candidate::digits).reversed())
                .toList();
        for (Candidate candidate : longestFirst) {
            Offer offer = offer(candidate);
            if (!(offer instanceof Offer.Rejected rejected)) {
                return Optional.of(offer);
            }
            LOG.warn("Digits a computation left were not taken: {}", rejected.reason());
        }
        return Optional.empty();
    }

    /** Streams a new candidate of {@code digits} decimals to a key of its own; it is no store until {@link #offer}ed. */
    public Candidate write(long digits, ResultStore.ResultWriter writer) throws java.io.IOException {
        Candidate candidate = Candidate.next(digits);
        results.upload(candidate.key(), writer);
        return candidate;
    }

    /** What became of an offered object. */
    public sealed interface Offer {
        /** It is the store now. */
        record Stored(long digits) implements Offer {
        }

        /** A store at least as long was in place or came first; the offered object is deleted, unless it is the store's. */
        record Superseded(long storeDigits) implements Offer {
        }

        /** It failed a check and was not used: a fault of the computation, not to be retried blindly. */
        record Rejected(String reason) implements Offer {
        }
    }

    /**
     * Makes {@code candidate} the store, if it is whole and repeats the current store's last
     * {@value #OVERLAP_BYTES} bytes, and the store is shorter. The pointer moves only from the state
     * it was checked against, so a store that changes meanwhile is checked again.
     */
    public Offer offer(Candidate candidate) {
        String key = candidate.key();
        long digits = candidate.digits();
        for (int attempt = 1; attempt <= ATTEMPTS_AFTER_A_RACE; attempt++) {
            long length = results.size(key).orElse(-1);
            State current = state();
            if (length != Job.resultLength(digits)) {
                if (length >= 0 && !key.equals(current.key())) {
                    // Written with the wrong number of bytes: of no use, and in the way of shorter left-overs.
                    deleteUnused(key);
                }
                // Gone because the store took these digits meanwhile (a worker found them left over),
                // a longer store deleted them, or another offer of them refused them.
                return current.covers(digits) ? new Offer.Superseded(current.digits())
                        : new Offer.Rejected(key + " has " + (length < 0 ? "no object" : length + " bytes")
                                + " instead of " + Job.resultLength(digits));
            }
            if (current.covers(digits)) {
                if (!key.equals(current.key())) {
                    deleteUnused(key);
                }
                return new Offer.Superseded(current.digits());
            }
            String mismatch;
            try {
                mismatch = current.key() == null ? startMismatch(key, digits) : overlapMismatch(key, current);
            } catch (NoSuchKeyException goneMeanwhile) {
                // A racing offer replaced the store checked against (check against the new one), or
                // this object is gone (the next look says why).
                continue;
            }
            if (mismatch != null) {
                deleteRefused(key);
                return new Offer.Rejected(mismatch);
            }
            if (point(digits, key, current)) {
                deleteCovered(candidate, current.key());
                return new Offer.Stored(digits);
            }
        }
        throw new IllegalStateException("The digit store kept changing while " + key + " was offered");
    }

    private String startMismatch(String key, long digits) {
        int n = (int) Math.min(KNOWN_START.length(), Job.resultLength(digits));
        String start = new String(range(key, 0, n), StandardCharsets.US_ASCII);
        return start.equals(KNOWN_START.substring(0, n)) ? null
                : key + " does not start as pi does: " + start;
    }

    private String overlapMismatch(String key, State current) {
        long end = current.digits() + 2;
        long from = Math.max(0, end - OVERLAP_BYTES);
        byte[] stored = range(current.key(), from, end - from);
        byte[] offered = range(key, from, end - from);
        return Arrays.equals(stored, offered) ? null
                : key + " disagrees with the store " + current.key() + " in bytes " + from + ".." + (end - 1);
    }

    private boolean point(long digits, String key, State checkedAgainst) {
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":digits", AttributeValue.fromN(Long.toString(digits)));
        values.put(":key", AttributeValue.fromS(key));
        values.put(":now", AttributeValue.fromN(Long.toString(clock.millis())));
        String condition;
        if (checkedAgainst.key() == null) {
            condition = "attribute_not_exists(#key)";
        } else {
            condition = "#key = :checkedKey AND #digits < :digits";
            values.put(":checkedKey", AttributeValue.fromS(checkedAgainst.key()));
        }
        return updateIf("SET #digits = :digits, #key = :key, #updatedAt = :now", condition,
                Map.of("#digits", DIGITS, "#key", KEY, "#updatedAt", UPDATED_AT), values)
                // Pointed at already: by this offer, when the SDK retried a write whose answer was lost.
                || key.equals(state().key());
    }

    /** Every object under the store's prefix, the store's own included. */
    private List<Candidate> candidates() {
        return s3.listObjectsV2Paginator(list -> list.bucket(bucket).prefix(OBJECT_KEY_START)).contents().stream()
                .map(object -> Candidate.at(object.key()))
                .flatMap(Optional::stream)
                .toList();
    }

    /**
     * Deletes what the new store {@code stored} covers: the object it replaced ({@code replaced},
     * null for none) and any other a computation left, shorter or as long. A computation still
     * writing one of those offers it later and finds it superseded. A failure costs only storage.
     */
    private void deleteCovered(Candidate stored, String replaced) {
        Set<String> covered = new HashSet<>();
        if (replaced != null) {
            covered.add(replaced);
        }
        try {
            covered.addAll(coveredBy(stored.digits(), stored.key(), candidates()));
        } catch (RuntimeException e) {
            LOG.warn("Could not list the digit store's objects; those a computation left stay: {}", e.getMessage());
        }
        covered.forEach(this::deleteUnused);
    }

    /**
     * The keys among {@code candidates} that a store of {@code digits} decimals at {@code key} covers,
     * its own left out. None of them can become the store later: a new store must be longer.
     */
    private static List<String> coveredBy(long digits, String key, List<Candidate> candidates) {
        return candidates.stream()
                .filter(candidate -> candidate.digits() <= digits && !candidate.key().equals(key))
                .map(Candidate::key)
                .toList();
    }

    /**
     * Deletes an offered object whose check failed, unless the store points at it now: another
     * worker may offer the same left-over ({@link #offerLeftover}) and, checking it against a longer
     * store whose last bytes lie past a wrong digit, make it the store. That other offer may still be
     * between its check and its pointer, which this look cannot see: it narrows the race to those
     * moments. Should the store not be readable, the object stays: it costs only its storage, and
     * deleting the store's own would leave it pointing at nothing.
     */
    private void deleteRefused(String key) {
        boolean isStore;
        try {
            isStore = key.equals(state().key());
        } catch (RuntimeException e) {
            LOG.warn("Could not read the digit store; {}, which failed its check, stays: {}", key, e.getMessage());
            return;
        }
        if (!isStore) {
            deleteUnused(key);
        }
    }

    /**
     * Deletes an object the store does not use (the one it replaced, or an offer it did not take).
     * A failure costs only its storage: what the offer decided stands, and a computation must not
     * be given up for its cleanup.
     */
    private void deleteUnused(String key) {
        try {
            s3.deleteObject(delete -> delete.bucket(bucket).key(key));
        } catch (RuntimeException e) {
            LOG.warn("Could not delete {}, which the digit store does not use; delete it by hand: {}", key,
                    e.getMessage());
        }
    }

    // ---- the computation lease ----

    /**
     * Makes {@code owner} the one worker extending the store to {@code leaseDigits}, for a job of
     * {@code neededDigits}: only while the store does not cover that job and no live lease does.
     *
     * @param endsBy when the computation, and the completion of the jobs that wait for it, will end
     *     (by the time model, and at the latest its invocation's end or its job's deadline): a job
     *     due sooner that can be computed alone in time is, rather than wait for it
     * @return false when another worker's live computation or the store covers the job
     */
    public boolean takeLease(String owner, long leaseDigits, long neededDigits, Instant endsBy, Duration staleAfter) {
        Instant now = clock.instant();
        Map<String, AttributeValue> old;
        try {
            old = dynamoDb.updateItem(update -> update.tableName(table).key(itemKey())
                    .updateExpression("SET #owner = :owner, #leaseDigits = :leaseDigits, #heartbeat = :now, #endsBy = :endsBy")
                    .conditionExpression("(attribute_not_exists(#digits) OR #digits < :needed)"
                            + " AND (attribute_not_exists(#owner) OR #heartbeat < :staleBefore OR #leaseDigits < :needed)")
                    .expressionAttributeNames(Map.of("#owner", LEASE_OWNER, "#leaseDigits", LEASE_DIGITS,
                            "#heartbeat", LEASE_HEARTBEAT_AT, "#endsBy", LEASE_ENDS_BY, "#digits", DIGITS))
                    .expressionAttributeValues(Map.of(
                            ":owner", AttributeValue.fromS(owner),
                            ":leaseDigits", AttributeValue.fromN(Long.toString(leaseDigits)),
                            ":now", AttributeValue.fromN(Long.toString(now.toEpochMilli())),
                            ":endsBy", AttributeValue.fromN(Long.toString(endsBy.toEpochMilli())),
                            ":needed", AttributeValue.fromN(Long.toString(neededDigits)),
                            ":staleBefore", AttributeValue.fromN(Long.toString(now.minus(staleAfter).toEpochMilli()))))
                    .returnValues(ReturnValue.ALL_OLD)).attributes();
        } catch (ConditionalCheckFailedException e) {
            // This owner's own lease when the SDK retried a write that was applied but whose answer was
            // lost; what it took over is not known then, and is not handed back.
            return owner.equals(state().leaseOwner());
        }
        State before;
        try {
            before = parse(old);
        } catch (DamagedItem e) {
            // Written into an item no one can read: removed, it leaves no job waiting for a
            // computation that its owner, told the item is damaged, will not run.
            try {
                releaseLease(owner);
            } catch (RuntimeException releaseFailed) {
                e.addSuppressed(releaseFailed); // it lapses once stale
            }
            throw e;
        }
        if (before.computing(0, now, staleAfter) && !owner.equals(before.leaseOwner())) {
            overtaken.put(owner, new Overtaken(before, staleAfter));
        }
        return true;
    }

    /** @return false when the lease is no longer {@code owner}'s (it went stale and was taken over) */
    public boolean heartbeatLease(String owner) {
        return updateLease(owner, "SET #heartbeat = :now", Map.of("#heartbeat", LEASE_HEARTBEAT_AT),
                Map.of(":now", AttributeValue.fromN(Long.toString(clock.millis()))));
    }

    /**
     * Ends {@code owner}'s lease, if it still has it; waiting jobs stay listed for whoever completes
     * them. A lease {@code owner} took from a live computation, for a longer job, goes back to that
     * computation while it may still run (its heartbeat not yet stale): whether or not {@code owner}
     * computed, the jobs that computation covers must go on seeing it, and wait for it rather than
     * compute again.
     */
    public void releaseLease(String owner) {
        Overtaken previous = overtaken.remove(owner);
        if (previous != null && previous.lease().computing(0, clock.instant(), previous.staleAfter())
                && handBack(owner, previous.lease())) {
            return;
        }
        updateLease(owner, "REMOVE #leaseDigits, #heartbeat, #endsBy, #owner", Map.of("#leaseDigits", LEASE_DIGITS,
                "#heartbeat", LEASE_HEARTBEAT_AT, "#endsBy", LEASE_ENDS_BY), Map.of());
    }

    /** Gives {@code previous} its lease back, unless the store covers its digits by now (nothing to wait for). */
    private boolean handBack(String owner, State previous) {
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":owner", AttributeValue.fromS(owner),
                ":previous", AttributeValue.fromS(previous.leaseOwner()),
                ":previousDigits", AttributeValue.fromN(Long.toString(previous.leaseDigits())),
                ":previousHeartbeat", AttributeValue.fromN(Long.toString(previous.leaseHeartbeatAt().toEpochMilli()))));
        String expression = "SET #owner = :previous, #leaseDigits = :previousDigits, #heartbeat = :previousHeartbeat";
        if (previous.leaseEndsBy() == null) {
            expression += " REMOVE #endsBy";
        } else {
            expression += ", #endsBy = :previousEndsBy";
            values.put(":previousEndsBy", AttributeValue.fromN(Long.toString(previous.leaseEndsBy().toEpochMilli())));
        }
        return updateIf(expression,
                "#owner = :owner AND (attribute_not_exists(#digits) OR #digits < :previousDigits)",
                Map.of("#owner", LEASE_OWNER, "#leaseDigits", LEASE_DIGITS, "#heartbeat", LEASE_HEARTBEAT_AT,
                        "#endsBy", LEASE_ENDS_BY, "#digits", DIGITS), values);
    }

    /** The item as {@link #takeLease} found it when it took a live computation's lease away. */
    private record Overtaken(State lease, Duration staleAfter) {
    }

    /**
     * Lists a job to be completed by the computation of {@code leaseOwner}, as long as that
     * computation still runs and covers it, and fewer than {@link #MAX_WAITERS} are listed.
     *
     * @return false when that computation ended (or was taken over) meanwhile, or the list is full:
     *     look at the store again
     */
    public boolean await(Waiter waiter, String leaseOwner) {
        return updateIf("ADD #waiting :entry",
                "#owner = :owner AND #leaseDigits >= :digits AND (attribute_not_exists(#waiting) OR size(#waiting) < :max)",
                Map.of("#waiting", WAITING, "#owner", LEASE_OWNER, "#leaseDigits", LEASE_DIGITS),
                Map.of(":entry", AttributeValue.fromSs(java.util.List.of(waiter.entry())),
                        ":owner", AttributeValue.fromS(leaseOwner),
                        ":digits", AttributeValue.fromN(Integer.toString(waiter.digits())),
                        ":max", AttributeValue.fromN(Integer.toString(MAX_WAITERS))));
    }

    /** The listed jobs the store covers now. */
    public Set<Waiter> coveredWaiters() {
        State state = state();
        Set<Waiter> covered = new HashSet<>();
        for (Waiter waiter : waiters(state)) {
            if (state.covers(waiter.digits())) {
                covered.add(waiter);
            }
        }
        return covered;
    }

    /** Every listed job. */
    public Set<Waiter> waiters() {
        return waiters(state());
    }

    private static Set<Waiter> waiters(State state) {
        Set<Waiter> waiters = new HashSet<>();
        for (String entry : state.waiting()) {
            waiters.add(Waiter.parse(entry));
        }
        return waiters;
    }

    /** Takes jobs off the waiting list once they are complete (or beyond help). */
    public void removeWaiters(Set<Waiter> waiters) {
        if (waiters.isEmpty()) {
            return;
        }
        dynamoDb.updateItem(update -> update.tableName(table).key(itemKey())
                .updateExpression("DELETE #waiting :entries")
                .expressionAttributeNames(Map.of("#waiting", WAITING))
                .expressionAttributeValues(Map.of(":entries",
                        AttributeValue.fromSs(waiters.stream().map(Waiter::entry).toList()))));
    }

    private boolean updateLease(String owner, String expression, Map<String, String> names,
                                Map<String, AttributeValue> values) {
        Map<String, String> allNames = new HashMap<>(names);
        allNames.put("#owner", LEASE_OWNER);
        Map<String, AttributeValue> allValues = new HashMap<>(values);
        allValues.put(":owner", AttributeValue.fromS(owner));
        return updateIf(expression, "#owner = :owner", allNames, allValues);
    }

    /** Updates the store's item if {@code condition} holds; false when it did not. */
    private boolean updateIf(String expression, String condition, Map<String, String> names,
                             Map<String, AttributeValue> values) {
        try {
            dynamoDb.updateItem(update -> update.tableName(table).key(itemKey())
                    .updateExpression(expression)
                    .conditionExpression(condition)
                    .expressionAttributeNames(names)
                    .expressionAttributeValues(values));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    private byte[] range(String key, long from, long length) {
        return s3.getObjectAsBytes(get -> get.bucket(bucket).key(key)
                .range("bytes=" + from + "-" + (from + length - 1))).asByteArray();
    }

    private static Map<String, AttributeValue> itemKey() {
        return Map.of(Storage.TABLE_KEY, AttributeValue.fromS(ITEM_KEY));
    }
}
