package org.piservice.worker;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.piservice.contract.JobDelivery;
import org.piservice.core.ComputeTimeModel;
import org.piservice.emulators.LocalLambdaContext;
import org.piservice.emulators.ServiceResources;
import org.piservice.jobs.AwsClients;
import org.piservice.jobs.DigitStore;
import org.piservice.jobs.EmfMetrics;
import org.piservice.jobs.JobId;
import org.piservice.jobs.JobMessage;
import org.piservice.jobs.JobRepository;
import org.piservice.jobs.ResultStore;
import org.piservice.jobs.ServiceConfig;
import org.piservice.jobs.testing.Emulators;
import org.piservice.jobs.testing.MutableClock;
import org.piservice.jobs.testing.TestResources;

/** Fresh resources on the shared emulators, and processors wired to them with captured metrics. */
final class WorkerFixture {

    /** Fast timings, so that staleness and redelivery take a second, not minutes. */
    static final WorkerSettings FAST = new WorkerSettings(
            Duration.ofMillis(100), Duration.ofMillis(500), JobDelivery.MAX_ATTEMPTS, Duration.ofMillis(1500),
            Duration.ofMillis(200), ComputeTimeModel.DEFAULT, WorkerSettings.DEFAULT.heapBytes(),
            WorkerSettings.DEFAULT.memoryBytes());

    /** Fast heartbeats, but staleness only after seconds: ten workers on a busy machine must not look dead. */
    static final WorkerSettings UNHURRIED = new WorkerSettings(Duration.ofMillis(100), Duration.ofSeconds(10),
            JobDelivery.MAX_ATTEMPTS, FAST.cleanupReserve(), FAST.finishReserve(), WorkerSettings.DEFAULT.timeModel(),
            WorkerSettings.DEFAULT.heapBytes(), WorkerSettings.DEFAULT.memoryBytes());

    /** {@code settings} with this time model: one that over- or underestimates on purpose. */
    static WorkerSettings withTimeModel(WorkerSettings settings, ComputeTimeModel timeModel) {
        return new WorkerSettings(settings.heartbeatInterval(), settings.staleAfter(), settings.maxAttempts(),
                settings.cleanupReserve(), settings.finishReserve(), timeModel, settings.heapBytes(),
                settings.memoryBytes());
    }

    /** {@code settings} in a JVM with this heap and a function with this memory. */
    static WorkerSettings withMemory(WorkerSettings settings, long heapBytes, long memoryBytes) {
        return new WorkerSettings(settings.heartbeatInterval(), settings.staleAfter(), settings.maxAttempts(),
                settings.cleanupReserve(), settings.finishReserve(), settings.timeModel(), heapBytes, memoryBytes);
    }

    final AwsClients clients = Emulators.clients();
    final TestResources resources;
    final JobRepository jobs;
    private final ByteArrayOutputStream output = new ByteArrayOutputStream();
    private final PrintStream printer = new PrintStream(output, true, StandardCharsets.UTF_8);

    WorkerFixture() {
        this(ServiceResources.DEFAULT_VISIBILITY_TIMEOUT, JobDelivery.MAX_RECEIVE_COUNT);
    }

    WorkerFixture(Duration visibilityTimeout, int maxReceiveCount) {
        resources = TestResources.create(clients, Emulators.uniquePrefix(), visibilityTimeout, maxReceiveCount);
        jobs = new JobRepository(clients.dynamoDb(), config());
    }

    ServiceConfig config() {
        return resources.config();
    }

    ResultStore store(ServiceConfig config) {
        return new ResultStore(clients.s3(), clients.presigner(), config);
    }

    DigitStore digitStore(ServiceConfig config) {
        return new DigitStore(clients.dynamoDb(), clients.s3(), store(config), config);
    }

    JobProcessor processor(WorkerSettings settings, PiWriter pi) {
        return processor(config(), settings, pi);
    }

    JobProcessor processor(ServiceConfig config, WorkerSettings settings, PiWriter pi) {
        EmfMetrics metrics = new EmfMetrics(printer, Clock.systemUTC());
        return new JobProcessor(new JobRepository(clients.dynamoDb(), config, Clock.systemUTC(), metrics),
                digitStore(config), store(config), new MessageVisibility(clients.sqs(), config.queueUrl()), config,
                settings, pi, metrics);
    }

    /**
     * A processor on other clients (e.g. through a fault proxy), whose results go up in parts of
     * S3's smallest size, so that a job of a few million digits is a multipart upload.
     */
    JobProcessor processorOn(AwsClients other, WorkerSettings settings, PiWriter pi) {
        ServiceConfig config = config();
        ResultStore results = new ResultStore(other.s3(), other.presigner(), config, SMALLEST_PART);
        EmfMetrics metrics = new EmfMetrics(printer, Clock.systemUTC());
        return new JobProcessor(new JobRepository(other.dynamoDb(), config, Clock.systemUTC(), metrics),
                new DigitStore(other.dynamoDb(), other.s3(), results, config), results,
                new MessageVisibility(other.sqs(), config.queueUrl()), config, settings, pi, metrics);
    }

    /** S3's smallest part but the last. */
    static final int SMALLEST_PART = 5 * 1024 * 1024;

    /** A queued job and the message the api would have sent for it. */
    QueueMessage newJob(int digits) {
        return newJob(digits, jobs);
    }

    /** {@link #newJob}, accepted so long ago that its deadline is {@code left} away (past, if negative). */
    QueueMessage newJobDueIn(Duration left, int digits) {
        Clock accepted = new MutableClock(Instant.now().minus(config().jobDeadline()).plus(left));
        return newJob(digits, new JobRepository(clients.dynamoDb(), config(), accepted));
    }

    private static QueueMessage newJob(int digits, JobRepository jobs) {
        String id = JobId.newId();
        jobs.create(id, digits);
        return new QueueMessage("m-" + id, new JobMessage(id, digits).toJson(), null, 1);
    }

    /** Sends the job's message to the queue, as the api does. */
    void enqueue(QueueMessage message) {
        clients.sqs().sendMessage(send -> send.queueUrl(config().queueUrl()).messageBody(message.body()));
    }

    /** The deadline of an invocation that starts now with {@code budget} to run, as Lambda counts it. */
    static Deadline deadlineAfter(Duration budget) {
        return Deadline.of(LocalLambdaContext.start("worker", budget.toMillis()));
    }

    static String jobIdOf(QueueMessage message) {
        return JobMessage.parse(message.body()).jobId();
    }

    /** The metrics the processors emitted, one EMF object per line. */
    String metrics() {
        return output.toString(StandardCharsets.UTF_8);
    }

    int messagesIn(String queueUrl) {
        return clients.sqs().getQueueAttributes(get -> get.queueUrl(queueUrl)
                        .attributeNamesWithStrings("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"))
                .attributes().values().stream().mapToInt(Integer::parseInt).sum();
    }
}
