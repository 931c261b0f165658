package org.piservice.emulators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.piservice.contract.JobDelivery;
import org.piservice.contract.Storage;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/** Runs against the emulators started by this class, with the real AWS SDK v2 clients. */
class LocalAwsTest {

    private static LocalAws aws;
    private static StaticCredentialsProvider credentials;

    @BeforeAll
    static void startEmulators() {
        aws = LocalAws.start();
        credentials = StaticCredentialsProvider.create(
                AwsBasicCredentials.create(LocalAws.ACCESS_KEY_ID, LocalAws.SECRET_ACCESS_KEY));
    }

    @AfterAll
    static void stopEmulators() {
        aws.close();
    }

    @Test
    void serviceResourcesAreCreatedWithTheSharedNamesAndAgainWithoutHarm() {
        try (DynamoDbClient dynamo = dynamoDb(); SqsClient sqs = sqs(); S3Client s3 = s3()) {

            // (its dead-letter queue as an earlier version made it, with SQS's default visibility timeout)
            sqs.createQueue(create -> create.queueName("svc-dlq"));
            ServiceResources.Created created = ServiceResources.create(dynamo, sqs, s3, "svc");
            ServiceResources.Created again = ServiceResources.create(dynamo, sqs, s3, "svc");

            assertThat(again).isEqualTo(created);
            assertThat(created.tableName()).isEqualTo("svc-jobs");
            assertThat(created.bucketName()).isEqualTo("svc-results");
            assertThat(dynamo.describeTable(d -> d.tableName("svc-jobs")).table().keySchema())
                    .containsExactly(KeySchemaElement.builder().attributeName(Storage.TABLE_KEY).keyType(KeyType.HASH).build());
            Map<QueueAttributeName, String> queue = sqs.getQueueAttributes(get -> get.queueUrl(created.queueUrl())
                    .attributeNames(QueueAttributeName.ALL)).attributes();
            String deadLetterQueueArn = sqs.getQueueAttributes(get -> get.queueUrl(created.deadLetterQueueUrl())
                    .attributeNames(QueueAttributeName.QUEUE_ARN)).attributes().get(QueueAttributeName.QUEUE_ARN);
            assertThat(queue.get(QueueAttributeName.REDRIVE_POLICY))
                    .contains(deadLetterQueueArn).contains("\"maxReceiveCount\":" + JobDelivery.MAX_RECEIVE_COUNT);
            assertThat(queue.get(QueueAttributeName.VISIBILITY_TIMEOUT)).isEqualTo("5400");
            assertThat(sqs.getQueueAttributes(get -> get.queueUrl(created.deadLetterQueueUrl())
                    .attributeNames(QueueAttributeName.VISIBILITY_TIMEOUT)).attributes().get(QueueAttributeName.VISIBILITY_TIMEOUT))
                    .as("the deployed dead-letter queue's")
                    .isEqualTo(Long.toString(JobDelivery.DEAD_LETTER_VISIBILITY_TIMEOUT.toSeconds()));
            assertThat(s3.headBucket(head -> head.bucket("svc-results")).sdkHttpResponse().isSuccessful()).isTrue();
        }
    }

    @Test
    void dynamoDbHonoursConditionalWrites() {
        try (DynamoDbClient dynamo = dynamoDb()) {
            // GIVEN a table keyed by job_id
            dynamo.createTable(t -> t.tableName("jobs").billingMode(BillingMode.PAY_PER_REQUEST)
                    .keySchema(KeySchemaElement.builder().attributeName("job_id").keyType(KeyType.HASH).build())
                    .attributeDefinitions(AttributeDefinition.builder()
                            .attributeName("job_id").attributeType(ScalarAttributeType.S).build()));
            Map<String, AttributeValue> item = Map.of("job_id", AttributeValue.fromS("a"));

            // WHEN the same key is created twice, conditionally
            dynamo.putItem(p -> p.tableName("jobs").item(item).conditionExpression("attribute_not_exists(job_id)"));

            // THEN the second write is refused and the first one is there
            assertThatThrownBy(() -> dynamo.putItem(p -> p.tableName("jobs").item(item)
                    .conditionExpression("attribute_not_exists(job_id)")))
                    .isInstanceOf(ConditionalCheckFailedException.class);
            assertThat(dynamo.getItem(g -> g.tableName("jobs").key(item).consistentRead(true)).item())
                    .isEqualTo(item);
        }
    }

    @Test
    void sqsDeliversOverTheJsonProtocol() {
        try (SqsClient sqs = sqs()) {
            String queueUrl = sqs.createQueue(c -> c.queueName("work")).queueUrl();

            sqs.sendMessage(s -> s.queueUrl(queueUrl).messageBody("{\"hello\":1}"));

            var received = sqs.receiveMessage(r -> r.queueUrl(queueUrl).waitTimeSeconds(5)).messages();
            assertThat(received).extracting(Message::body).containsExactly("{\"hello\":1}");
            assertThat(queueUrl).contains(aws.sqsEndpoint().getAuthority());
        }
    }

    @Test
    void s3ServesObjectsAndChecksPresignedSignatures() throws IOException {
        try (S3Client s3 = s3();
             S3Presigner presigner = S3Presigner.builder()
                     .endpointOverride(aws.s3Endpoint()).region(Region.of(LocalAws.REGION))
                     .credentialsProvider(credentials)
                     .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build()).build()) {
            // GIVEN an object
            s3.createBucket(b -> b.bucket("results"));
            s3.putObject(p -> p.bucket("results").key("pi.txt"), RequestBody.fromString("3.14"));

            // WHEN it is fetched through a presigned URL, intact or tampered with
            URL url = presigner.presignGetObject(p -> p.signatureDuration(Duration.ofMinutes(1))
                    .getObjectRequest(g -> g.bucket("results").key("pi.txt"))).url();
            URL tampered = URI.create(url.toString().replace("X-Amz-Signature=", "X-Amz-Signature=0")).toURL();

            // THEN only the intact one is served
            HttpURLConnection ok = (HttpURLConnection) url.openConnection();
            assertThat(ok.getResponseCode()).isEqualTo(200);
            try (var in = ok.getInputStream()) {
                assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("3.14");
            }
            assertThat(((HttpURLConnection) tampered.openConnection()).getResponseCode()).isEqualTo(403);
        }
    }

    @Test
    void endpointsAreOnLoopbackAndSettingsUseTheSdkNames() {
        assertThat(aws.dynamoDbEndpoint().getHost()).isEqualTo("127.0.0.1");
        assertThat(aws.sqsEndpoint().getHost()).isEqualTo("127.0.0.1");
        assertThat(aws.s3Endpoint().getHost()).isEqualTo("127.0.0.1");
        assertThat(aws.clientSettings())
                .containsEntry("AWS_ENDPOINT_URL_DYNAMODB", aws.dynamoDbEndpoint().toString())
                .containsEntry("AWS_ENDPOINT_URL_SQS", aws.sqsEndpoint().toString())
                .containsEntry("AWS_ENDPOINT_URL_S3", aws.s3Endpoint().toString())
                .containsEntry("AWS_REGION", LocalAws.REGION)
                .containsEntry("S3_FORCE_PATH_STYLE", "true");
    }

    private static DynamoDbClient dynamoDb() {
        return DynamoDbClient.builder().endpointOverride(aws.dynamoDbEndpoint()).region(Region.of(LocalAws.REGION))
                .credentialsProvider(credentials).httpClient(UrlConnectionHttpClient.create()).build();
    }

    private static SqsClient sqs() {
        return SqsClient.builder().endpointOverride(aws.sqsEndpoint()).region(Region.of(LocalAws.REGION))
                .credentialsProvider(credentials).httpClient(UrlConnectionHttpClient.create()).build();
    }

    private static S3Client s3() {
        return S3Client.builder().endpointOverride(aws.s3Endpoint()).region(Region.of(LocalAws.REGION))
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
                .credentialsProvider(credentials).httpClient(UrlConnectionHttpClient.create()).build();
    }
}
