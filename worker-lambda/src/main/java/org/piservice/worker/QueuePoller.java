package org.piservice.worker;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.piservice.jobs.JsonLog;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * Runs the worker outside Lambda, as Lambda's SQS event source would: receives batches, hands them
 * to the same {@link JobProcessor}, deletes the messages it finished, and leaves the others to
 * reappear after their visibility timeout (and reach the dead-letter queue through the redrive
 * policy). For the local run and the end-to-end tests.
 */
public final class QueuePoller implements Runnable {

    private static final int LONG_POLL_SECONDS = 1;

    private final SqsClient sqs;
    private final String queueUrl;
    private final JobProcessor processor;
    private final Duration timeBudget;
    private final int batchSize;
    private volatile boolean stopped;

    /**
     * @param timeBudget the time each batch gets, as a Lambda function's timeout would
     * @param batchSize messages per receive, 1 to 10
     */
    public QueuePoller(SqsClient sqs, String queueUrl, JobProcessor processor, Duration timeBudget, int batchSize) {
        if (batchSize < 1 || batchSize > 10) {
            throw new IllegalArgumentException("SQS receives 1 to 10 messages at a time, not " + batchSize);
        }
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        this.processor = processor;
        this.timeBudget = timeBudget;
        this.batchSize = batchSize;
    }

    /** Polls until {@link #stop()} or an interrupt. */
    @Override
    public void run() {
        while (!stopped && !Thread.currentThread().isInterrupted()) {
            try {
                pollOnce();
            } catch (RuntimeException e) {
                JsonLog.STDOUT.error("Polling the queue failed; trying again", Map.of("queue_url", queueUrl), e);
                sleepBriefly();
            }
        }
    }

    /**
     * Receives one batch (waiting up to a second for it) and processes it.
     *
     * @return how many messages were received
     */
    public int pollOnce() {
        List<Message> received = sqs.receiveMessage(receive -> receive.queueUrl(queueUrl)
                .maxNumberOfMessages(batchSize).waitTimeSeconds(LONG_POLL_SECONDS)).messages();
        if (received.isEmpty()) {
            return 0;
        }
        List<QueueMessage> batch = received.stream()
                .map(message -> new QueueMessage(message.messageId(), message.body()))
                .toList();
        Set<String> retry = new HashSet<>(processor.process(batch, Deadline.after(timeBudget)));
        for (Message message : received) {
            if (!retry.contains(message.messageId())) {
                sqs.deleteMessage(delete -> delete.queueUrl(queueUrl).receiptHandle(message.receiptHandle()));
            }
        }
        return received.size();
    }

    public void stop() {
        stopped = true;
    }

    private static void sleepBriefly() {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
