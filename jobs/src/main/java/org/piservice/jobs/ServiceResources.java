package org.piservice.jobs;

import java.time.Duration;
import java.util.Map;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.services.dynamodb.waiters.DynamoDbWaiter;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Creates the table, the queue with its dead-letter queue, and the bucket, where the CDK stack does
 * not: on the embedded emulators and on LocalStack. Safe to run again on existing resources.
 */
public final class ServiceResources {

    /** The settings of the created resources, and the dead-letter queue the tests look into. */
    public record Created(ServiceConfig config, String deadLetterQueueUrl) {
    }

    /** How many deliveries a message gets before SQS moves it to the dead-letter queue. */
    public static final int DEFAULT_MAX_RECEIVE_COUNT = 5;
    /** Six times the longest Lambda run, as AWS advises for queues that feed a function. */
    public static final Duration DEFAULT_VISIBILITY_TIMEOUT = Duration.ofMinutes(90);

    private ServiceResources() {
    }

    /** Resources named {@code <prefix>-jobs}, {@code <prefix>-queue}, {@code <prefix>-dlq}, {@code <prefix>-results}. */
    public static Created create(AwsClients clients, String prefix) {
        return create(clients, prefix, DEFAULT_VISIBILITY_TIMEOUT, DEFAULT_MAX_RECEIVE_COUNT);
    }

    public static Created create(AwsClients clients, String prefix, Duration visibilityTimeout, int maxReceiveCount) {
        String table = prefix + "-jobs";
        String bucket = prefix + "-results";
        createTable(clients, table);
        String deadLetterQueueUrl = clients.sqs().createQueue(create -> create.queueName(prefix + "-dlq")
                .attributes(Map.of(QueueAttributeName.MESSAGE_RETENTION_PERIOD,
                        Long.toString(Duration.ofDays(14).toSeconds())))).queueUrl();
        String deadLetterQueueArn = clients.sqs().getQueueAttributes(get -> get.queueUrl(deadLetterQueueUrl)
                .attributeNames(QueueAttributeName.QUEUE_ARN)).attributes().get(QueueAttributeName.QUEUE_ARN);
        String redrivePolicy = "{\"deadLetterTargetArn\":\"" + deadLetterQueueArn
                + "\",\"maxReceiveCount\":" + maxReceiveCount + "}";
        String queueUrl = clients.sqs().createQueue(create -> create.queueName(prefix + "-queue")
                .attributes(Map.of(
                        QueueAttributeName.VISIBILITY_TIMEOUT, Long.toString(visibilityTimeout.toSeconds()),
                        QueueAttributeName.REDRIVE_POLICY, redrivePolicy))).queueUrl();
        try {
            clients.s3().createBucket(create -> create.bucket(bucket));
        } catch (BucketAlreadyOwnedByYouException e) {
            // Created by an earlier run: nothing to do.
        }
        return new Created(new ServiceConfig(table, queueUrl, bucket), deadLetterQueueUrl);
    }

    private static void createTable(AwsClients clients, String table) {
        try {
            clients.dynamoDb().createTable(create -> create.tableName(table)
                    .billingMode(BillingMode.PAY_PER_REQUEST)
                    .keySchema(KeySchemaElement.builder()
                            .attributeName(JobRepository.JOB_ID).keyType(KeyType.HASH).build())
                    .attributeDefinitions(AttributeDefinition.builder()
                            .attributeName(JobRepository.JOB_ID).attributeType(ScalarAttributeType.S).build()));
        } catch (ResourceInUseException e) {
            return;
        }
        // The SDK's default waiter sleeps 20 s between polls; emulators create tables in milliseconds.
        try (DynamoDbWaiter waiter = DynamoDbWaiter.builder().client(clients.dynamoDb())
                .overrideConfiguration(config -> config.maxAttempts(600)
                        .backoffStrategyV2(BackoffStrategy.fixedDelayWithoutJitter(Duration.ofMillis(100))))
                .build()) {
            waiter.waitUntilTableExists(describe -> describe.tableName(table));
        }
        try {
            clients.dynamoDb().updateTimeToLive(ttl -> ttl.tableName(table)
                    .timeToLiveSpecification(spec -> spec.attributeName(JobRepository.EXPIRES_AT).enabled(true)));
        } catch (DynamoDbException e) {
            // dynalite has no TTL: local records then live as long as the emulator, which is fine.
            if (!"UnknownOperationException".equals(e.awsErrorDetails().errorCode())) {
                throw e;
            }
        }
    }
}
