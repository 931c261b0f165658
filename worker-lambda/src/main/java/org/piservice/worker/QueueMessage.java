package org.piservice.worker;

/**
 * One message to process, whether it came in a Lambda SQS event or from a poller's receive call.
 *
 * @param messageId SQS's id, reported back for messages to retry
 * @param body the job message, see {@link org.piservice.jobs.JobMessage}
 * @param receiptHandle this delivery's handle, to set when the message comes back
 * @param receiveCount how often SQS has delivered it, this delivery included (its
 *        {@code ApproximateReceiveCount}): retries wait longer the more there were
 */
public record QueueMessage(String messageId, String body, String receiptHandle, int receiveCount) {

    /** Reads SQS's {@code ApproximateReceiveCount} attribute; a delivery without it counts as the first. */
    public static int receiveCount(String attribute) {
        try {
            return attribute == null ? 1 : Math.max(1, Integer.parseInt(attribute.strip()));
        } catch (NumberFormatException e) {
            return 1;
        }
    }
}
