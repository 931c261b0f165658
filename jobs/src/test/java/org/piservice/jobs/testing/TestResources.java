package org.piservice.jobs.testing;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.piservice.contract.FunctionEnvironment;
import org.piservice.contract.Storage;
import org.piservice.emulators.ServiceResources;
import org.piservice.jobs.AwsClients;
import org.piservice.jobs.DigitStore;
import org.piservice.jobs.ServiceConfig;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * A test's own table, queues and bucket (created by {@link ServiceResources}, as the local run
 * creates its own), and the functions' configuration for them.
 *
 * @param config what the functions would read from their environment for these resources
 * @param deadLetterQueueUrl where the queue moves messages it gave up on
 */
public record TestResources(ServiceConfig config, String deadLetterQueueUrl) {

    /** The tests' limit on digits per job: above every job a test asks for. */
    public static final int MAX_DIGITS = 10_000_000;

    public static TestResources create(AwsClients clients, String prefix) {
        return of(ServiceResources.create(clients.dynamoDb(), clients.sqs(), clients.s3(), prefix));
    }

    public static TestResources create(AwsClients clients, String prefix, Duration visibilityTimeout, int maxReceiveCount) {
        return of(ServiceResources.create(clients.dynamoDb(), clients.sqs(), clients.s3(), prefix,
                visibilityTimeout, maxReceiveCount));
    }

    /** A configuration with the tests' limits, for resources a test names itself (or that do not exist). */
    public static ServiceConfig config(String tableName, String queueUrl, String bucketName) {
        return config(tableName, queueUrl, bucketName, MAX_DIGITS);
    }

    public static ServiceConfig config(String tableName, String queueUrl, String bucketName, int maxDigits) {
        return new ServiceConfig(tableName, queueUrl, bucketName, maxDigits,
                ServiceConfig.DEFAULT_DOWNLOAD_URL_TTL, ServiceConfig.DEFAULT_JOB_TTL,
                FunctionEnvironment.DEFAULT_MAX_UNFINISHED_JOBS_PER_CLIENT, FunctionEnvironment.DEFAULT_CLIENT_DIGITS_PER_DAY,
                ServiceConfig.DEFAULT_JOB_DEADLINE, ServiceConfig.DEFAULT_WORKER_CONCURRENCY,
                ServiceConfig.DEFAULT_WORKER_MEMORY_MB);
    }

    /** These resources for functions that accept at most {@code maxDigits} digits. */
    public TestResources withMaxDigits(int maxDigits) {
        return new TestResources(config(config.tableName(), config.queueUrl(), config.bucketName(), maxDigits),
                deadLetterQueueUrl);
    }

    /**
     * Writes {@code status} into the job's record behind the repository's back, as a later version
     * (or a hand) might: a status this version cannot read.
     */
    public void overwriteStatus(AwsClients clients, String jobId, String status) {
        clients.dynamoDb().updateItem(update -> update.tableName(config.tableName())
                .key(Map.of(Storage.TABLE_KEY, AttributeValue.fromS(jobId)))
                .updateExpression("SET #status = :status")
                .expressionAttributeNames(Map.of("#status", "status"))
                .expressionAttributeValues(Map.of(":status", AttributeValue.fromS(status))));
    }

    /**
     * Rewrites the digit store's item with each of its numbers as a string, as a hand edit or a
     * later version's format might leave it: an item this version cannot read.
     */
    public void damageDigitStore(AwsClients clients) {
        Map<String, AttributeValue> key = Map.of(Storage.TABLE_KEY, AttributeValue.fromS(DigitStore.ITEM_KEY));
        Map<String, AttributeValue> item = new HashMap<>(clients.dynamoDb().getItem(get -> get.tableName(config.tableName())
                .key(key).consistentRead(true)).item());
        if (item.isEmpty()) {
            throw new IllegalStateException("no digit store to damage");
        }
        item.replaceAll((name, value) -> value.n() != null ? AttributeValue.fromS(value.n()) : value);
        clients.dynamoDb().putItem(put -> put.tableName(config.tableName()).item(item));
    }

    private static TestResources of(ServiceResources.Created created) {
        return new TestResources(config(created.tableName(), created.queueUrl(), created.bucketName()),
                created.deadLetterQueueUrl());
    }
}
