package org.piservice.worker;

/**
 * One message to process, whether it came in a Lambda SQS event or from a poller's receive call.
 *
 * @param messageId SQS's id, reported back for messages to retry
 * @param body the job message, see {@link org.piservice.jobs.JobMessage}
 */
public record QueueMessage(String messageId, String body) {
}
