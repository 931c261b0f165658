package org.piservice.worker;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * One receive of Lambda's SQS event source, reduced to what the redelivery tests need: the batch
 * goes to the processor, finished messages are deleted, the rest stay for their visibility timeout
 * (the local run's poller does the full job, with concurrency and real events).
 */
record EventSourceStandIn(SqsClient sqs, String queueUrl, JobProcessor processor, Duration invocationTime) {

    private static final String RECEIVE_COUNT = "ApproximateReceiveCount";

    EventSourceStandIn(SqsClient sqs, String queueUrl, JobProcessor processor) {
        this(sqs, queueUrl, processor, Duration.ofMinutes(1));
    }

    void deliverOnce() {
        List<QueueMessage> batch = receive(sqs, queueUrl, 10);
        Set<String> retry = new HashSet<>(processor.process(batch, WorkerFixture.deadlineAfter(invocationTime)));
        batch.stream().filter(message -> !retry.contains(message.messageId()))
                .forEach(message -> sqs.deleteMessage(delete -> delete.queueUrl(queueUrl)
                        .receiptHandle(message.receiptHandle())));
    }

    /** Up to {@code max} messages of the queue, after a 1 s long poll at most, as the event source hands them on. */
    static List<QueueMessage> receive(SqsClient sqs, String queueUrl, int max) {
        return sqs.receiveMessage(receive -> receive.queueUrl(queueUrl).maxNumberOfMessages(max).waitTimeSeconds(1)
                        .messageSystemAttributeNamesWithStrings(RECEIVE_COUNT)).messages().stream()
                .map(message -> new QueueMessage(message.messageId(), message.body(), message.receiptHandle(),
                        QueueMessage.receiveCount(message.attributesAsStrings().get(RECEIVE_COUNT))))
                .toList();
    }
}
