package org.piservice.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.piservice.contract.JobDelivery;
import org.piservice.contract.Storage;
import org.piservice.jobs.testing.Emulators;
import org.piservice.jobs.testing.FaultProxy;
import org.piservice.jobs.testing.FaultProxy.Fault;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The digit store against the embedded emulators (S3Proxy, dynalite), with real SDK clients. The
 * stored text is pi's first 50 decimals and then a fixed pattern: the store checks only that start
 * and the overlap with itself, and the pattern makes every position's expected digit computable.
 * What every S3 and DynamoDB must do alike (copies, ranges, offers) is in {@link JobsContract}.
 */
class DigitStoreTest {

    /** When the leases these tests take end at the latest: as an invocation's, long before any of their jobs is due. */
    private static final Instant LEASE_ENDS_BY = Instant.now().plus(Duration.ofMinutes(15));

    private final AwsClients clients = Emulators.clients();
    private ServiceConfig config;
    private DigitStore store;

    @BeforeEach
    void freshResources() {
        config = Emulators.newResources().config();
        store = new DigitStore(clients.dynamoDb(), clients.s3(),
                new ResultStore(clients.s3(), clients.presigner(), config), config);
    }

    /** {@code 3.} and {@code digits} decimals: pi's first 50, then a pattern. */
    static String text(long digits) {
        StringBuilder text = new StringBuilder(DigitStore.KNOWN_START);
        for (long i = text.length(); i < digits + 2; i++) {
            text.append((char) ('0' + (i * 7 + i / 13) % 10));
        }
        return text.substring(0, (int) (digits + 2));
    }

    private DigitStore.Candidate put(long digits, String content) throws Exception {
        return store.write(digits, out -> out.write(content.getBytes(StandardCharsets.US_ASCII)));
    }

    /** The store of {@code digits} decimals, as computations make it. */
    private void stored(long digits) throws Exception {
        assertThat(store.offer(put(digits, text(digits)))).isEqualTo(new DigitStore.Offer.Stored(digits));
    }

    private String object(String key) {
        return clients.s3().getObjectAsBytes(get -> get.bucket(config.bucketName()).key(key)).asUtf8String();
    }

    private boolean exists(String key) {
        return clients.s3().listObjectsV2(list -> list.bucket(config.bucketName()).prefix(key)).keyCount() > 0;
    }

    @Test
    void anItemWithAnyAttributeOfAnotherTypeIsDamagedNotReadAsSomethingElse() throws Exception {
        // GIVEN a store with every attribute its item can hold: digits, a lease, a waiting job
        stored(1000);
        assertThat(store.takeLease("w1", 2000, 2000, LEASE_ENDS_BY, JobDelivery.STALE_AFTER)).isTrue();
        assertThat(store.await(new DigitStore.Waiter("a-job", 2000), "w1")).isTrue();
        Map<String, AttributeValue> key = Map.of(Storage.TABLE_KEY, AttributeValue.fromS(DigitStore.ITEM_KEY));
        Map<String, AttributeValue> item = clients.dynamoDb().getItem(get -> get.tableName(config.tableName()).key(key)
                .consistentRead(true)).item();
        assertThat(item.keySet()).hasSizeGreaterThan(6);

        for (String name : item.keySet()) {
            if (name.equals(Storage.TABLE_KEY)) {
                continue;
            }
            // WHEN one attribute has another type (as a hand edit, or a later version, might write it)
            AttributeValue value = item.get(name);
            AttributeValue other = value.n() != null ? AttributeValue.fromS(value.n())
                    : value.s() != null ? AttributeValue.fromN("1")
                    : AttributeValue.fromL(value.ss().stream().map(AttributeValue::fromS).toList());
            Map<String, AttributeValue> damaged = new HashMap<>(item);
            damaged.put(name, other);
            clients.dynamoDb().putItem(put -> put.tableName(config.tableName()).item(damaged));

            // THEN the store says it cannot read its item, naming it
            assertThat(catchThrowable(store::state)).as(name).isInstanceOf(DigitStore.DamagedItem.class)
                    .hasMessageContaining(DigitStore.ITEM_KEY);
        }
        // AND so it does of digits without the object's key
        Map<String, AttributeValue> keyless = new HashMap<>(item);
        keyless.remove(item.keySet().stream().filter(name -> item.get(name).s() != null && item.get(name).s().endsWith(".txt"))
                .findFirst().orElseThrow());
        clients.dynamoDb().putItem(put -> put.tableName(config.tableName()).item(keyless));
        assertThat(catchThrowable(store::state)).isInstanceOf(DigitStore.DamagedItem.class);
        // AND of a lease without its heartbeat, which no reader could tell live from stale
        Map<String, AttributeValue> heartless = new HashMap<>(item);
        heartless.remove(item.keySet().stream().filter(name -> name.contains("heartbeat")).findFirst().orElseThrow());
        clients.dynamoDb().putItem(put -> put.tableName(config.tableName()).item(heartless));
        assertThat(catchThrowable(store::state)).isInstanceOf(DigitStore.DamagedItem.class);
    }

    @Test
    void aLeaseTakenOnAnItemFoundDamagedIsNotLeftOnIt() throws Exception {
        // GIVEN a store whose item has an attribute the lease's write leaves alone, of another type
        stored(1000);
        Map<String, AttributeValue> key = Map.of(Storage.TABLE_KEY, AttributeValue.fromS(DigitStore.ITEM_KEY));
        Map<String, AttributeValue> damaged = new HashMap<>(clients.dynamoDb().getItem(get -> get.tableName(config.tableName())
                .key(key).consistentRead(true)).item());
        damaged.put("store_updated_at", AttributeValue.fromS("yesterday"));
        clients.dynamoDb().putItem(put -> put.tableName(config.tableName()).item(damaged));

        // WHEN a worker takes the lease, written before the item it replaces is read
        assertThatThrownBy(() -> store.takeLease("w1", 2000, 2000, LEASE_ENDS_BY, JobDelivery.STALE_AFTER))
                .isInstanceOf(DigitStore.DamagedItem.class);

        // THEN the item holds no lease: no job would wait for a computation that will not run
        assertThat(clients.dynamoDb().getItem(get -> get.tableName(config.tableName()).key(key).consistentRead(true))
                .item()).isEqualTo(damaged);
    }

    @Test
    void anEmptyStoreServesNothing() {
        assertThat(store.state().digits()).isZero();
        assertThat(store.copyPrefix(1, "results/x/pi-1.txt")).isFalse();
        assertThat(store.read(0, 1)).isEqualTo(new DigitStore.Range.Beyond(0));
    }

    @Test
    void aCopyFromAStoreReplacedMeanwhileIsMadeFromTheStoreThatReplacedIt() throws Exception {
        // GIVEN a store's state as a caller read it, and a longer store that replaced it since
        stored(2000);
        DigitStore.State stale = store.state();
        stored(3000);
        assertThat(exists(stale.key())).as("the replaced store's object").isFalse();

        // WHEN the caller copies a prefix from the store it read
        // THEN the copy is made from the new store, whole
        assertThat(store.copyPrefix(stale, 1500, "results/x/pi-1500.txt")).isTrue();
        assertThat(object("results/x/pi-1500.txt")).isEqualTo(text(1500));
    }

    @Test
    void aFirstStoreIsCheckedAgainstPisKnownStart() throws Exception {
        DigitStore.Candidate wrong = put(99, "3.2" + text(99).substring(3));

        assertThat(store.offer(wrong)).isInstanceOf(DigitStore.Offer.Rejected.class);
        assertThat(store.state().digits()).isZero();
        assertThat(exists(wrong.key())).isFalse();

        DigitStore.Candidate right = put(99, text(99));
        assertThat(store.offer(right)).isEqualTo(new DigitStore.Offer.Stored(99));
        assertThat(store.state().key()).isEqualTo(right.key());
    }

    @Test
    void racingOffersLeaveTheLongestAndNoOtherObject() throws Exception {
        stored(1000);
        List<DigitStore.Candidate> candidates = new ArrayList<>();
        for (long digits : List.of(2000L, 9000L, 3000L, 8000L, 4000L, 7000L, 9000L)) {
            candidates.add(put(digits, text(digits)));
        }
        ExecutorService pool = Executors.newFixedThreadPool(candidates.size());
        List<Future<DigitStore.Offer>> offers = new ArrayList<>();
        for (DigitStore.Candidate candidate : candidates) {
            offers.add(pool.submit((Callable<DigitStore.Offer>) () -> store.offer(candidate)));
        }
        for (Future<DigitStore.Offer> offer : offers) {
            assertThat(offer.get()).isNotInstanceOf(DigitStore.Offer.Rejected.class);
        }
        pool.shutdown();

        assertThat(store.state().digits()).isEqualTo(9000);
        assertThat(store.read(0, 9001)).isEqualTo(new DigitStore.Range.Digits(
                text(9000).charAt(0) + text(9000).substring(2)));
        assertThat(clients.s3().listObjectsV2(list -> list.bucket(config.bucketName()).prefix(Storage.DIGIT_STORE_PREFIX))
                .contents()).as("every object but the store's, deleted").extracting(S3Object::key)
                .containsExactly(store.state().key());
    }

    @Test
    void readersWhileTheStoreIsReplacedGetTheirDigits() throws Exception {
        // GIVEN a store that a worker keeps replacing with longer ones, deleting each one it replaces
        stored(1000);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        Future<?> growing = pool.submit((Callable<Void>) () -> {
            for (long digits = 1100; digits <= 4000; digits += 100) {
                stored(digits);
            }
            return null;
        });

        // WHEN readers copy prefixes and read ranges meanwhile
        // THEN every one of them gets its digits: a pointed object gone is read again through the item
        int reads = 0;
        do {
            String key = "results/r" + reads + "/pi.txt";
            assertThat(store.copyPrefix(900, key)).isTrue();
            assertThat(object(key)).isEqualTo(text(900));
            assertThat(store.read(500, 400)).isEqualTo(new DigitStore.Range.Digits(text(900).substring(501, 901)));
            reads++;
        } while (!growing.isDone());
        growing.get();
        pool.shutdown();
        assertThat(store.state().digits()).isEqualTo(4000);
    }

    @Test
    void aPrefixLongerThanOneCopyCallTakesIsCopiedWholeInCallsOfAtMostThatMany() throws Exception {
        // GIVEN a store a little longer than one copy call takes, read through a proxy that notes S3's copies
        long digits = DigitStore.COPY_PART_BYTES + 1000;
        stored(digits);
        try (FaultProxy s3 = FaultProxy.start(Emulators.aws().s3Endpoint());
             AwsClients noted = AwsClients.fromSettings(Emulators.settingsThrough(Map.of("S3", s3.endpoint())))) {
            s3.injectAlways(request -> request.headers().containsKey("x-amz-copy-source-range"), Fault.late(Duration.ZERO));
            DigitStore through = new DigitStore(noted.dynamoDb(), noted.s3(), new ResultStore(noted.s3(), noted.presigner(), config), config);

            // WHEN a prefix of nearly all of it is copied
            assertThat(through.copyPrefix((int) digits - 500, "results/p/pi.txt")).isTrue();

            // THEN it is whole, from two copies that cover it end to end, neither longer than a call takes
            assertThat(object("results/p/pi.txt")).isEqualTo(text(digits - 500));
            assertThat(s3.faulted()).extracting(request -> request.headers().get("x-amz-copy-source-range"))
                    .containsExactly("bytes=0-" + (DigitStore.COPY_PART_BYTES - 1),
                            "bytes=" + DigitStore.COPY_PART_BYTES + "-" + (digits - 500 + 1));
        }
    }

    @Test
    void aCrashBetweenWritingAndOfferingLeavesTheStoreAsItWas() throws Exception {
        stored(1000);

        DigitStore.Candidate leftOver = put(5000, text(5000)); // ...and the worker dies before offering it

        assertThat(store.state().digits()).isEqualTo(1000);
        assertThat(store.read(990, 11)).isEqualTo(new DigitStore.Range.Digits(text(1000).substring(991)));
        assertThat(store.copyPrefix(1000, "results/e/pi.txt")).isTrue();
        assertThat(object("results/e/pi.txt")).isEqualTo(text(1000));

        // the retry computes the same length again, beside the left-over object, which the store covers
        stored(5000);
        assertThat(exists(leftOver.key())).isFalse();
    }

    @Test
    void theLongestObjectLeftUnofferedIsOfferedWhenAJobNeedsItsDigits() throws Exception {
        // GIVEN a store of 1000 digits, and objects of 500, 3000 and 5000 that computations wrote
        // but never offered (their offers failed, or their workers died first)
        stored(1000);
        String first = store.state().key();
        DigitStore.Candidate shortest = put(500, text(500));
        DigitStore.Candidate shorter = put(3000, text(3000));
        DigitStore.Candidate longest = put(5000, text(5000));

        // WHEN jobs need more than any of them, and then 2000 digits
        Optional<DigitStore.Offer> tooShort = store.offerLeftover(6000);
        Optional<DigitStore.Offer> offered = store.offerLeftover(2000);

        // THEN the first finds none, the second makes the longest the store, which replaces the old one
        assertThat(tooShort).isEmpty();
        assertThat(offered).contains(new DigitStore.Offer.Stored(5000));
        assertThat(store.state().key()).isEqualTo(longest.key());
        assertThat(exists(first)).isFalse();
        assertThat(store.offerLeftover(2000)).as("what was left is shorter than the store").isEmpty();
        assertThat(exists(shorter.key())).as("deleted with the store it fell short of").isFalse();
        assertThat(exists(shortest.key())).isFalse();

    }

    @Test
    void leftOverObjectsThatFailTheChecksAreDeletedAndTheNextLongestIsOffered() throws Exception {
        // GIVEN a store of 1000 digits, and objects left unoffered: 9000 digits of the wrong length,
        // 8000 that disagree with the store where they overlap, and 5000 good ones
        stored(1000);
        DigitStore.Candidate wrongLength = put(9000, text(8999));
        char[] wrong = text(8000).toCharArray();
        wrong[990] = wrong[990] == '0' ? '1' : '0';
        DigitStore.Candidate disagreeing = put(8000, new String(wrong));
        put(5000, text(5000));

        // WHEN a job needs 2000 digits
        Optional<DigitStore.Offer> offered = store.offerLeftover(2000);

        // THEN the good ones are the store, and the others are gone
        assertThat(offered).contains(new DigitStore.Offer.Stored(5000));
        assertThat(exists(wrongLength.key())).isFalse();
        assertThat(exists(disagreeing.key())).isFalse();
    }

    @Test
    void anOfferOfDigitsTheStoreTookMeanwhileIsSupersededNotRefused() throws Exception {
        // GIVEN 3000 digits uploaded by a computation, which another worker found left over and
        // made the store before the computation offered them
        DigitStore.Candidate computed = put(3000, text(3000));
        assertThat(store.offerLeftover(3000)).contains(new DigitStore.Offer.Stored(3000));
        put(6000, text(6000));
        assertThat(store.offerLeftover(3000)).contains(new DigitStore.Offer.Stored(6000));

        // WHEN the computation offers its 3000 digits, whose object the longer store replaced
        DigitStore.Offer late = store.offer(computed);

        // THEN it learns that the store covers them: no fault of its digits
        assertThat(late).isEqualTo(new DigitStore.Offer.Superseded(6000));
    }

    @Test
    void twoComputationsOfAsManyDigitsWriteObjectsOfTheirOwn() throws Exception {
        // GIVEN a store of 1000 digits, and two computations of 2000 (one took over a lease the other
        // still used): the first wrote the right digits, the second wrong ones, after it
        stored(1000);
        DigitStore.Candidate first = put(2000, text(2000));
        char[] wrong = text(2000).toCharArray();
        wrong[1500] = wrong[1500] == '0' ? '1' : '0';
        DigitStore.Candidate second = put(2000, new String(wrong));
        assertThat(object(first.key())).as("the first's bytes, after the second's upload").isEqualTo(text(2000));

        // WHEN both are offered
        // THEN the first's digits are the store, untouched by the second's upload, and the second's
        // are superseded and deleted
        assertThat(store.offer(first)).isEqualTo(new DigitStore.Offer.Stored(2000));
        assertThat(store.offer(second)).isEqualTo(new DigitStore.Offer.Superseded(2000));
        assertThat(store.state().key()).isEqualTo(first.key());
        assertThat(object(first.key())).isEqualTo(text(2000));
        assertThat(exists(second.key())).isFalse();
    }

    @Test
    void leftOversTheStoreCoversAreDeletedAtTheNextLookForLeftOvers() throws Exception {
        // GIVEN a store of 3000 digits, and objects of 2000 and of 3000 that computations left (their
        // workers died between their uploads and their offers)
        stored(3000);
        String storesObject = store.state().key();
        DigitStore.Candidate shorter = put(2000, text(2000));
        DigitStore.Candidate asLong = put(3000, text(3000));

        // WHEN a job looks for left-overs
        // THEN none is of use, and both are deleted, without waiting for a longer store
        assertThat(store.offerLeftover(1000)).isEmpty();
        assertThat(exists(shorter.key())).isFalse();
        assertThat(exists(asLong.key())).isFalse();
        assertThat(store.state().key()).isEqualTo(storesObject);
        assertThat(object(storesObject)).isEqualTo(text(3000));
    }

    @Test
    void aLeftOverOneOfferRefusesWhileAnotherMakesItTheStoreIsNotDeleted() throws Exception {
        // GIVEN a store of 1000 digits, 8000 digits a computation left with one wrong decimal, which a
        // check against this store sees and one against a store of 6000 does not (it reads that
        // store's last 4 KiB)
        stored(1000);
        char[] wrong = text(8000).toCharArray();
        wrong[500] = wrong[500] == '0' ? '1' : '0';
        DigitStore.Candidate leftOver = put(8000, new String(wrong));

        // WHEN one worker offers them, and while its read of them is held the store grows to 6000
        // digits and another worker offers them too
        DigitStore.Offer refused = whileTheReadOfIsHeld(leftOver.key(), offering -> offering.offer(leftOver), () -> {
            stored(6000);
            assertThat(store.offerLeftover(7000)).contains(new DigitStore.Offer.Stored(8000));
            return null;
        });

        // THEN the first offer is refused for the wrong decimal, and leaves the object the store points at
        assertThat(refused).isInstanceOf(DigitStore.Offer.Rejected.class);
        assertThat(store.state().key()).isEqualTo(leftOver.key());
        assertThat(exists(leftOver.key())).isTrue();
    }

    @Test
    void aLeftOverDeletedWhileItIsOfferedGivesWayToTheNextLongest() throws Exception {
        // GIVEN a store of 1000 digits, and left-overs of 8000 and 5000 digits
        stored(1000);
        DigitStore.Candidate longest = put(8000, text(8000));
        put(5000, text(5000));

        // WHEN a job looks for left-overs, and the longest is deleted (another offer refused it, say)
        // while its bytes are on the way
        Optional<DigitStore.Offer> offered = whileTheReadOfIsHeld(longest.key(), offering -> offering.offerLeftover(2000), () -> {
            clients.s3().deleteObject(delete -> delete.bucket(config.bucketName()).key(longest.key()));
            return null;
        });

        // THEN the next longest is the store
        assertThat(offered).contains(new DigitStore.Offer.Stored(5000));
    }

    /**
     * What {@code offer} returns on a store whose S3 holds the first read of {@code key} until
     * {@code meanwhile} has run.
     */
    private <T> T whileTheReadOfIsHeld(String key, Function<DigitStore, T> offer, Callable<?> meanwhile) throws Exception {
        try (FaultProxy s3 = FaultProxy.start(Emulators.aws().s3Endpoint());
             AwsClients slow = AwsClients.fromSettings(Emulators.settingsThrough(Map.of("S3", s3.endpoint())));
             ExecutorService executor = Executors.newSingleThreadExecutor()) {
            DigitStore held = new DigitStore(slow.dynamoDb(), slow.s3(), new ResultStore(slow.s3(), slow.presigner(), config), config);
            CountDownLatch release = new CountDownLatch(1);
            // Every read while the latch is up: the SDK tries again when a held one times out.
            s3.injectAlways(request -> request.method().equals("GET") && request.target().contains(key)
                    && release.getCount() > 0, Fault.heldUntil(release));
            Future<T> offered = executor.submit(() -> offer.apply(held));
            try {
                long waitUntil = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (s3.faulted().isEmpty() && System.nanoTime() < waitUntil) {
                    Thread.sleep(20);
                }
                assertThat(s3.faulted()).isNotEmpty();
                meanwhile.call();
            } finally {
                release.countDown();
            }
            return offered.get();
        }
    }

    @Test
    void anObjectAnEarlierVersionNamedByItsLengthAloneIsStillOfferedAndDeleted() throws Exception {
        // GIVEN a store of 1000 digits, and 5000 an earlier version's computation left unoffered
        stored(1000);
        String earlier = Storage.DIGIT_STORE_PREFIX + "pi-5000.txt";
        clients.s3().putObject(put -> put.bucket(config.bucketName()).key(earlier), RequestBody.fromString(text(5000)));

        // WHEN a job needs 2000 digits, and later a longer store comes
        // THEN the left-over is the store, and the longer one deletes it
        assertThat(store.offerLeftover(2000)).contains(new DigitStore.Offer.Stored(5000));
        assertThat(store.state().key()).isEqualTo(earlier);
        stored(6000);
        assertThat(exists(earlier)).isFalse();
    }

    @Test
    void aFullWaitingListTakesNoMoreJobs() {
        assertThat(store.takeLease("w1", 2000, 2000, LEASE_ENDS_BY, JobDelivery.STALE_AFTER)).isTrue();
        for (int i = 0; i < DigitStore.MAX_WAITERS; i++) {
            assertThat(store.await(new DigitStore.Waiter("job-" + i, 2000), "w1")).isTrue();
        }

        assertThat(store.await(new DigitStore.Waiter("one-more", 2000), "w1")).isFalse();
        assertThat(store.state().waiting()).hasSize(DigitStore.MAX_WAITERS).doesNotContain("2000:one-more");
    }

    @Test
    void oneLeaseCoversEveryJobItIsLongEnoughFor() {
        assertThat(store.takeLease("w1", 2000, 1500, LEASE_ENDS_BY, JobDelivery.STALE_AFTER)).isTrue();
        assertThat(store.takeLease("w2", 2000, 2000, LEASE_ENDS_BY, JobDelivery.STALE_AFTER)).as("covered by w1's computation").isFalse();
        assertThat(store.await(new DigitStore.Waiter("job-a", 2000), "w1")).isTrue();
        assertThat(store.await(new DigitStore.Waiter("job-b", 2001), "w1")).as("longer than w1 computes").isFalse();
        Instant w3EndsBy = LEASE_ENDS_BY.plus(Duration.ofMinutes(5));
        assertThat(store.takeLease("w3", 3000, 3000, w3EndsBy, JobDelivery.STALE_AFTER)).as("a longer demand does not wait").isTrue();
        assertThat(store.await(new DigitStore.Waiter("job-c", 1000), "w1")).as("w1's lease is gone").isFalse();
        assertThat(store.heartbeatLease("w1")).isFalse();
        assertThat(store.heartbeatLease("w3")).isTrue();

        DigitStore.State state = store.state();
        assertThat(state.leaseOwner()).isEqualTo("w3");
        assertThat(state.leaseEndsBy()).isEqualTo(w3EndsBy.truncatedTo(ChronoUnit.MILLIS));
        Instant now = Instant.now();
        assertThat(state.mayEndAfter(LEASE_ENDS_BY, now)).isTrue();
        assertThat(state.mayEndAfter(w3EndsBy, now)).isFalse();
        Instant overrun = w3EndsBy.plusSeconds(1);
        assertThat(state.mayEndAfter(overrun.plusSeconds(60), overrun)).as("running past its reckoned end").isTrue();
        assertThat(state.mayEndAfter(w3EndsBy.plus(Duration.ofMinutes(16)), overrun)).as("but within an invocation").isFalse();
        assertThat(state.waiting()).containsExactly("2000:job-a");
        assertThat(store.coveredWaiters()).isEmpty();

        store.releaseLease("w1");
        assertThat(store.state().leaseOwner()).as("only the owner releases").isEqualTo("w3");
        store.releaseLease("w3");
        assertThat(store.state()).as("w3 hands the lease back to w1's computation, which may still run")
                .extracting(DigitStore.State::leaseOwner, DigitStore.State::leaseDigits, DigitStore.State::leaseEndsBy)
                .containsExactly("w1", 2000L, LEASE_ENDS_BY.truncatedTo(ChronoUnit.MILLIS));
        assertThat(store.heartbeatLease("w1")).isTrue();
        store.releaseLease("w1");
        assertThat(store.state()).extracting(DigitStore.State::leaseOwner, DigitStore.State::leaseEndsBy)
                .containsExactly(null, null);
        store.removeWaiters(Set.of(new DigitStore.Waiter("job-a", 2000)));
        assertThat(store.state().waiting()).isEmpty();
    }

    @Test
    void aLeaseAnEarlierVersionWroteIsHandedBackWithoutAnEnd() {
        // GIVEN a live lease without an end, as workers before lease_ends_by wrote them
        assertThat(store.takeLease("w1", 2000, 2000, LEASE_ENDS_BY, JobDelivery.STALE_AFTER)).isTrue();
        clients.dynamoDb().updateItem(update -> update.tableName(config.tableName())
                .key(Map.of(Storage.TABLE_KEY, AttributeValue.fromS(DigitStore.ITEM_KEY)))
                .updateExpression("REMOVE lease_ends_by"));
        assertThat(store.state().leaseEndsBy()).isNull();
        assertThat(store.state().mayEndAfter(Instant.now(), Instant.now())).as("not known").isFalse();

        // WHEN a longer demand takes it, and lets it go
        assertThat(store.takeLease("w2", 3000, 3000, LEASE_ENDS_BY, JobDelivery.STALE_AFTER)).isTrue();
        store.releaseLease("w2");

        // THEN w1 has it back as it was, without w2's end
        assertThat(store.state()).extracting(DigitStore.State::leaseOwner, DigitStore.State::leaseEndsBy)
                .containsExactly("w1", null);
    }

    @Test
    void aTakenLeaseIsNotHandedBackOnceTheStoreCoversIt() throws Exception {
        assertThat(store.takeLease("w1", 2000, 2000, LEASE_ENDS_BY, JobDelivery.STALE_AFTER)).isTrue();
        assertThat(store.takeLease("w2", 3000, 3000, LEASE_ENDS_BY, JobDelivery.STALE_AFTER)).isTrue();
        assertThat(store.offer(put(2000, text(2000)))).as("w1 done meanwhile").isEqualTo(new DigitStore.Offer.Stored(2000));

        store.releaseLease("w2");

        assertThat(store.state().leaseOwner()).as("nothing left to wait for").isNull();
    }

    @Test
    void aStaleLeaseIsTakenOverAndACoveringStoreNeedsNone() throws Exception {
        assertThat(store.takeLease("dead", 2000, 2000, LEASE_ENDS_BY, JobDelivery.STALE_AFTER)).isTrue();
        assertThat(store.takeLease("w2", 2000, 2000, LEASE_ENDS_BY, Duration.ZERO)).as("stale at once").isTrue();
        store.releaseLease("w2");
        assertThat(store.state().leaseOwner()).as("a stale lease is not handed back").isNull();
        assertThat(store.takeLease("w2", 2000, 2000, LEASE_ENDS_BY, Duration.ZERO)).isTrue();

        stored(2000);
        assertThat(store.takeLease("w3", 2000, 1500, LEASE_ENDS_BY, Duration.ZERO)).as("the store covers it").isFalse();
        assertThat(store.await(new DigitStore.Waiter("job-a", 1500), "w2")).isTrue();
        assertThat(store.coveredWaiters()).containsExactly(new DigitStore.Waiter("job-a", 1500));
    }
}
