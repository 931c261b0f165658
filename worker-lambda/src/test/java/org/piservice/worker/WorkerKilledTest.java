package org.piservice.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.piservice.jobs.testing.Await.awaitTrue;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.piservice.contract.JobDelivery;
import org.piservice.contract.Storage;
import org.piservice.core.MachinPi;
import org.piservice.core.PiProcess;
import org.piservice.jobs.DigitStore;
import org.piservice.jobs.Job;
import org.piservice.jobs.JobRepository;
import org.piservice.jobs.JobStatus;
import org.piservice.jobs.testing.Emulators;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A worker killed with SIGKILL in the middle of a job, in a child process ({@link WorkerProcessMain})
 * on the embedded emulators this class starts: no exception, no cleanup, no last word. The queue is
 * the deployed one, with its 90-minute visibility timeout.
 */
class WorkerKilledTest {

    /**
     * The killed worker's invocation: its message comes back this long (and the staleness) after it
     * started. Its cold JVM's first AWS calls and the computation must fit in it on a busy machine,
     * else it gives the job back unstarted.
     */
    private static final Duration INVOCATION = Duration.ofSeconds(15);

    private final WorkerFixture fixture = new WorkerFixture();

    @Test
    void aJobWhoseWorkerIsKilledMidJobIsTakenOverAndCompletes() throws Exception {
        // GIVEN a job, and a worker process that has claimed it and is computing
        QueueMessage message = fixture.newJob(500);
        fixture.enqueue(message);
        String id = WorkerFixture.jobIdOf(message);
        Process worker = startWorkerPausingAt(WorkerProcessMain.COMPUTING, INVOCATION);
        assertThat(fixture.jobs.find(id).orElseThrow().status()).isEqualTo(JobStatus.IN_PROGRESS);

        // WHEN it is killed (SIGKILL)
        kill(worker);

        // THEN the message comes back once the invocation would have ended and the heartbeat is
        // stale, a healthy worker takes the job over, notes the silent attempt and completes it
        AtomicReference<String> errorSeenByTakeover = new AtomicReference<>();
        JobRepository jobs = fixture.jobs;
        PiWriter noting = (digits, out, progress, cancelled) -> {
            errorSeenByTakeover.set(jobs.find(id).orElseThrow().error());
            PiWriter.PI_CORE.write(digits, out, progress, cancelled);
        };
        awaitCompleteByHealthyWorker(id, noting);
        Job job = fixture.jobs.find(id).orElseThrow();
        assertThat(job.attempts()).isEqualTo(2);
        assertThat(job.resultBytes()).isEqualTo(502);
        assertThat(errorSeenByTakeover.get()).isEqualTo(JobRepository.SILENT_ATTEMPT);
        assertThat(fixture.messagesIn(fixture.config().queueUrl())).isZero();
    }

    @Test
    void aJobWhoseWorkerIsKilledOnEveryAttemptIsFailedWithTheReason() throws Exception {
        // GIVEN a job whose worker process is killed (SIGKILL) mid-job on each of its attempts, as
        // a job that crashes its worker would
        QueueMessage message = fixture.newJob(500);
        fixture.enqueue(message);
        String id = WorkerFixture.jobIdOf(message);
        for (int attempt = 1; attempt <= JobDelivery.MAX_ATTEMPTS; attempt++) {
            kill(startWorkerPausingAt(WorkerProcessMain.COMPUTING, INVOCATION));
            assertThat(fixture.jobs.find(id).orElseThrow().attempts()).isEqualTo(attempt);
        }

        // WHEN its message comes back once more, to a healthy worker
        CountingPiWriter pi = new CountingPiWriter(PiWriter.PI_CORE);
        EventSourceStandIn healthy = new EventSourceStandIn(fixture.clients.sqs(), fixture.config().queueUrl(),
                fixture.processor(WorkerFixture.FAST, pi));
        awaitTrue(Duration.ofSeconds(60), () -> {
            healthy.deliverOnce();
            return fixture.jobs.find(id).orElseThrow().status().isFinal();
        });

        // THEN it fails the job with the reason, without computing, and the message is gone
        Job job = fixture.jobs.find(id).orElseThrow();
        assertThat(job.status()).isEqualTo(JobStatus.FAILED);
        assertThat(job.error()).isEqualTo("Gave up after " + JobDelivery.MAX_ATTEMPTS
                + " attempts; the last attempt failed with: " + JobRepository.SILENT_ATTEMPT);
        assertThat(pi.runs.get()).isZero();
        assertThat(fixture.messagesIn(fixture.config().queueUrl())).isZero();
    }

    @Test
    void aWorkerKilledBetweenUploadingAndStoringLeavesAConsistentStore() throws Exception {
        // GIVEN a store of 1000 digits, and a worker process that has computed, uploaded and
        // checked 3000 for a new job and is about to point the store's item at them
        JobProcessor healthy = fixture.processor(WorkerFixture.FAST, PiWriter.PI_CORE);
        healthy.handle(fixture.newJob(1000), WorkerFixture.deadlineAfter(Duration.ofMinutes(1)));
        DigitStore store = fixture.digitStore(fixture.config());
        QueueMessage longer = fixture.newJob(3000);
        fixture.enqueue(longer);
        String id = WorkerFixture.jobIdOf(longer);
        Process worker = startWorkerPausingAt(WorkerProcessMain.STORING, INVOCATION);
        String before = store.state().key();
        List<String> uploads = storeObjects().stream().filter(key -> !key.equals(before)).toList();
        assertThat(uploads).hasSize(1);
        String uploaded = uploads.getFirst();
        assertThat(object(uploaded)).as("the new digits are uploaded").isEqualTo(MachinPi.text(3000));

        // WHEN it is killed (SIGKILL) there
        kill(worker);

        // THEN the store is the old one, whole, serving ranges and jobs as before
        assertThat(store.state().digits()).isEqualTo(1000);
        assertThat(object(store.state().key())).isEqualTo(MachinPi.text(1000));
        assertThat(store.read(0, 1001)).isEqualTo(new DigitStore.Range.Digits("3" + MachinPi.text(1000).substring(2)));
        QueueMessage covered = fixture.newJob(999);
        assertThat(healthy.handle(covered, WorkerFixture.deadlineAfter(Duration.ofMinutes(1))))
                .isEqualTo(JobProcessor.Outcome.DONE);
        assertThat(object(fixture.jobs.find(WorkerFixture.jobIdOf(covered)).orElseThrow().resultKey()))
                .isEqualTo(MachinPi.text(999));

        // AND once the message comes back, a healthy worker takes the job and the stale lease over,
        // completes the job and extends the store with the digits the killed worker had uploaded,
        // without computing them again, leaving no object but the store behind
        CountingPiWriter pi = new CountingPiWriter(PiWriter.PI_CORE);
        awaitCompleteByHealthyWorker(id, pi);
        assertThat(pi.runs).hasValue(0);
        Job job = fixture.jobs.find(id).orElseThrow();
        assertThat(job.attempts()).isEqualTo(2);
        assertThat(object(job.resultKey())).isEqualTo(MachinPi.text(3000));
        assertThat(store.state().digits()).isEqualTo(3000);
        assertThat(store.state().leaseOwner()).isNull();
        assertThat(object(store.state().key())).isEqualTo(MachinPi.text(3000));
        assertThat(storeObjects()).as("the killed worker's upload is the store").containsExactly(uploaded);
    }

    @Test
    void aWorkerKilledWhileAChildJvmComputesTakesTheChildWithIt() throws Exception {
        // GIVEN a job too large for the worker's own JVM, and a worker process whose child JVM computes it
        int digits = 5_000_000;
        assertThat(WorkerProcessMain.SMALL_HEAP.inProcess(digits)).isFalse();
        QueueMessage message = fixture.newJob(digits);
        fixture.enqueue(message);
        // (an invocation with room to spare: its job's estimate, 10 s, takes most of the usual one; the
        // worker is killed, so its message never comes back within the test)
        Process worker = startWorkerPausingAt(WorkerProcessMain.IN_CHILD, Duration.ofSeconds(60));
        List<ProcessHandle> children = worker.toHandle().children().toList();
        assertThat(children).as("the worker's child JVM").singleElement()
                .satisfies(child -> assertThat(child.info().commandLine().orElse("")).contains(PiProcess.class.getName()));

        // WHEN the worker is killed (SIGKILL)
        kill(worker);

        // THEN its child stops too, and the job waits for its message to come back
        assertThat(children.getFirst().onExit().get(30, TimeUnit.SECONDS).isAlive()).isFalse();
        assertThat(fixture.jobs.find(WorkerFixture.jobIdOf(message)).orElseThrow().status())
                .isEqualTo(JobStatus.IN_PROGRESS);
    }

    /** Starts a worker process on the fixture's queue and returns once it says it got to {@code point}. */
    private Process startWorkerPausingAt(String point, Duration invocation) throws IOException {
        Map<String, String> aws = Emulators.aws().clientSettings();
        Process worker = new ProcessBuilder(List.of(
                ProcessHandle.current().info().command().orElse("java"), PiProcess.VECTOR_MODULE,
                "-cp", System.getProperty("java.class.path"),
                WorkerProcessMain.class.getName(),
                aws.get("AWS_ENDPOINT_URL_DYNAMODB"), aws.get("AWS_ENDPOINT_URL_SQS"), aws.get("AWS_ENDPOINT_URL_S3"),
                fixture.config().tableName(), fixture.config().queueUrl(), fixture.config().bucketName(),
                Long.toString(invocation.toMillis()), point))
                .redirectError(new File("target/killed-worker-" + point + ".log"))
                .start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(worker.getInputStream(), StandardCharsets.UTF_8))) {
            StringBuilder said = new StringBuilder();
            String line;
            while ((line = out.readLine()) != null && !line.equals(point)) {
                said.append(line).append('\n');
            }
            assertThat(line).as("the worker process got to %s; it said:%n%s", point, said).isEqualTo(point);
        }
        return worker;
    }

    private static void kill(Process worker) throws InterruptedException {
        worker.destroyForcibly();
        assertThat(worker.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(worker.exitValue()).isEqualTo(137);
    }

    /** Delivers the queue's messages to a healthy worker until the job is complete. */
    private void awaitCompleteByHealthyWorker(String id, PiWriter pi) {
        EventSourceStandIn healthy = new EventSourceStandIn(fixture.clients.sqs(), fixture.config().queueUrl(),
                fixture.processor(WorkerFixture.FAST, pi));
        awaitTrue(Duration.ofSeconds(60), () -> {
            healthy.deliverOnce();
            return fixture.jobs.find(id).orElseThrow().status() == JobStatus.COMPLETE;
        });
    }

    private String object(String key) {
        return fixture.clients.s3().getObjectAsBytes(get -> get.bucket(fixture.config().bucketName()).key(key))
                .asString(StandardCharsets.US_ASCII);
    }

    private List<String> storeObjects() {
        return fixture.clients.s3().listObjectsV2(list -> list.bucket(fixture.config().bucketName())
                .prefix(Storage.DIGIT_STORE_PREFIX)).contents().stream().map(S3Object::key).toList();
    }
}
