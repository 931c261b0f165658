package org.piservice.worker;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * One receive of Lambda's SQS event source, reduced to what the redelivery tests need: the batch
 * goes to the processor, finished messages are deleted, the rest stay for their visibility timeout
 * (the local run's poller does the full job, with concurrency and real events).
 */
record EventSourceStandIn(SqsClient sqs, String queueUrl, JobProcessor processor, Duration invocationTime) {

    EventSourceStandIn(SqsClient sqs, String queueUrl, JobProcessor processor) {
        this(sqs, queueUrl, processor, Duration.ofMinutes(1));
    }

    void deliverOnce() {
        List<Message> received = sqs.receiveMessage(receive -> receive.queueUrl(queueUrl)
                .maxNumberOfMessages(10).waitTimeSeconds(1)
                .messageSystemAttributeNamesWithStrings("ApproximateReceiveCount")).messages();
        List<QueueMessage> batch = received.stream()
                .map(message -> new QueueMessage(message.messageId(), message.body(), message.receiptHandle(),
                        QueueMessage.receiveCount(message.attributesAsStrings().get("ApproximateReceiveCount")))).toList();
        Set<String> retry = new HashSet<>(processor.process(batch, WorkerFixture.deadlineAfter(invocationTime)));
        received.stream().filter(message -> !retry.contains(message.messageId()))
                .forEach(message -> sqs.deleteMessage(delete -> delete.queueUrl(queueUrl)
                        .receiptHandle(message.receiptHandle())));
    }
}
