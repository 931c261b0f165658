package org.piservice.worker;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.piservice.contract.Storage;
import org.piservice.contract.WorkerMemory;
import org.piservice.core.HeapModel;
import org.piservice.emulators.LocalAws;
import org.piservice.jobs.AwsClients;
import org.piservice.jobs.DigitStore;
import org.piservice.jobs.EmfMetrics;
import org.piservice.jobs.JobRepository;
import org.piservice.jobs.ResultStore;
import org.piservice.jobs.ServiceConfig;
import org.piservice.jobs.testing.TestResources;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

/**
 * A worker in a process of its own, for tests that kill it: receives one message from the queue
 * and works on it, pausing for a minute at one point, which it names on standard output when it
 * gets there: {@value #COMPUTING}, before it computes, or {@value #STORING}, when its digits are
 * uploaded and checked and it is about to point the digit store's item at them. At {@value
 * #IN_CHILD} it does not pause: it computes as the deployed worker does, with a heap too small for
 * the job ({@link #SMALL_HEAP}), and says so once the child JVM reports progress.
 *
 * <p>Arguments: the emulators' DynamoDB, SQS and S3 endpoints, the table, queue URL and bucket,
 * the invocation's time budget in milliseconds, and where to pause.
 */
public final class WorkerProcessMain {

    static final String COMPUTING = "computing";
    static final String STORING = "storing";
    static final String IN_CHILD = "in-child";
    /** The worker's settings with a heap that holds 1,000 digits, so that larger jobs run in a child JVM. */
    static final WorkerSettings SMALL_HEAP = WorkerFixture.withMemory(WorkerFixture.FAST,
            WorkerMemory.SERVICE_HEAP_MB * 1024L * 1024L + HeapModel.DEFAULT.heapBytes(1_000), WorkerFixture.FAST.memoryBytes());

    private static final Duration WAIT_FOR_A_MESSAGE = Duration.ofMinutes(1);

    private WorkerProcessMain() {
    }

    public static void main(String[] args) {
        Map<String, String> settings = Map.of(
                "AWS_REGION", LocalAws.REGION, "AWS_ACCESS_KEY_ID", LocalAws.ACCESS_KEY_ID,
                "AWS_SECRET_ACCESS_KEY", LocalAws.SECRET_ACCESS_KEY,
                "AWS_ENDPOINT_URL_DYNAMODB", args[0], "AWS_ENDPOINT_URL_SQS", args[1], "AWS_ENDPOINT_URL_S3", args[2],
                "S3_FORCE_PATH_STYLE", "true");
        ServiceConfig config = TestResources.config(args[3], args[4], args[5]);
        Duration budget = Duration.ofMillis(Long.parseLong(args[6]));
        String pauseAt = args[7];
        AwsClients clients = AwsClients.fromSettings(settings, WorkerClients.BUDGETS);
        ResultStore results = new ResultStore(clients.s3(), clients.presigner(), config);
        PiWriter pi = switch (pauseAt) {
            case COMPUTING -> (digits, out, progress, cancelled) -> {
                pause(COMPUTING);
                PiWriter.PI_CORE.write(digits, out, progress, cancelled);
            };
            case IN_CHILD -> (digits, out, progress, cancelled) -> {
                AtomicBoolean said = new AtomicBoolean();
                PiWriter.sizedFor(SMALL_HEAP).write(digits, out, (fraction, phase) -> {
                    if (!said.getAndSet(true)) {
                        System.out.println(IN_CHILD);
                        System.out.flush();
                    }
                    progress.update(fraction, phase);
                }, cancelled);
            };
            default -> PiWriter.PI_CORE;
        };
        DynamoDbClient storeTable = pauseAt.equals(STORING) ? pausingBeforePointing(clients.dynamoDb())
                : clients.dynamoDb();
        JobProcessor processor = new JobProcessor(new JobRepository(clients.dynamoDb(), config),
                new DigitStore(storeTable, clients.s3(), results, config), results,
                new MessageVisibility(clients.sqs(), config.queueUrl()), config, WorkerFixture.FAST, pi,
                new EmfMetrics(System.err, Clock.systemUTC()));
        // A message that an earlier, killed worker had received comes back only once its invocation would have ended.
        List<QueueMessage> received = List.of();
        for (long giveUp = System.nanoTime() + WAIT_FOR_A_MESSAGE.toNanos(); received.isEmpty() && System.nanoTime() < giveUp; ) {
            // (1 s long polls: the worker's SQS client ends an attempt after 2 s)
            try {
                received = EventSourceStandIn.receive(clients.sqs(), config.queueUrl(), 1);
            } catch (SdkException e) {
                System.err.println("receiving failed, trying again: " + e.getMessage());
            }
        }
        for (QueueMessage message : received) {
            processor.handle(message, WorkerFixture.deadlineAfter(budget));
        }
    }

    /** The table as the digit store sees it, except that the write naming a new store object waits first. */
    private static DynamoDbClient pausingBeforePointing(DynamoDbClient table) {
        return (DynamoDbClient) Proxy.newProxyInstance(DynamoDbClient.class.getClassLoader(),
                new Class<?>[] {DynamoDbClient.class}, (proxy, method, args) -> {
                    if (args != null && args.length == 1 && args[0] instanceof Consumer<?>) {
                        // the builder-taking overloads build the request and call the request-taking one, here
                        return InvocationHandler.invokeDefault(proxy, method, args);
                    }
                    if (args != null && args.length == 1 && args[0] instanceof UpdateItemRequest update
                            && namesAStoreObject(update)) {
                        pause(STORING);
                    }
                    try {
                        return method.invoke(table, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private static boolean namesAStoreObject(UpdateItemRequest update) {
        return update.expressionAttributeValues().values().stream().map(AttributeValue::s)
                .anyMatch(value -> value != null && value.startsWith(Storage.DIGIT_STORE_PREFIX));
    }

    private static void pause(String point) {
        System.out.println(point);
        System.out.flush();
        try {
            Thread.sleep(Duration.ofMinutes(1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
