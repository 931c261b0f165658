package org.piservice.local;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.piservice.contract.JobDelivery;
import org.piservice.emulators.LocalLambdaContext;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Does locally what Lambda's SQS event source mapping does in AWS: long-polls the queue, hands
 * each batch to the worker handler as an {@link SQSEvent}, deletes the messages the handler
 * acknowledged and leaves the ones it reported as failed (partial batch response) to come back
 * after their visibility timeout, so redelivery and the DLQ's redrive work as they do in AWS.
 */
public final class SqsPoller implements AutoCloseable {

    /** SQS's longest wait, and Lambda's, for a receive: the fewest requests on an idle queue. */
    public static final int MAX_LONG_POLL_SECONDS = 20;
    private static final String FUNCTION_NAME = "pi-service-worker";

    private final SqsClient sqs;
    private final String queueUrl;
    private final String queueArn;
    private final String region;
    private final Supplier<? extends RequestHandler<SQSEvent, SQSBatchResponse>> handlers;
    private final int batchSize;
    private final long timeoutMillis;
    private final int longPollSeconds;
    private final List<Thread> pollers = new CopyOnWriteArrayList<>();
    private volatile boolean running = true;

    private SqsPoller(SqsClient sqs, String queueUrl, String queueArn, String region,
            Supplier<? extends RequestHandler<SQSEvent, SQSBatchResponse>> handlers, int batchSize, long timeoutMillis,
            int longPollSeconds) {
        this.sqs = sqs;
        this.batchSize = batchSize;
        this.queueUrl = queueUrl;
        this.queueArn = queueArn;
        this.region = region;
        this.handlers = handlers;
        this.timeoutMillis = timeoutMillis;
        this.longPollSeconds = longPollSeconds;
    }

    /**
     * Starts {@code concurrency} pollers, each with its own handler from {@code handlers} invoked
     * with one batch of at most {@code batchSize} messages at a time, as that many Lambda instances
     * would be with the event source's batch size. Each invocation gets the time of the function
     * the queue feeds: the stack (and the emulators' resources) hide a message for
     * {@link JobDelivery#VISIBILITY_TIMEOUTS_PER_RUN} of that function's timeout, so it is that
     * share of the queue's visibility timeout, capped at Lambda's 15 minutes: the deployed worker's
     * with {@code --aws}, the dead-letter consumer's on its queue.
     *
     * @param longPollSeconds how long one receive waits for messages; a message is handed over as
     *                        soon as it arrives either way, but an SQS server stopping waits for
     *                        the receives still open, so an embedded one wants short polls
     */
    public static SqsPoller start(SqsClient sqs, String queueUrl, String region,
            Supplier<? extends RequestHandler<SQSEvent, SQSBatchResponse>> handlers, int batchSize, int concurrency,
            int longPollSeconds) {
        Map<QueueAttributeName, String> attributes = sqs.getQueueAttributes(request -> request.queueUrl(queueUrl)
                .attributeNames(QueueAttributeName.QUEUE_ARN, QueueAttributeName.VISIBILITY_TIMEOUT)).attributes();
        SqsPoller poller = new SqsPoller(sqs, queueUrl, attributes.get(QueueAttributeName.QUEUE_ARN), region,
                handlers, batchSize, functionTimeout(attributes).toMillis(), longPollSeconds);
        for (int i = 0; i < concurrency; i++) {
            // Virtual threads: an interrupt aborts the long poll's blocking socket read at once.
            poller.pollers.add(Thread.ofVirtual().name("sqs-poller-" + i).start(poller::pollUntilClosed));
        }
        return poller;
    }


    /** The time each invocation of a poller on {@code queueUrl} gets (see {@link #start}). */
    static Duration functionTimeout(SqsClient sqs, String queueUrl) {
        return functionTimeout(sqs.getQueueAttributes(request -> request.queueUrl(queueUrl)
                .attributeNames(QueueAttributeName.VISIBILITY_TIMEOUT)).attributes());
    }

    private static Duration functionTimeout(Map<QueueAttributeName, String> attributes) {
        int visibilitySeconds = Integer.parseInt(attributes.getOrDefault(QueueAttributeName.VISIBILITY_TIMEOUT, "30"));
        return Duration.ofMillis(Math.min(TimeUnit.SECONDS.toMillis(visibilitySeconds) / JobDelivery.VISIBILITY_TIMEOUTS_PER_RUN,
                TimeUnit.SECONDS.toMillis(JobDelivery.LAMBDA_MAX_TIMEOUT_SECONDS)));
    }

    /**
     * Stops polling. An invocation in progress is abandoned: its messages stay on the queue and
     * come back after their visibility timeout, as when a Lambda instance dies.
     */
    @Override
    public void close() {
        running = false;
        pollers.forEach(Thread::interrupt);
        for (Thread poller : pollers) {
            try {
                poller.join(TimeUnit.SECONDS.toMillis(2));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void pollUntilClosed() {
        RequestHandler<SQSEvent, SQSBatchResponse> handler = handlers.get();
        while (running) {
            try {
                List<Message> messages = sqs.receiveMessage(request -> request.queueUrl(queueUrl)
                        .maxNumberOfMessages(batchSize)
                        .waitTimeSeconds(longPollSeconds)
                        .messageSystemAttributeNames(MessageSystemAttributeName.ALL)
                        .messageAttributeNames("All")).messages();
                if (!messages.isEmpty() && running) {
                    deleteAcknowledged(messages, invoke(handler, messages));
                }
            } catch (RuntimeException | Error e) {
                if (!running) {
                    return;
                }
                // An error would end this poller, and with it the local worker, without a word
                System.err.println("Polling the job queue failed, retrying in a second: " + e);
                pause();
            }
        }
    }

    /** The ids of the messages to leave on the queue. */
    private Set<String> invoke(RequestHandler<SQSEvent, SQSBatchResponse> handler, List<Message> messages) {
        Set<String> batch = new HashSet<>();
        messages.forEach(message -> batch.add(message.messageId()));
        SQSBatchResponse response;
        try {
            response = handler.handleRequest(toEvent(messages),
                    LocalLambdaContext.start(FUNCTION_NAME, timeoutMillis));
        } catch (RuntimeException | Error e) {
            // A failed invocation returns the whole batch to the queue, as in Lambda.
            System.err.println("Worker invocation failed; its " + messages.size()
                    + " message(s) will be redelivered after the visibility timeout:");
            e.printStackTrace();
            return batch;
        }
        Set<String> failed = new HashSet<>();
        if (response != null && response.getBatchItemFailures() != null) {
            for (SQSBatchResponse.BatchItemFailure failure : response.getBatchItemFailures()) {
                String id = failure == null ? null : failure.getItemIdentifier();
                if (id == null || !batch.contains(id)) {
                    // Lambda treats a failure it cannot match to a message as a failed batch.
                    System.err.println("Worker reported a failure for unknown message id '" + id
                            + "'; the whole batch will be redelivered");
                    return batch;
                }
                failed.add(id);
            }
        }
        return failed;
    }

    private void deleteAcknowledged(List<Message> messages, Set<String> failed) {
        List<DeleteMessageBatchRequestEntry> entries = new ArrayList<>();
        for (Message message : messages) {
            if (!failed.contains(message.messageId())) {
                entries.add(DeleteMessageBatchRequestEntry.builder()
                        .id(Integer.toString(entries.size()))
                        .receiptHandle(message.receiptHandle())
                        .build());
            }
        }
        if (entries.isEmpty()) {
            return;
        }
        var result = sqs.deleteMessageBatch(request -> request.queueUrl(queueUrl).entries(entries));
        // An undeleted message is delivered again; the worker is idempotent, so this only costs time.
        result.failed().forEach(failure -> System.err.println(
                "Could not delete a processed job message (" + failure.code() + "): " + failure.message()));
    }

    SQSEvent toEvent(List<Message> messages) {
        List<SQSEvent.SQSMessage> records = new ArrayList<>();
        for (Message message : messages) {
            SQSEvent.SQSMessage record = new SQSEvent.SQSMessage();
            record.setMessageId(message.messageId());
            record.setReceiptHandle(message.receiptHandle());
            record.setBody(message.body());
            record.setMd5OfBody(message.md5OfBody());
            record.setMd5OfMessageAttributes(message.md5OfMessageAttributes());
            record.setEventSource("aws:sqs");
            record.setEventSourceArn(queueArn);
            record.setAwsRegion(region);
            record.setAttributes(new HashMap<>(message.attributesAsStrings()));
            Map<String, SQSEvent.MessageAttribute> attributes = new HashMap<>();
            message.messageAttributes().forEach((name, value) -> attributes.put(name, toAttribute(value)));
            record.setMessageAttributes(attributes);
            records.add(record);
        }
        SQSEvent event = new SQSEvent();
        event.setRecords(records);
        return event;
    }

    private static SQSEvent.MessageAttribute toAttribute(MessageAttributeValue value) {
        SQSEvent.MessageAttribute attribute = new SQSEvent.MessageAttribute();
        attribute.setDataType(value.dataType());
        attribute.setStringValue(value.stringValue());
        if (value.binaryValue() != null) {
            attribute.setBinaryValue(value.binaryValue().asByteBuffer());
        }
        attribute.setStringListValues(value.hasStringListValues() ? value.stringListValues() : List.of());
        attribute.setBinaryListValues(value.hasBinaryListValues()
                ? value.binaryListValues().stream().map(SdkBytes::asByteBuffer).toList()
                : List.of());
        return attribute;
    }

    private void pause() {
        try {
            Thread.sleep(1_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }
}
