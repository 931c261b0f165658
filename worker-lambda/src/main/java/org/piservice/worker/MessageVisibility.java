package org.piservice.worker;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * When a message the worker holds comes back. Reporting a batch item failure leaves a message
 * hidden for the queue's whole visibility timeout (six Lambda runs); setting its visibility is
 * what makes a retry come back after seconds, and a crashed attempt's message come back as soon
 * as its job may be taken over.
 */
final class MessageVisibility {

    private static final Logger LOG = LoggerFactory.getLogger(MessageVisibility.class);
    /** SQS's longest visibility timeout. */
    private static final Duration MAX = Duration.ofHours(12);

    private final SqsClient sqs;
    private final String queueUrl;

    MessageVisibility(SqsClient sqs, String queueUrl) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
    }

    /**
     * Hides the message for {@code delay} from now. A failure costs only time: the message then
     * comes back after the visibility it had.
     */
    void comeBackAfter(QueueMessage message, Duration delay) {
        if (message.receiptHandle() == null) {
            return; // handed over directly, not received from the queue: nothing comes back
        }
        long seconds = Math.clamp(delay.toSeconds(), 0, MAX.toSeconds());
        try {
            sqs.changeMessageVisibility(change -> change.queueUrl(queueUrl).receiptHandle(message.receiptHandle())
                    .visibilityTimeout((int) seconds));
        } catch (RuntimeException e) {
            LOG.warn("Could not set when the message comes back ({} s); it keeps the visibility it had: {}", seconds,
                    e.getMessage());
        }
    }
}
