package org.piservice.emulators;

import java.time.Duration;
import java.util.Map;
import org.piservice.contract.JobDelivery;
import org.piservice.contract.Storage;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.waiters.DynamoDbWaiter;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueNameExistsException;

/**
 * Creates the table, the queue with its dead-letter queue, and the bucket, where the CDK stack does
 * not: on the embedded emulators and on LocalStack, for the local run and the tests alike. The one
 * local definition of these resources; what they share with the stack comes from service-contract.
 * Safe to run again on existing resources.
 */
public final class ServiceResources {

    /** The names of the created resources. */
    public record Created(String tableName, String queueUrl, String deadLetterQueueUrl, String bucketName) {
    }

    /** The prefix of the local run's resources: {@code pi-service-jobs}, {@code pi-service-queue}, ... */
    public static final String DEFAULT_PREFIX = "pi-service";
    /** The deployed queue's at the longest worker timeout. */
    public static final Duration DEFAULT_VISIBILITY_TIMEOUT =
            JobDelivery.visibilityTimeout(JobDelivery.LAMBDA_MAX_TIMEOUT_SECONDS);
    private static final Duration RETENTION = Duration.ofDays(JobDelivery.QUEUE_RETENTION_DAYS);

    private ServiceResources() {
    }

    /**
     * Resources named {@code <prefix>-jobs}, {@code <prefix>-queue}, {@code <prefix>-dlq},
     * {@code <prefix>-results}, with the deployed queue's delivery limit.
     */
    public static Created create(DynamoDbClient dynamoDb, SqsClient sqs, S3Client s3, String prefix) {
        return create(dynamoDb, sqs, s3, prefix, DEFAULT_VISIBILITY_TIMEOUT, JobDelivery.MAX_RECEIVE_COUNT);
    }

    /** With the queue's timing and delivery limit chosen, for tests of redelivery. */
    public static Created create(DynamoDbClient dynamoDb, SqsClient sqs, S3Client s3, String prefix,
                                 Duration visibilityTimeout, int maxReceiveCount) {
        String table = prefix + "-jobs";
        String bucket = prefix + "-results";
        createTable(dynamoDb, table);
        String deadLetterQueueUrl = queue(sqs, prefix + "-dlq", Map.of(
                QueueAttributeName.VISIBILITY_TIMEOUT, Long.toString(JobDelivery.DEAD_LETTER_VISIBILITY_TIMEOUT.toSeconds()),
                QueueAttributeName.MESSAGE_RETENTION_PERIOD, Long.toString(RETENTION.toSeconds())));
        String deadLetterQueueArn = sqs.getQueueAttributes(get -> get.queueUrl(deadLetterQueueUrl)
                .attributeNames(QueueAttributeName.QUEUE_ARN)).attributes().get(QueueAttributeName.QUEUE_ARN);
        String redrivePolicy = "{\"deadLetterTargetArn\":\"" + deadLetterQueueArn
                + "\",\"maxReceiveCount\":" + maxReceiveCount + "}";
        String queueUrl = queue(sqs, prefix + "-queue", Map.of(
                QueueAttributeName.VISIBILITY_TIMEOUT, Long.toString(visibilityTimeout.toSeconds()),
                QueueAttributeName.MESSAGE_RETENTION_PERIOD, Long.toString(RETENTION.toSeconds()),
                QueueAttributeName.REDRIVE_POLICY, redrivePolicy));
        try {
            s3.createBucket(create -> create.bucket(bucket));
        } catch (BucketAlreadyOwnedByYouException e) {
            // Created by an earlier run: nothing to do.
        }
        return new Created(table, queueUrl, deadLetterQueueUrl, bucket);
    }

    /**
     * The queue {@code name} with these attributes: created, or, made before with others (by an
     * earlier version, on a LocalStack kept running), given these, which SQS's create refuses to do.
     */
    private static String queue(SqsClient sqs, String name, Map<QueueAttributeName, String> attributes) {
        try {
            return sqs.createQueue(create -> create.queueName(name).attributes(attributes)).queueUrl();
        } catch (QueueNameExistsException e) {
            String url = sqs.getQueueUrl(get -> get.queueName(name)).queueUrl();
            sqs.setQueueAttributes(set -> set.queueUrl(url).attributes(attributes));
            return url;
        }
    }

    private static void createTable(DynamoDbClient dynamoDb, String table) {
        try {
            dynamoDb.createTable(create -> create.tableName(table)
                    .billingMode(BillingMode.PAY_PER_REQUEST)
                    .keySchema(KeySchemaElement.builder()
                            .attributeName(Storage.TABLE_KEY).keyType(KeyType.HASH).build())
                    .attributeDefinitions(
                            AttributeDefinition.builder()
                                    .attributeName(Storage.TABLE_KEY).attributeType(ScalarAttributeType.S).build(),
                            AttributeDefinition.builder()
                                    .attributeName(Storage.PENDING_ATTRIBUTE).attributeType(ScalarAttributeType.S).build(),
                            AttributeDefinition.builder()
                                    .attributeName(Storage.DEADLINE_ATTRIBUTE).attributeType(ScalarAttributeType.N).build())
                    .globalSecondaryIndexes(index -> index.indexName(Storage.PENDING_INDEX)
                            .keySchema(
                                    KeySchemaElement.builder().attributeName(Storage.PENDING_ATTRIBUTE).keyType(KeyType.HASH).build(),
                                    KeySchemaElement.builder().attributeName(Storage.DEADLINE_ATTRIBUTE).keyType(KeyType.RANGE).build())
                            .projection(projection -> projection.projectionType(ProjectionType.ALL))));
        } catch (ResourceInUseException e) {
            return;
        }
        // The SDK's default waiter sleeps 20 s between polls; emulators create tables in milliseconds.
        try (DynamoDbWaiter waiter = DynamoDbWaiter.builder().client(dynamoDb)
                .overrideConfiguration(config -> config.maxAttempts(600)
                        .backoffStrategyV2(BackoffStrategy.fixedDelayWithoutJitter(Duration.ofMillis(100))))
                .build()) {
            waiter.waitUntilTableExists(describe -> describe.tableName(table));
        }
        try {
            dynamoDb.updateTimeToLive(ttl -> ttl.tableName(table)
                    .timeToLiveSpecification(spec -> spec.attributeName(Storage.TTL_ATTRIBUTE).enabled(true)));
        } catch (DynamoDbException e) {
            // dynalite has no TTL: local records then live as long as the emulator, which is fine.
            if (!"UnknownOperationException".equals(e.awsErrorDetails().errorCode())) {
                throw e;
            }
        }
    }
}
