package org.piservice.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.piservice.contract.JobDelivery;
import org.piservice.contract.Storage;
import org.piservice.jobs.AwsClients;
import org.piservice.jobs.ServiceConfig;
import org.piservice.jobs.testing.Emulators;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.waiters.DynamoDbWaiter;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/** A local run given resources by name checks them before it starts; the emulators stand in for an account. */
class NamedResourcesTest {

    private final AwsClients clients = Emulators.clients();
    private final ServiceConfig config = Emulators.newResources().config();

    @Test
    void resourcesThatExistAreTaken() {
        assertThatCode(() -> LocalRun.requireNamed(clients, config.tableName(), config.bucketName()))
                .doesNotThrowAnyException();
    }

    @Test
    void aTableThatDoesNotExistStopsTheStartNamingTheOption() {
        assertThatThrownBy(() -> LocalRun.requireNamed(clients, "no-such-table", config.bucketName()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("there is no table no-such-table in this account and region (--table): name the deployed stack's");
    }

    @Test
    void aTableOfAnotherKeyStopsTheStartNamingTheOption() {
        String other = tableKeyedBy("id", "-other");

        assertThatThrownBy(() -> LocalRun.requireNamed(clients, other, config.bucketName()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("the table " + other + " cannot be used (--table): ");
    }

    @Test
    void aTableAnEarlierVersionMadeWithoutTheOpenJobsIndexStopsTheStartNamingTheOption() {
        String old = tableKeyedBy(Storage.TABLE_KEY, "-old");

        assertThatThrownBy(() -> LocalRun.requireNamed(clients, old, config.bucketName()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("the table " + old + " cannot be used (--table): ");
    }

    @Test
    void aTableAnEarlierVersionMadeWithoutTheOpenJobsIndexOnLocalStackIsRefusedSayingWhatToDo() {
        String old = tableKeyedBy(Storage.TABLE_KEY, "-kept");

        assertThatThrownBy(() -> LocalRun.requireOpenJobsIndex(clients, old))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("the table " + old + " cannot be used (")
                .hasMessageEndingWith("): an earlier version made it, without the index this one reads; delete it (with"
                        + " LocalStack, `docker compose -f docker-compose.localstack.yml down` starts afresh) and start again");
        LocalRun.requireOpenJobsIndex(clients, config.tableName());
    }

    /** A table of this test's name plus {@code suffix}, keyed by {@code key} alone, with no index. */
    private String tableKeyedBy(String key, String suffix) {
        String table = config.tableName() + suffix;
        clients.dynamoDb().createTable(create -> create.tableName(table)
                .keySchema(KeySchemaElement.builder().attributeName(key).keyType(KeyType.HASH).build())
                .attributeDefinitions(AttributeDefinition.builder().attributeName(key).attributeType(ScalarAttributeType.S).build())
                .billingMode(BillingMode.PAY_PER_REQUEST));
        // Until the table is made (dynalite takes a moment), it is "no table"
        try (DynamoDbWaiter waiter = DynamoDbWaiter.builder().client(clients.dynamoDb())
                .overrideConfiguration(wait -> wait.maxAttempts(300)
                        .backoffStrategyV2(BackoffStrategy.fixedDelayWithoutJitter(Duration.ofMillis(100))))
                .build()) {
            waiter.waitUntilTableExists(describe -> describe.tableName(table));
        }
        return table;
    }

    @Test
    void aBucketThatDoesNotExistStopsTheStartNamingTheOption() {
        assertThatThrownBy(() -> LocalRun.requireNamed(clients, config.tableName(), "no-such-bucket"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("there is no bucket no-such-bucket (--bucket): name the deployed stack's");
    }

    @Test
    void aQueueThatHidesMessagesTooBrieflyForTheWorkerStopsTheStart() {
        String queue = clients.sqs().createQueue(create -> create.queueName(Emulators.uniquePrefix())
                .attributes(Map.of(QueueAttributeName.VISIBILITY_TIMEOUT, "300"))).queueUrl();
        Duration workerTimeout = SqsPoller.functionTimeout(clients.sqs(), queue);
        assertThat(workerTimeout).isEqualTo(Duration.ofSeconds(50));

        assertThatThrownBy(() -> LocalRun.requireWorkerTime(workerTimeout, queue))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the queue " + queue + " hides a received message for 300 s, a sixth of which, the worker's"
                        + " time as the stack builds its queue, is less than the 60 s it needs: give the queue a"
                        + " visibility timeout of at least 360 s (6 times the worker's timeout)");
        // The shortest a deployment's queue may hide one, and the longest
        assertThatCode(() -> LocalRun.requireWorkerTime(Duration.ofSeconds(JobDelivery.MIN_WORKER_TIMEOUT_SECONDS), queue))
                .doesNotThrowAnyException();
        assertThatCode(() -> LocalRun.requireWorkerTime(Duration.ofSeconds(JobDelivery.LAMBDA_MAX_TIMEOUT_SECONDS), queue))
                .doesNotThrowAnyException();
    }
}
