package org.piservice.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.piservice.contract.JobDelivery;
import org.piservice.core.MachinPi;
import org.piservice.jobs.testing.MutableClock;
import org.piservice.jobs.testing.TestResources;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The jobs module's behaviour against a real DynamoDB/S3 wire protocol. Subclasses say which
 * implementation: the embedded emulators, or LocalStack in Docker. The digit store's digits are
 * checked against Machin's formula ({@link MachinPi}), which shares no code with the engine.
 */
abstract class JobsContract {

    /** When the leases these tests take end at the latest: as an invocation's, long before any of their jobs is due. */
    private static final Instant LEASE_ENDS_BY = Instant.now().plus(Duration.ofMinutes(15));

    /** Clients connected to the implementation under test. */
    protected abstract AwsClients clients();

    /** Fresh resources of the implementation under test. */
    protected abstract TestResources newResources();

    private TestResources resources;
    private MutableClock clock;
    private JobRepository repository;
    private ResultStore results;
    private DigitStore digitStore;

    @BeforeEach
    void createResources() {
        resources = newResources();
        clock = MutableClock.startingNow();
        repository = new JobRepository(clients().dynamoDb(), resources.config(), clock);
        results = new ResultStore(clients().s3(), clients().presigner(), resources.config());
        digitStore = new DigitStore(clients().dynamoDb(), clients().s3(), results, resources.config(), clock);
    }

    @Test
    void createdJobIsQueuedWithItsExpiry() {
        String id = JobId.newId();

        repository.create(id, 1000);

        Job job = repository.find(id).orElseThrow();
        assertThat(job.status()).isEqualTo(JobStatus.QUEUED);
        assertThat(job.digits()).isEqualTo(1000);
        assertThat(job.attempts()).isZero();
        assertThat(job.createdAt()).isEqualTo(clock.instant().truncatedTo(ChronoUnit.MILLIS));
        assertThat(job.expiresAt().getEpochSecond())
                .isEqualTo(clock.instant().plus(resources.config().jobTtl()).getEpochSecond());
    }

    @Test
    void anOpenRecordThisVersionCannotReadIsLeftOutOfTheOpenJobs() {
        String readable = JobId.newId();
        repository.create(readable, 1000);
        String unreadable = JobId.newId();
        repository.create(unreadable, 1000);
        resources.overwriteStatus(clients(), unreadable, "paused");

        JobRepository.OpenJobs open = repository.openJobs();
        assertThat(open.jobs()).extracting(Job::jobId).containsExactly(readable);
        assertThat(open.unreadable()).containsExactly(unreadable);
        assertThat(repository.openJobsFirstPage()).extracting(Job::jobId).containsExactly(readable);
    }

    @Test
    void anIdIsCreatedOnlyOnce() {
        String id = JobId.newId();
        repository.create(id, 5);

        assertThatThrownBy(() -> repository.create(id, 6)).isInstanceOf(IllegalStateException.class);
        assertThat(repository.find(id).orElseThrow().digits()).isEqualTo(5);
    }

    @Test
    void unknownJobIsNotFound() {
        String id = JobId.newId();

        assertThat(repository.find(id)).isEmpty();
        assertThat(repository.claim(id, "w1", JobDelivery.STALE_AFTER)).isEqualTo(new ClaimResult.NotFound(id));
        assertThat(repository.find(id)).as("a claim must not create a record").isEmpty();
    }

    @Test
    void aQueuedJobIsClaimedOnceThenBusy() {
        String id = JobId.newId();
        repository.create(id, 10);

        ClaimResult first = repository.claim(id, "w1", "m1", JobDelivery.STALE_AFTER);
        ClaimResult second = repository.claim(id, "w2", "m1", JobDelivery.STALE_AFTER);

        assertThat(first).isInstanceOfSatisfying(ClaimResult.Claimed.class, claimed -> {
            assertThat(claimed.job().status()).isEqualTo(JobStatus.IN_PROGRESS);
            assertThat(claimed.job().owner()).isEqualTo("w1");
            assertThat(claimed.job().attempts()).isEqualTo(1);
            assertThat(claimed.job().startedAt()).isNotNull();
        });
        assertThat(second).isInstanceOfSatisfying(ClaimResult.Busy.class,
                busy -> assertThat(busy.job().owner()).isEqualTo("w1"));
    }

    @Test
    void aClaimThroughNoMessageCountsNoAttempt() {
        // GIVEN a job its message's delivery claimed and gave back
        String id = JobId.newId();
        repository.create(id, 10);
        repository.claim(id, "w1", "m1", JobDelivery.STALE_AFTER);
        repository.release(id, "w1", "S3 said 503");

        // WHEN the worker of a computation that covers it claims it, through no message, and gives it back
        ClaimResult waiting = repository.claim(id, "w2", JobDelivery.STALE_AFTER);
        repository.release(id, "w2", "S3 said 503 again");

        // THEN that claim counted no attempt; the next delivery's counts the second
        assertThat(waiting).isInstanceOfSatisfying(ClaimResult.Claimed.class,
                claimed -> assertThat(claimed.job().attempts()).isEqualTo(1));
        assertThat(repository.find(id).orElseThrow().attempts()).isEqualTo(1);
        assertThat(repository.claim(id, "w3", "m1", JobDelivery.STALE_AFTER)).isInstanceOfSatisfying(ClaimResult.Claimed.class,
                claimed -> assertThat(claimed.job().attempts()).isEqualTo(2));
    }

    @Test
    void concurrentClaimsHaveExactlyOneWinner() throws Exception {
        String id = JobId.newId();
        repository.create(id, 10);
        List<Callable<ClaimResult>> claims = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            String owner = "w" + i;
            claims.add(() -> repository.claim(id, owner, JobDelivery.STALE_AFTER));
        }

        List<ClaimResult> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            for (Future<ClaimResult> result : pool.invokeAll(claims)) {
                results.add(result.get());
            }
        }

        assertThat(results).filteredOn(ClaimResult.Claimed.class::isInstance).hasSize(1);
        assertThat(results).filteredOn(ClaimResult.Busy.class::isInstance).hasSize(7);
    }

    @Test
    void aStaleJobIsTakenOverAndItsOldOwnerLocksOut() {
        String id = JobId.newId();
        repository.create(id, 10);
        repository.claim(id, "dead", "m1", JobDelivery.STALE_AFTER);

        clock.advance(JobDelivery.STALE_AFTER.plusSeconds(1));
        ClaimResult takeover = repository.claim(id, "alive", "m1", JobDelivery.STALE_AFTER);

        assertThat(takeover).isInstanceOfSatisfying(ClaimResult.Claimed.class, claimed -> {
            assertThat(claimed.job().owner()).isEqualTo("alive");
            assertThat(claimed.job().attempts()).isEqualTo(2);
        });
        assertThat(repository.heartbeat(id, "dead", 0.5)).isFalse();
        assertThat(repository.complete(id, "dead", "k", 12)).isFalse();
        assertThat(repository.fail(id, "dead", "late")).isFalse();
        assertThat(repository.find(id).orElseThrow().status()).isEqualTo(JobStatus.IN_PROGRESS);
    }

    @Test
    void aFreshHeartbeatKeepsTheJob() {
        String id = JobId.newId();
        repository.create(id, 10);
        repository.claim(id, "w1", JobDelivery.STALE_AFTER);

        clock.advance(JobDelivery.STALE_AFTER.minusSeconds(5));
        assertThat(repository.heartbeat(id, "w1", 0.25)).isTrue();
        clock.advance(Duration.ofSeconds(10));

        assertThat(repository.claim(id, "w2", JobDelivery.STALE_AFTER)).isInstanceOf(ClaimResult.Busy.class);
        Job job = repository.find(id).orElseThrow();
        assertThat(job.progress()).isEqualTo(0.25);
        assertThat(repository.heartbeat(id, "w2", 0.3)).as("only the owner reports progress").isFalse();
    }

    @Test
    void completeIsFinal() {
        String id = JobId.newId();
        repository.create(id, 10);
        repository.claim(id, "w1", JobDelivery.STALE_AFTER);

        assertThat(repository.complete(id, "w1", "results/x", 12)).isTrue();

        clock.advance(Duration.ofDays(1));
        assertThat(repository.claim(id, "w2", JobDelivery.STALE_AFTER)).isInstanceOf(ClaimResult.Finished.class);
        assertThat(repository.fail(id, "w1", "too late")).isFalse();
        assertThat(repository.complete(id, "w1", "results/y", 13)).isFalse();
        assertThat(repository.heartbeat(id, "w1", 0.1)).isFalse();
        Job job = repository.find(id).orElseThrow();
        assertThat(job.status()).isEqualTo(JobStatus.COMPLETE);
        assertThat(job.resultKey()).isEqualTo("results/x");
        assertThat(job.resultBytes()).isEqualTo(12);
        assertThat(job.progress()).isEqualTo(1.0);
        assertThat(job.finishedAt()).isNotNull();
        assertThat(job.owner()).isNull();
    }

    @Test
    void failIsFinalAndKeepsTheReason() {
        String id = JobId.newId();
        repository.create(id, 10);
        repository.claim(id, "w1", JobDelivery.STALE_AFTER);

        assertThat(repository.fail(id, "w1", "out of time")).isTrue();

        clock.advance(Duration.ofDays(1));
        assertThat(repository.claim(id, "w2", JobDelivery.STALE_AFTER)).isInstanceOf(ClaimResult.Finished.class);
        assertThat(repository.complete(id, "w1", "results/x", 12)).isFalse();
        Job job = repository.find(id).orElseThrow();
        assertThat(job.status()).isEqualTo(JobStatus.FAILED);
        assertThat(job.errorMessage()).contains("out of time");
    }

    @Test
    void aReleasedJobIsClaimableAtOnceAndKeepsItsError() {
        String id = JobId.newId();
        repository.create(id, 10);
        repository.claim(id, "w1", "m1", JobDelivery.STALE_AFTER);

        assertThat(repository.release(id, "w1", "S3 said 503")).isTrue();
        ClaimResult retry = repository.claim(id, "w2", "m1", JobDelivery.STALE_AFTER);

        assertThat(retry).isInstanceOfSatisfying(ClaimResult.Claimed.class, claimed -> {
            assertThat(claimed.job().attempts()).isEqualTo(2);
            assertThat(claimed.job().errorMessage()).contains("S3 said 503");
        });
        assertThat(repository.heartbeat(id, "w1", 0.5)).isFalse();
    }

    @Test
    void onlyAQueuedJobCanBeWithdrawn() {
        String queued = JobId.newId();
        String claimed = JobId.newId();
        repository.create(queued, 10);
        repository.create(claimed, 10);
        repository.claim(claimed, "w1", JobDelivery.STALE_AFTER);

        assertThat(repository.deleteIfQueued(queued)).isTrue();
        assertThat(repository.deleteIfQueued(claimed)).isFalse();
        assertThat(repository.find(queued)).isEmpty();
        assertThat(repository.find(claimed)).isPresent();
    }

    @Test
    void aSmallResultIsStoredAndDownloadsAsAnAttachment() throws IOException {
        ResultStore store = new ResultStore(clients().s3(), clients().presigner(), resources.config());
        String key = ResultStore.resultKey(JobId.newId(), 2);

        long written = store.upload(key, out -> out.write("3.14".getBytes(StandardCharsets.US_ASCII)));

        assertThat(written).isEqualTo(4);
        assertThat(store.size(key)).hasValue(4);
        HttpURLConnection download = (HttpURLConnection) store.downloadUrl(key, 2).openConnection();
        assertThat(download.getResponseCode()).isEqualTo(200);
        assertThat(download.getHeaderField("Content-Disposition")).isEqualTo("attachment; filename=\"pi-2.txt\"");
        try (InputStream in = download.getInputStream()) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("3.14");
        }
    }

    @Test
    void aLargeResultIsStreamedInParts() throws Exception {
        ResultStore store = new ResultStore(clients().s3(), clients().presigner(), resources.config(),
                MultipartUploadStream.MIN_PART_SIZE);
        String key = ResultStore.resultKey(JobId.newId(), 12_000_000);
        long size = 2L * MultipartUploadStream.MIN_PART_SIZE + 12345;
        MessageDigest sent = MessageDigest.getInstance("SHA-256");

        long written = store.upload(key, out -> {
            byte[] chunk = new byte[4096];
            for (long done = 0; done < size; done += chunk.length) {
                int n = (int) Math.min(chunk.length, size - done);
                for (int i = 0; i < n; i++) {
                    chunk[i] = (byte) ('0' + (done + i) % 10);
                }
                sent.update(chunk, 0, n);
                out.write(chunk, 0, n);
            }
        });

        assertThat(written).isEqualTo(size);
        assertThat(store.size(key)).hasValue(size);
        MessageDigest received = MessageDigest.getInstance("SHA-256");
        try (InputStream in = clients().s3().getObject(get -> get.bucket(resources.config().bucketName()).key(key))) {
            byte[] buffer = new byte[65536];
            for (int n; (n = in.read(buffer)) > 0; ) {
                received.update(buffer, 0, n);
            }
        }
        assertThat(HexFormat.of().formatHex(received.digest())).isEqualTo(HexFormat.of().formatHex(sent.digest()));
    }

    @Test
    void aFailedWriterLeavesNoObjectAndNoUpload() {
        ResultStore store = new ResultStore(clients().s3(), clients().presigner(), resources.config(),
                MultipartUploadStream.MIN_PART_SIZE);
        String key = ResultStore.resultKey(JobId.newId(), 7_000_000);

        assertThatThrownBy(() -> store.upload(key, out -> {
            out.write(new byte[MultipartUploadStream.MIN_PART_SIZE + 1]);
            throw new IOException("disk on fire");
        })).isInstanceOf(IOException.class).hasMessage("disk on fire");

        assertThat(store.size(key)).isEmpty();
        assertThat(clients().s3().listMultipartUploads(list -> list.bucket(resources.config().bucketName()))
                .uploads()).isEmpty();
    }

    @Test
    void theLinksOriginIsThatOfEveryDownloadLink() {
        URL link = results.downloadUrl(ResultStore.resultKey(JobId.newId(), 1), 1);

        // (the pages' policy lets them follow links to it)
        assertThat(results.linkOrigin()).isEqualTo(link.getProtocol() + "://" + link.getAuthority());
    }

    @Test
    void downloadLinksExpire() throws Exception {
        ServiceConfig shortLinks = new ServiceConfig(resources.config().tableName(), resources.config().queueUrl(),
                resources.config().bucketName(), 100, Duration.ofSeconds(1), Duration.ofDays(1), 3, 100, Duration.ofHours(1),
                ServiceConfig.DEFAULT_WORKER_CONCURRENCY, ServiceConfig.DEFAULT_WORKER_MEMORY_MB);
        ResultStore store = new ResultStore(clients().s3(), clients().presigner(), shortLinks);
        String key = ResultStore.resultKey(JobId.newId(), 1);
        store.upload(key, out -> out.write("3.1".getBytes(StandardCharsets.US_ASCII)));
        URL url = store.downloadUrl(key, 1);

        Thread.sleep(2100);

        assertThat(((HttpURLConnection) url.openConnection()).getResponseCode()).isEqualTo(403);
    }

    // ---- the digit store ----

    @Test
    void aJobTheStoreCoversIsCompleteAtOnceWithExactBytes() throws Exception {
        // GIVEN a store left by a larger job
        storeMachin(5000);
        JobSubmission submission = submission();

        for (int digits : List.of(1, 1000, 5000)) {
            // WHEN a job it covers is submitted
            JobSubmission.Outcome outcome = submission.submit(
                    new JobSubmission.Request(digits, "198.51.100.7", Optional.empty()));

            // THEN it is complete at once, and its download is exactly π to that many decimals
            assertThat(outcome).isInstanceOf(JobSubmission.Served.class);
            Job job = repository.find(outcome.jobId()).orElseThrow();
            assertThat(job.status()).isEqualTo(JobStatus.COMPLETE);
            assertThat(job.resultBytes()).isEqualTo(digits + 2);
            assertThat(download(results.downloadUrl(job.resultKey(), digits))).isEqualTo(MachinPi.text(digits));
        }
        assertThat(messagesQueued()).as("no worker is asked").isZero();

        assertThat(submission.submit(new JobSubmission.Request(5001, "198.51.100.7", Optional.empty())))
                .as("one digit more needs a worker").isInstanceOf(JobSubmission.Accepted.class);
        assertThat(messagesQueued()).isEqualTo(1);
    }

    @Test
    void jobsThatWaitForARunningComputationTakeNoPlaceInTheirClientsQuota() {
        // GIVEN a worker computing 3,000 digits
        assertThat(digitStore.takeLease("a-worker", 3000, 3000, LEASE_ENDS_BY, JobDelivery.STALE_AFTER)).isTrue();
        JobSubmission submission = submission();
        int limit = resources.config().maxUnfinishedJobsPerClient();

        // WHEN one client asks for as many jobs it covers as its limit, and then as many it does not
        List<JobSubmission.Outcome> waiting = new ArrayList<>();
        List<JobSubmission.Outcome> computing = new ArrayList<>();
        for (int i = 0; i < limit; i++) {
            waiting.add(submission.submit(new JobSubmission.Request(2000 + i, "198.51.100.7", Optional.empty())));
            computing.add(submission.submit(new JobSubmission.Request(4000 + i, "198.51.100.7", Optional.empty())));
        }

        // THEN all are accepted, and one more that needs computing is the first refused
        assertThat(waiting).allMatch(JobSubmission.Accepted.class::isInstance);
        assertThat(computing).allMatch(JobSubmission.Accepted.class::isInstance);
        JobSubmission.Outcome oneMore = submission.submit(new JobSubmission.Request(5000, "198.51.100.7", Optional.empty()));
        assertThat(oneMore).isInstanceOf(JobSubmission.OverQuota.class);
        assertThat(repository.find(oneMore.jobId())).as("the refused job's record is deleted again").isEmpty();
    }

    @Test
    void aRepeatOfARequestThatDiedAfterMakingItsJobGetsThatJob() {
        // GIVEN a request that reserved its key and made its job, then died before recording the job with the key
        IdempotencyKeys keys = new IdempotencyKeys(clients().dynamoDb(), repository, resources.config(), clock);
        String made = JobId.newId();
        assertThat(keys.reserve("198.51.100.7", "k-1", 50, made)).isInstanceOf(IdempotencyKeys.Use.First.class);
        repository.create(made, 50);
        // AND another that reserved its key and died before making any job
        String never = JobId.newId();
        assertThat(keys.reserve("198.51.100.7", "k-2", 50, never)).isInstanceOf(IdempotencyKeys.Use.First.class);

        // WHEN both are repeated, first while their requests could still be running, then after
        IdempotencyKeys.Use early = keys.reserve("198.51.100.7", "k-1", 50, JobId.newId());
        clock.advance(IdempotencyKeys.IN_FLIGHT.plusSeconds(1));
        IdempotencyKeys.Use repeat = keys.reserve("198.51.100.7", "k-1", 50, JobId.newId());
        IdempotencyKeys.Use again = keys.reserve("198.51.100.7", "k-1", 50, JobId.newId());
        String retry = JobId.newId();
        IdempotencyKeys.Use takeover = keys.reserve("198.51.100.7", "k-2", 50, retry);

        // THEN the job made stands and is the repeats' job; the key without one goes to the retry
        assertThat(early).isInstanceOf(IdempotencyKeys.Use.InFlight.class);
        assertThat(repeat).isEqualTo(new IdempotencyKeys.Use.Repeat(made));
        assertThat(again).isEqualTo(new IdempotencyKeys.Use.Repeat(made));
        assertThat(takeover).isInstanceOf(IdempotencyKeys.Use.First.class);
        assertThat(keys.reserve("198.51.100.7", "k-2", 50, retry)).as("its own reservation")
                .isInstanceOf(IdempotencyKeys.Use.First.class);
        assertThat(keys.reserve("198.51.100.7", "k-2", 50, JobId.newId())).as("held by the retry now")
                .isInstanceOf(IdempotencyKeys.Use.InFlight.class);
    }

    @Test
    void aRequestThatOutlivesItsKeyNeitherRecordsItsJobUnderItNorFreesItFromTheRequestThatTookItOver() {
        // GIVEN two requests whose keys were taken over by retries once they had been in flight too long
        IdempotencyKeys keys = new IdempotencyKeys(clients().dynamoDb(), repository, resources.config(), clock);
        String slow = JobId.newId();
        String slowWithoutJob = JobId.newId();
        assertThat(keys.reserve("198.51.100.7", "k-3", 50, slow)).isInstanceOf(IdempotencyKeys.Use.First.class);
        assertThat(keys.reserve("198.51.100.7", "k-4", 50, slowWithoutJob)).isInstanceOf(IdempotencyKeys.Use.First.class);
        clock.advance(IdempotencyKeys.IN_FLIGHT.plusSeconds(1));
        String retry = JobId.newId();
        assertThat(keys.reserve("198.51.100.7", "k-3", 50, retry)).isInstanceOf(IdempotencyKeys.Use.First.class);
        assertThat(keys.reserve("198.51.100.7", "k-4", 50, JobId.newId())).isInstanceOf(IdempotencyKeys.Use.First.class);

        // WHEN the slow requests end, one with a job, the other without
        keys.complete("198.51.100.7", "k-3", slow);
        keys.release("198.51.100.7", "k-4", slowWithoutJob);

        // THEN both keys stay with the retries, and one key names one job
        assertThat(keys.reserve("198.51.100.7", "k-3", 50, JobId.newId())).isInstanceOf(IdempotencyKeys.Use.InFlight.class);
        assertThat(keys.reserve("198.51.100.7", "k-4", 50, JobId.newId())).isInstanceOf(IdempotencyKeys.Use.InFlight.class);
        keys.complete("198.51.100.7", "k-3", retry);
        assertThat(keys.reserve("198.51.100.7", "k-3", 50, JobId.newId())).isEqualTo(new IdempotencyKeys.Use.Repeat(retry));
    }

    @Test
    void prefixesAreCopiedByteForByteSmallInTheCallerLargeInsideS3() throws Exception {
        // A ranged part copy (UploadPartCopy) for the large ones: the call most likely to differ between S3s.
        long digits = DigitStore.COPY_THROUGH_CALLER_BELOW + 100_000;
        String text = DigitStoreTest.text(digits);
        assertThat(digitStore.offer(write(digits, text))).isEqualTo(new DigitStore.Offer.Stored(digits));

        int small = 1000;
        int large = (int) DigitStore.COPY_THROUGH_CALLER_BELOW + 5;
        List<String> calls = new CopyOnWriteArrayList<>();
        DigitStore copying = new DigitStore(clients().dynamoDb(), recordingCalls(clients().s3(), calls), results,
                resources.config(), clock);
        for (int prefix : List.of(small, large, (int) digits)) {
            String key = ResultStore.resultKey(JobId.newId(), prefix);
            calls.clear();
            assertThat(copying.copyPrefix(prefix, key)).isTrue();
            assertThat(object(key)).isEqualTo(text.substring(0, prefix + 2));
            assertThat(calls).as("the S3 calls that copied %d digits", prefix)
                    .contains(prefix == small ? "putObject" : "uploadPartCopy")
                    .doesNotContain(prefix == small ? "uploadPartCopy" : "putObject");
        }
        assertThat(digitStore.copyPrefix((int) digits + 1, ResultStore.resultKey(JobId.newId(), (int) digits + 1)))
                .isFalse();
    }

    /** {@code s3}, naming each call it is asked to make in {@code calls}: which calls a copy took. */
    private static S3Client recordingCalls(S3Client s3, List<String> calls) {
        return (S3Client) Proxy.newProxyInstance(S3Client.class.getClassLoader(), new Class<?>[] {S3Client.class},
                (proxy, method, arguments) -> {
                    calls.add(method.getName());
                    try {
                        return method.invoke(s3, arguments);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Test
    void rangesAtTheStartMiddleAndEndMatchAnIndependentReference() throws Exception {
        storeMachin(5000);
        String reference = MachinPi.positions(5000);
        List<long[]> ranges = new ArrayList<>(List.of(
                new long[] {0, 1}, new long[] {0, 1000}, new long[] {1, 1}, new long[] {1, 1000},
                new long[] {4001, 1000}, new long[] {5000, 1}));
        Random random = new Random(20_240_314);
        for (int i = 0; i < 20; i++) {
            int count = 1 + random.nextInt(1000);
            ranges.add(new long[] {random.nextInt(5001 - count + 1), count});
        }

        for (long[] range : ranges) {
            int start = (int) range[0];
            int count = (int) range[1];
            assertThat(digitStore.read(start, count)).as("positions %d..%d", start, start + count - 1)
                    .isEqualTo(new DigitStore.Range.Digits(reference.substring(start, start + count)));
        }
    }

    @Test
    void aRangeBeyondTheStoreSaysHowFarItGoes() throws Exception {
        assertThat(digitStore.read(0, 1)).isEqualTo(new DigitStore.Range.Beyond(0));
        storeMachin(5000);

        assertThat(digitStore.read(4002, 1000)).isEqualTo(new DigitStore.Range.Beyond(5001));
        assertThat(digitStore.read(5001, 1)).isEqualTo(new DigitStore.Range.Beyond(5001));
        assertThat(digitStore.read(1_000_000_000_000L, 1)).isEqualTo(new DigitStore.Range.Beyond(5001));
    }

    @Test
    void aShorterOfferNeverReplacesTheStoreAndADisagreeingOneIsRefused() throws Exception {
        storeMachin(3000);
        String stored = MachinPi.text(3000);

        // a shorter one, whole and right, is superseded and its object removed
        DigitStore.Candidate shorter = write(2000, MachinPi.text(2000));
        assertThat(digitStore.offer(shorter)).isEqualTo(new DigitStore.Offer.Superseded(3000));
        assertThat(exists(shorter.key())).isFalse();

        // one that disagrees with the store where they overlap is refused, and so is a short one
        char[] disagreeing = MachinPi.text(6000).toCharArray();
        disagreeing[2500] = disagreeing[2500] == '0' ? '1' : '0';
        DigitStore.Candidate refused = write(6000, new String(disagreeing));
        assertThat(digitStore.offer(refused)).isInstanceOf(DigitStore.Offer.Rejected.class);
        assertThat(exists(refused.key())).isFalse();
        DigitStore.Candidate oneShort = write(6000, MachinPi.text(5999));
        assertThat(digitStore.offer(oneShort)).as("one byte short").isInstanceOf(DigitStore.Offer.Rejected.class);
        assertThat(exists(oneShort.key())).isFalse();

        // one of the store's own length (from a worker that lost its lease but went on) is written
        // beside the store's object, so even wrong bytes cannot replace the store's unchecked
        char[] sameLength = stored.toCharArray();
        sameLength[1500] = sameLength[1500] == '0' ? '1' : '0';
        DigitStore.Candidate asLong = write(3000, new String(sameLength));
        assertThat(digitStore.offer(asLong)).isEqualTo(new DigitStore.Offer.Superseded(3000));
        assertThat(exists(asLong.key())).isFalse();

        // none of them touched the store
        assertThat(digitStore.state().digits()).isEqualTo(3000);
        assertThat(object(digitStore.state().key())).isEqualTo(stored);

        // a longer one that agrees replaces it, and the replaced object goes
        String replaced = digitStore.state().key();
        assertThat(digitStore.offer(write(6000, MachinPi.text(6000)))).isEqualTo(new DigitStore.Offer.Stored(6000));
        assertThat(object(digitStore.state().key())).isEqualTo(MachinPi.text(6000));
        assertThat(exists(replaced)).isFalse();
    }

    private JobSubmission submission() {
        return new JobSubmission(digitStore, clients().dynamoDb(), clients().sqs(), resources.config(), clock,
                EmfMetrics.stdout());
    }

    private void storeMachin(int digits) throws IOException {
        assertThat(digitStore.offer(write(digits, MachinPi.text(digits)))).isEqualTo(new DigitStore.Offer.Stored(digits));
    }

    private DigitStore.Candidate write(long digits, String content) throws IOException {
        return digitStore.write(digits, out -> out.write(content.getBytes(StandardCharsets.US_ASCII)));
    }

    private String object(String key) {
        return clients().s3().getObjectAsBytes(get -> get.bucket(resources.config().bucketName()).key(key))
                .asString(StandardCharsets.US_ASCII);
    }

    private boolean exists(String key) {
        return results.size(key).isPresent();
    }

    private static String download(URL url) throws IOException {
        try (InputStream in = url.openStream()) {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    private int messagesQueued() {
        return Integer.parseInt(clients().sqs().getQueueAttributes(get -> get.queueUrl(resources.config().queueUrl())
                .attributeNamesWithStrings("ApproximateNumberOfMessages")).attributesAsStrings()
                .get("ApproximateNumberOfMessages"));
    }
}
