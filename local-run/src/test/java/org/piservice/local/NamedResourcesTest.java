package org.piservice.local;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.piservice.jobs.AwsClients;
import org.piservice.jobs.ServiceConfig;
import org.piservice.jobs.testing.Emulators;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/** A local run given resources by name looks them up before it starts; the emulators stand in for an account. */
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
        String other = config.tableName() + "-other";
        clients.dynamoDb().createTable(create -> create.tableName(other)
                .keySchema(KeySchemaElement.builder().attributeName("id").keyType(KeyType.HASH).build())
                .attributeDefinitions(AttributeDefinition.builder().attributeName("id").attributeType(ScalarAttributeType.S).build())
                .billingMode(BillingMode.PAY_PER_REQUEST));

        assertThatThrownBy(() -> LocalRun.requireNamed(clients, other, config.bucketName()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("the table " + other + " cannot be used (--table): ");
    }

    @Test
    void aBucketThatDoesNotExistStopsTheStartNamingTheOption() {
        assertThatThrownBy(() -> LocalRun.requireNamed(clients, config.tableName(), "no-such-bucket"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("there is no bucket no-such-bucket (--bucket): name the deployed stack's");
    }
}
