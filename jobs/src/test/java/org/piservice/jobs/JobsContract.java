package org.piservice.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.piservice.jobs.testing.MutableClock;
import org.piservice.jobs.testing.TestResources;

/**
 * The jobs module's behaviour against a real DynamoDB/S3 wire protocol. Subclasses say which
 * implementation: the embedded emulators, or LocalStack in Docker.
 */
abstract class JobsContract {

    private static final Duration STALE_AFTER = Duration.ofSeconds(60);

    /** Clients connected to the implementation under test. */
    protected abstract AwsClients clients();

    /** Fresh resources of the implementation under test. */
    protected abstract TestResources newResources();

    private TestResources resources;
    private MutableClock clock;
    private JobRepository repository;

    @BeforeEach
    void createResources() {
        resources = newResources();
        clock = MutableClock.startingNow();
        repository = new JobRepository(clients().dynamoDb(), resources.config(), clock);
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
        assertThat(repository.claim(id, "w1", STALE_AFTER)).isEqualTo(new ClaimResult.NotFound(id));
        assertThat(repository.find(id)).as("a claim must not create a record").isEmpty();
    }

    @Test
    void aQueuedJobIsClaimedOnceThenBusy() {
        String id = JobId.newId();
        repository.create(id, 10);

        ClaimResult first = repository.claim(id, "w1", STALE_AFTER);
        ClaimResult second = repository.claim(id, "w2", STALE_AFTER);

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
    void concurrentClaimsHaveExactlyOneWinner() throws Exception {
        String id = JobId.newId();
        repository.create(id, 10);
        List<Callable<ClaimResult>> claims = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            String owner = "w" + i;
            claims.add(() -> repository.claim(id, owner, STALE_AFTER));
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
        repository.claim(id, "dead", STALE_AFTER);

        clock.advance(STALE_AFTER.plusSeconds(1));
        ClaimResult takeover = repository.claim(id, "alive", STALE_AFTER);

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
        repository.claim(id, "w1", STALE_AFTER);

        clock.advance(STALE_AFTER.minusSeconds(5));
        assertThat(repository.heartbeat(id, "w1", 0.25)).isTrue();
        clock.advance(Duration.ofSeconds(10));

        assertThat(repository.claim(id, "w2", STALE_AFTER)).isInstanceOf(ClaimResult.Busy.class);
        Job job = repository.find(id).orElseThrow();
        assertThat(job.progress()).isEqualTo(0.25);
        assertThat(repository.heartbeat(id, "w2", 0.3)).as("only the owner reports progress").isFalse();
    }

    @Test
    void completeIsFinal() {
        String id = JobId.newId();
        repository.create(id, 10);
        repository.claim(id, "w1", STALE_AFTER);

        assertThat(repository.complete(id, "w1", "results/x", 12)).isTrue();

        clock.advance(Duration.ofDays(1));
        assertThat(repository.claim(id, "w2", STALE_AFTER)).isInstanceOf(ClaimResult.Finished.class);
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
        repository.claim(id, "w1", STALE_AFTER);

        assertThat(repository.fail(id, "w1", "out of time")).isTrue();

        clock.advance(Duration.ofDays(1));
        assertThat(repository.claim(id, "w2", STALE_AFTER)).isInstanceOf(ClaimResult.Finished.class);
        assertThat(repository.complete(id, "w1", "results/x", 12)).isFalse();
        Job job = repository.find(id).orElseThrow();
        assertThat(job.status()).isEqualTo(JobStatus.FAILED);
        assertThat(job.errorMessage()).contains("out of time");
    }

    @Test
    void aReleasedJobIsClaimableAtOnceAndKeepsItsError() {
        String id = JobId.newId();
        repository.create(id, 10);
        repository.claim(id, "w1", STALE_AFTER);

        assertThat(repository.release(id, "w1", "S3 said 503")).isTrue();
        ClaimResult retry = repository.claim(id, "w2", STALE_AFTER);

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
        repository.claim(claimed, "w1", STALE_AFTER);

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
    void downloadLinksExpire() throws Exception {
        ServiceConfig shortLinks = new ServiceConfig(resources.config().tableName(), resources.config().queueUrl(),
                resources.config().bucketName(), 100, Duration.ofSeconds(1), Duration.ofDays(1), 3, Duration.ofHours(1),
                ServiceConfig.DEFAULT_WORKER_CONCURRENCY, ServiceConfig.DEFAULT_WORKER_MEMORY_MB);
        ResultStore store = new ResultStore(clients().s3(), clients().presigner(), shortLinks);
        String key = ResultStore.resultKey(JobId.newId(), 1);
        store.upload(key, out -> out.write("3.1".getBytes(StandardCharsets.US_ASCII)));
        URL url = store.downloadUrl(key, 1);

        Thread.sleep(2100);

        assertThat(((HttpURLConnection) url.openConnection()).getResponseCode()).isEqualTo(403);
    }
}
