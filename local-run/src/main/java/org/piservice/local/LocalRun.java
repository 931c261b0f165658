package org.piservice.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;
import org.piservice.api.ApiHandler;
import org.piservice.contract.FunctionEnvironment;
import org.piservice.contract.GatewayAnswers;
import org.piservice.contract.JobDelivery;
import org.piservice.contract.Storage;
import org.piservice.emulators.LocalAws;
import org.piservice.emulators.ServiceResources;
import org.piservice.jobs.AwsClients;
import org.piservice.jobs.JobRepository;
import org.piservice.jobs.ServiceConfig;
import org.piservice.worker.DeadLetterHandler;
import org.piservice.worker.JobProcessor;
import org.piservice.worker.SweeperHandler;
import org.piservice.worker.WorkerHandler;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The whole service in one process: the API handler behind {@link LocalApiGateway}, the worker
 * handler fed by {@link SqsPoller}, and DynamoDB, SQS and S3 from the embedded emulators, from one
 * endpoint such as LocalStack, or from a real AWS account.
 */
public final class LocalRun implements AutoCloseable {

    /**
     * How much longer than the deployed function's each api call, and the api function itself,
     * may take on an emulator, embedded or LocalStack's (the function no longer than the gateway waits). AWS
     * answers in milliseconds whatever the load; the local DynamoDB is one Node.js process, and on
     * a busy 2-core machine a burst of requests had some of its calls (and even the in-process
     * SQS's) wait past the deployed 1.5 s, so that the api answered 503 to requests the service
     * would have accepted.
     */
    static final int EMULATOR_SLOWDOWN = 4;
    /** Short receives, because the embedded SQS waits for open ones when it stops (Ctrl-C). */
    private static final int EMBEDDED_LONG_POLL_SECONDS = 1;

    private final Deque<AutoCloseable> running;
    private final URI uri;
    private final String backend;
    private final ServiceConfig config;
    private final JobRepository jobs;
    private final boolean keepsNothing;
    private final Duration workerTimeout;
    private final AtomicBoolean closed = new AtomicBoolean();

    private LocalRun(Deque<AutoCloseable> running, URI uri, String backend, ServiceConfig config, JobRepository jobs,
                     boolean keepsNothing, Duration workerTimeout) {
        this.running = running;
        this.uri = uri;
        this.backend = backend;
        this.config = config;
        this.jobs = jobs;
        this.keepsNothing = keepsNothing;
        this.workerTimeout = workerTimeout;
    }

    /** @param deadLetterQueueUrl the dead-letter queue, when this run created the resources (and runs their backstops) */
    private record Backend(AwsClients clients, ServiceConfig config, String description, int longPollSeconds,
                           Optional<String> deadLetterQueueUrl) {
    }

    /**
     * Starts everything; when a part fails to start, the parts already started are stopped again
     * before the exception leaves.
     */
    public static LocalRun start(Options options) throws IOException {
        return start(options, UnaryOperator.identity());
    }

    /**
     * As {@link #start(Options)}, with the clients reaching the embedded emulators through the
     * endpoints {@code reach} makes of theirs: a test puts its fault proxies there, so the service
     * meets a broken dependency on the wire as it would in AWS.
     */
    static LocalRun start(Options options, UnaryOperator<Map<String, String>> reach) throws IOException {
        Deque<AutoCloseable> started = new ArrayDeque<>();
        try {
            Backend backend = switch (options.target()) {
                case EMBEDDED -> embedded(options, started, reach);
                case ENDPOINT -> endpoint(options, started);
                case AWS -> aws(options, started);
            };
            AwsClients clients = backend.clients();
            ServiceConfig config = backend.config();
            String region = clients.sqs().serviceClientConfiguration().region().id();
            // Checked before any poller takes a message of a queue that may be a deployment's
            Duration workerTimeout = SqsPoller.functionTimeout(clients.sqs(), config.queueUrl());
            requireWorkerTime(workerTimeout, config.queueUrl());
            started.push(SqsPoller.start(clients.sqs(), config.queueUrl(), region,
                    () -> new WorkerHandler(JobProcessor.create(clients, config)), JobDelivery.WORKER_BATCH_SIZE,
                    options.workers(),
                    backend.longPollSeconds()));
            // The deployed backstops, the dead-letter queue's consumer and the scheduled sweeper, for the
            // resources this run created (a deployed stack has its own).
            backend.deadLetterQueueUrl().ifPresent(deadLetterQueueUrl -> {
                started.push(SqsPoller.start(clients.sqs(), deadLetterQueueUrl, region,
                        () -> new DeadLetterHandler(DeadLetterHandler.create(clients, config)),
                        JobDelivery.DEAD_LETTER_BATCH_SIZE, 1, backend.longPollSeconds()));
                started.push(new Sweeps(SweeperHandler.create(clients, config)));
            });
            // The api's own clients, limited as the deployed function's are; emulators share this
            // machine's CPUs with everything else on it and may take longer.
            int slowdown = options.target() == Options.Target.AWS ? 1 : EMULATOR_SLOWDOWN;
            AwsClients apiClients = clients.withBudgets(ApiHandler.CALL_BUDGETS.times(slowdown));
            started.push(apiClients);
            LocalApiGateway gateway = LocalApiGateway.start(new ApiHandler(config, apiClients),
                    Duration.ofSeconds(Math.min(GatewayAnswers.API_TIMEOUT_SECONDS * slowdown,
                            GatewayAnswers.INTEGRATION_TIMEOUT_SECONDS)), options.port(),
                    OpenApiRoutes.fromClasspath(ApiHandler.OPENAPI_RESOURCE));
            started.push(gateway);
            return new LocalRun(started, URI.create("http://localhost:" + gateway.port() + "/"),
                    backend.description(), config, new JobRepository(clients.dynamoDb(), config),
                    options.target() == Options.Target.EMBEDDED, workerTimeout);
        } catch (IOException | RuntimeException | Error e) {
            stopAll(started);
            throw e;
        }
    }

    /**
     * A queue named with {@code --queue-url} that the stack did not make may hide a message too
     * briefly: the worker gets a sixth of that, and needs the shortest timeout a deployment may give it.
     */
    static void requireWorkerTime(Duration workerTimeout, String queueUrl) {
        Duration least = Duration.ofSeconds(JobDelivery.MIN_WORKER_TIMEOUT_SECONDS);
        if (workerTimeout.compareTo(least) < 0) {
            throw new IllegalArgumentException("the queue " + queueUrl + " hides a received message for "
                    + workerTimeout.multipliedBy(JobDelivery.VISIBILITY_TIMEOUTS_PER_RUN).toSeconds() + " s, a sixth of"
                    + " which, the worker's time as the stack builds its queue, is less than the "
                    + least.toSeconds() + " s it needs: give the queue a visibility timeout of at least "
                    + JobDelivery.visibilityTimeout(JobDelivery.MIN_WORKER_TIMEOUT_SECONDS).toSeconds() + " s ("
                    + JobDelivery.VISIBILITY_TIMEOUTS_PER_RUN + " times the worker's timeout)");
        }
    }

    private static Backend embedded(Options options, Deque<AutoCloseable> started,
                                    UnaryOperator<Map<String, String>> reach) {
        LocalAws aws = LocalAws.start();
        started.push(aws);
        AwsClients clients = AwsClients.fromSettings(reach.apply(aws.clientSettings()));
        started.push(clients);
        ServiceResources.Created resources = createResources(clients);
        String description = "embedded emulators: DynamoDB (dynalite) " + aws.dynamoDbEndpoint()
                + ", SQS (ElasticMQ) " + aws.sqsEndpoint() + ", S3 (S3Proxy, in a temporary folder) " + aws.s3Endpoint();
        return new Backend(clients, configFor(resources, options), description, EMBEDDED_LONG_POLL_SECONDS,
                Optional.of(resources.deadLetterQueueUrl()));
    }

    private static Backend endpoint(Options options, Deque<AutoCloseable> started) {
        Map<String, String> settings = new HashMap<>();
        settings.put("AWS_ENDPOINT_URL", options.endpoint().orElseThrow().toString());
        settings.put("AWS_REGION", options.effectiveRegion().orElseThrow());
        settings.put(FunctionEnvironment.S3_FORCE_PATH_STYLE, "true");
        // LocalStack's default credentials, whatever AWS keys the shell holds: it checks the download
        // links' signatures with the secret "test" for any key it does not know (which real keys
        // are), as docker-compose.localstack.yml asks it to, as S3 would.
        settings.put("AWS_ACCESS_KEY_ID", "test");
        settings.put("AWS_SECRET_ACCESS_KEY", "test");
        AwsClients clients = AwsClients.fromSettings(settings);
        started.push(clients);
        String description = "the AWS endpoint " + options.endpoint().get() + " (LocalStack's default credentials, test)";
        if (options.table().isPresent()) {
            return new Backend(clients, named(options, clients), description, SqsPoller.MAX_LONG_POLL_SECONDS,
                    Optional.empty());
        }
        ServiceResources.Created resources = createResources(clients);
        requireOpenJobsIndex(clients, resources.tableName());
        return new Backend(clients, configFor(resources, options), description, SqsPoller.MAX_LONG_POLL_SECONDS,
                Optional.of(resources.deadLetterQueueUrl()));
    }

    private static Backend aws(Options options, Deque<AutoCloseable> started) {
        Map<String, String> settings = new HashMap<>();
        options.effectiveRegion().ifPresent(region -> settings.put("AWS_REGION", region));
        AwsClients clients = AwsClients.fromSettings(settings);
        started.push(clients);
        return new Backend(clients, named(options, clients),
                "AWS (region " + clients.sqs().serviceClientConfiguration().region().id() + ", default credentials)",
                // the deployed stack's own consumer and sweeper serve its queues
                SqsPoller.MAX_LONG_POLL_SECONDS, Optional.empty());
    }

    /** The table, queues and bucket the stack would create, created on an emulator or LocalStack. */
    private static ServiceResources.Created createResources(AwsClients clients) {
        return ServiceResources.create(clients.dynamoDb(), clients.sqs(), clients.s3(), ServiceResources.DEFAULT_PREFIX);
    }

    private static ServiceConfig configFor(ServiceResources.Created resources, Options options) {
        return configFor(resources.tableName(), resources.queueUrl(), resources.bucketName(), options.workers());
    }

    private static ServiceConfig named(Options options, AwsClients clients) {
        requireNamed(clients, options.table().orElseThrow(), options.bucket().orElseThrow());
        return configFor(options.table().orElseThrow(), options.queueUrl().orElseThrow(), options.bucket().orElseThrow(),
                options.workers());
    }

    /**
     * Looks up the named table, its open jobs' index, and the bucket (the queue's poller reads it as
     * it starts), through calls the service makes anyway, so that they need no permission of their
     * own: a name that does not exist, or a table an earlier version made without the index, stops
     * the start, not every job with a 5xx.
     */
    static void requireNamed(AwsClients clients, String table, String bucket) {
        try {
            clients.dynamoDb().getItem(get -> get.tableName(table).key(Map.of(Storage.TABLE_KEY, AttributeValue.fromS("-"))));
            queryOpenJobs(clients, table);
        } catch (ResourceNotFoundException e) {
            throw new IllegalArgumentException("there is no table " + table
                    + " in this account and region (--table): name the deployed stack's");
        } catch (DynamoDbException e) {
            throw new IllegalArgumentException("the table " + table + " cannot be used (--table): "
                    + e.awsErrorDetails().errorMessage());
        }
        try {
            clients.s3().headBucket(head -> head.bucket(bucket));
        } catch (NoSuchBucketException e) {
            throw new IllegalArgumentException("there is no bucket " + bucket + " (--bucket): name the deployed stack's");
        } catch (S3Exception e) {
            // A HEAD's error has no body: its status is all S3 says.
            String why = switch (e.statusCode()) {
                case 301 -> ": it is in another region";
                case 403 -> ": it refuses these credentials (another account's bucket, or no s3:ListBucket)";
                default -> "";
            };
            throw new IllegalArgumentException("the bucket " + bucket + " cannot be used (--bucket), S3 answered "
                    + e.statusCode() + why);
        }
    }

    /**
     * Refuses the table an endpoint kept from an earlier version, made without the open jobs' index
     * (a LocalStack kept running): saying so at the start, rather than failing the sweeper and the
     * api's backlog later. Adding the index would not do: that version's open jobs lack the
     * attribute it is keyed on, so it would miss them.
     */
    static void requireOpenJobsIndex(AwsClients clients, String table) {
        try {
            queryOpenJobs(clients, table);
        } catch (DynamoDbException e) {
            throw new IllegalStateException("the table " + table + " cannot be used (" + e.awsErrorDetails().errorMessage()
                    + "): an earlier version made it, without the index this one reads; delete it (with LocalStack,"
                    + " `docker compose -f docker-compose.localstack.yml down` starts afresh) and start again");
        }
    }

    /** The query of the open jobs the sweeper and the api's backlog make, which a table without their index fails. */
    private static void queryOpenJobs(AwsClients clients, String table) {
        clients.dynamoDb().query(query -> JobRepository.openJobs(query, table).limit(1));
    }

    /**
     * The functions' configuration for these resources. MAX_DIGITS, DOWNLOAD_URL_TTL_SECONDS and
     * JOB_TTL_DAYS work here as in the functions' environment; MAX_DIGITS, which the functions
     * require, defaults to {@link Options#DEFAULT_MAX_DIGITS}. The workers are this run's own.
     */
    private static ServiceConfig configFor(String table, String queueUrl, String bucket, int workers) {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put(FunctionEnvironment.TABLE_NAME, table);
        env.put(FunctionEnvironment.QUEUE_URL, queueUrl);
        env.put(FunctionEnvironment.BUCKET_NAME, bucket);
        env.put(FunctionEnvironment.WORKER_CONCURRENCY, Integer.toString(workers));
        env.putIfAbsent(FunctionEnvironment.MAX_DIGITS, Integer.toString(Options.DEFAULT_MAX_DIGITS));
        return ServiceConfig.from(env);
    }

    /** The API's base address, e.g. {@code http://localhost:5000/}. */
    public URI uri() {
        return uri;
    }

    String banner() {
        return String.join(System.lineSeparator(),
                "",
                "pi-service is running at " + uri + "  (API docs; try POST /pi_job there)",
                "",
                "  curl -si " + uri + "pi_job -H 'Content-Type: application/json' -d '{\"digits\": 1000}'",
                "  curl -s  " + uri + "pi_job/<job_id>",
                "  curl -sL " + uri + "download_pi_job/<job_id>",
                "",
                "  backend: " + backend,
                "  table " + config.tableName() + ", queue " + config.queueUrl() + ", bucket " + config.bucketName()
                        + "; at most " + config.maxDigits() + " digits per job, " + workerTimeout.toSeconds()
                        + " s per worker invocation",
                "",
                "Press Ctrl-C to stop.",
                "");
    }

    /**
     * What stopping now leaves undone: the jobs still queued or in progress, which the emulators
     * drop with everything else they hold, and which a real queue keeps for the next run.
     */
    String stopping() {
        long unfinished;
        try {
            unfinished = jobs.countUnfinished();
        } catch (RuntimeException e) {
            return "Stopping pi-service (could not count its unfinished jobs: " + e.getMessage() + ")...";
        }
        if (unfinished == 0) {
            return "Stopping pi-service: no unfinished jobs...";
        }
        return "Stopping pi-service: " + unfinished + (unfinished == 1 ? " job is" : " jobs are")
                + " queued or in progress" + (keepsNothing ? " and will be dropped (the emulators keep nothing)..."
                : "; they stay in the queue for the next run...");
    }

    /** Stops the HTTP server, the poller, the clients and the emulators, in that order. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            stopAll(running);
        }
    }

    private static void stopAll(Deque<AutoCloseable> started) {
        while (!started.isEmpty()) {
            AutoCloseable part = started.pop();
            try {
                part.close();
            } catch (Exception e) {
                System.err.println("Stopping " + part.getClass().getSimpleName() + " failed: " + e);
            }
        }
    }

    public static void main(String[] args) {
        Optional<Options> options;
        try {
            options = Options.parse(args);
        } catch (Options.UsageException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        if (options.isEmpty()) {
            System.out.print(Options.USAGE);
            return;
        }
        if (options.get().requestLogs()) {
            // read by logback.xml when the first logger is made, which is after this
            System.setProperty("pi.requestLogs", "INFO");
        }

        LocalRun run;
        try {
            run = start(options.get());
        } catch (BindException e) {
            System.err.println("Port " + options.get().port() + " cannot be used (" + e.getMessage() + "): stop what is"
                    + " using it, or choose another port with --port.");
            System.exit(1);
            return;
        } catch (IOException | UncheckedIOException | IllegalStateException | IllegalArgumentException | SdkException e) {
            System.err.println("pi-service could not start: " + e.getMessage());
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println(run.stopping());
            run.close();
            System.out.println("Stopped.");
        }, "pi-service-shutdown"));
        System.out.println(run.banner());
    }
}
