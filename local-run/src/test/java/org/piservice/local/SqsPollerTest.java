package org.piservice.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.piservice.contract.JobDelivery;
import org.piservice.emulators.LocalAws;
import org.piservice.jobs.AwsClients;
import org.piservice.jobs.testing.FaultProxy;
import org.piservice.jobs.testing.FaultProxy.Fault;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/** Runs the poller against the embedded SQS (ElasticMQ), started by this class, over the real wire protocol. */
class SqsPollerTest {

    /** The dead-letter consumer's batch size, Lambda's default: several messages per invocation. */
    private static final int BATCH = JobDelivery.DEAD_LETTER_BATCH_SIZE;

    private static LocalAws aws;
    private static AwsClients clients;
    private static SqsClient sqs;

    private final List<SQSEvent.SQSMessage> handled = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicInteger> deliveries = new ConcurrentHashMap<>();
    private final List<Integer> remainingMillis = new CopyOnWriteArrayList<>();
    private volatile RequestHandler<SQSEvent, SQSBatchResponse> behaviour = (event, context) -> new SQSBatchResponse();
    private final RequestHandler<SQSEvent, SQSBatchResponse> handler = (event, context) -> {
        remainingMillis.add(context.getRemainingTimeInMillis());
        event.getRecords().forEach(record -> {
            handled.add(record);
            deliveries.computeIfAbsent(record.getBody(), body -> new AtomicInteger()).incrementAndGet();
        });
        return behaviour.handleRequest(event, context);
    };
    private String queueUrl;
    private SqsPoller poller;

    @BeforeAll
    static void startEmulators() {
        aws = LocalAws.start();
        clients = AwsClients.fromSettings(aws.clientSettings());
        sqs = clients.sqs();
    }

    @AfterAll
    static void stopEmulators() {
        clients.close();
        aws.close();
    }

    /**
     * A queue that hides a received message {@code visibilitySeconds}: short, so that tests of
     * redelivery are quick, yet long enough that a pause of the machine between a receive and its
     * delete does not deliver a message twice where a test counts its deliveries.
     */
    private void createQueue(int visibilitySeconds) {
        queueUrl = sqs.createQueue(request -> request.queueName("jobs-" + System.nanoTime())
                .attributes(Map.of(QueueAttributeName.VISIBILITY_TIMEOUT, Integer.toString(visibilitySeconds))))
                .queueUrl();
    }

    @AfterEach
    void stopPoller() {
        if (poller != null) {
            poller.close();
        }
    }

    private void send(String body) {
        sqs.sendMessage(request -> request.queueUrl(queueUrl).messageBody(body)
                .messageAttributes(Map.of("kind", MessageAttributeValue.builder().dataType("String")
                        .stringValue("pi").build())));
    }

    private int messagesLeft() {
        Map<QueueAttributeName, String> attributes = sqs.getQueueAttributes(request -> request.queueUrl(queueUrl)
                .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                        QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).attributes();
        return Integer.parseInt(attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
                + Integer.parseInt(attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE));
    }

    @Test
    void acknowledgedMessagesAreDeletedAfterOneInvocationWithLambdasEventShape() {
        // GIVEN
        createQueue(3);
        send("job-1");
        send("job-2");

        // WHEN
        poller = SqsPoller.start(sqs, queueUrl, "us-east-1", () -> handler, BATCH, 2, 1);

        // THEN
        await().atMost(Duration.ofSeconds(10)).until(() -> messagesLeft() == 0 && handled.size() == 2);
        SQSEvent.SQSMessage record = handled.getFirst();
        assertThat(record.getEventSource()).isEqualTo("aws:sqs");
        assertThat(record.getEventSourceArn()).endsWith(queueUrl.substring(queueUrl.lastIndexOf('/') + 1));
        assertThat(record.getAwsRegion()).isEqualTo("us-east-1");
        assertThat(record.getReceiptHandle()).isNotBlank();
        assertThat(record.getAttributes()).containsEntry("ApproximateReceiveCount", "1");
        assertThat(record.getMessageAttributes().get("kind").getStringValue()).isEqualTo("pi");
        assertThat(remainingMillis).as("each invocation's budget is the function's timeout, which the queue hides a message for six of")
                .allSatisfy(millis -> assertThat(millis).isBetween(0, 3_000 / JobDelivery.VISIBILITY_TIMEOUTS_PER_RUN));
        assertThat(SqsPoller.functionTimeout(sqs, queueUrl)).isEqualTo(Duration.ofMillis(3_000 / JobDelivery.VISIBILITY_TIMEOUTS_PER_RUN));
        // Stays deleted: nothing comes back after the visibility timeout.
        await().during(Duration.ofMillis(3_500)).atMost(Duration.ofSeconds(6))
                .until(() -> deliveries.values().stream().allMatch(count -> count.get() == 1));
    }

    @Test
    void eachInvocationGetsNoMoreMessagesThanTheBatchSize() {
        // GIVEN three messages waiting, and the worker's batch size of one message
        List<Integer> batches = new CopyOnWriteArrayList<>();
        behaviour = (event, context) -> {
            batches.add(event.getRecords().size());
            return new SQSBatchResponse(List.of());
        };
        createQueue(3);
        send("job-1");
        send("job-2");
        send("job-3");

        // WHEN one poller takes them
        poller = SqsPoller.start(sqs, queueUrl, "us-east-1", () -> handler, JobDelivery.WORKER_BATCH_SIZE, 1, 1);

        // THEN it invokes the handler once per message, as the deployed event source does
        await().atMost(Duration.ofSeconds(10)).until(() -> messagesLeft() == 0);
        assertThat(batches).containsExactly(1, 1, 1);
    }

    @Test
    void reportedFailuresAreRedeliveredAndTheRestDeleted() {
        // GIVEN a handler failing "bad" the first two times it sees it
        behaviour = (event, context) -> new SQSBatchResponse(event.getRecords().stream()
                .filter(record -> record.getBody().equals("bad") && deliveries.get("bad").get() <= 2)
                .map(record -> new SQSBatchResponse.BatchItemFailure(record.getMessageId()))
                .toList());
        createQueue(2);
        send("good");
        send("bad");

        // WHEN
        poller = SqsPoller.start(sqs, queueUrl, "us-east-1", () -> handler, BATCH, 1, 1);

        // THEN
        await().atMost(Duration.ofSeconds(15)).until(() -> messagesLeft() == 0);
        assertThat(deliveries.get("good").get()).isEqualTo(1);
        assertThat(deliveries.get("bad").get()).isEqualTo(3);
        assertThat(handled.getLast().getAttributes()).containsEntry("ApproximateReceiveCount", "3");
    }

    @Test
    void invocationThatThrowsLeavesItsWholeBatchForRedelivery() {
        AtomicInteger invocations = new AtomicInteger();
        behaviour = (event, context) -> {
            if (invocations.incrementAndGet() == 1) {
                throw new IllegalStateException("worker crashed");
            }
            return new SQSBatchResponse(List.of());
        };
        createQueue(2);
        send("only");

        poller = SqsPoller.start(sqs, queueUrl, "us-east-1", () -> handler, BATCH, 1, 1);

        await().atMost(Duration.ofSeconds(10)).until(() -> messagesLeft() == 0);
        assertThat(deliveries.get("only").get()).isEqualTo(2);
    }

    @Test
    void closeEndsTheLongPollPromptly() {
        // GIVEN pollers whose receives go through a proxy that lets them pass and notes them
        createQueue(1);
        try (FaultProxy proxy = FaultProxy.start(aws.sqsEndpoint());
             AwsClients throughProxy = AwsClients.fromSettings(proxied(proxy))) {
            proxy.injectAlways(request -> request.isSqs("ReceiveMessage"), Fault.late(Duration.ZERO));
            poller = SqsPoller.start(throughProxy.sqs(), queueUrl, "us-east-1", () -> handler, BATCH, 2,
                    SqsPoller.MAX_LONG_POLL_SECONDS);
            await().atMost(Duration.ofSeconds(10)).until(() -> proxy.faulted().size() >= 2);

            // WHEN they are closed while both long polls are open
            long start = System.nanoTime();
            poller.close();

            // THEN they end at once, not after the poll's 20 s
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
            // The abandoned receives are still open in ElasticMQ, whose shutdown would wait for them.
            send("release-1");
            send("release-2");
        }
    }

    private static Map<String, String> proxied(FaultProxy proxy) {
        Map<String, String> settings = new HashMap<>(aws.clientSettings());
        settings.put("AWS_ENDPOINT_URL_SQS", proxy.endpoint().toString());
        return settings;
    }
}
