package org.piservice.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.piservice.contract.FunctionEnvironment;

/** Plain unit test: how settings become client configuration (no request is sent). */
class AwsClientsTest {

    @Test
    void aServiceEndpointWinsOverTheGlobalOne() {
        try (AwsClients clients = AwsClients.fromSettings(Map.of(
                "AWS_REGION", "eu-west-1",
                "AWS_ACCESS_KEY_ID", "id",
                "AWS_SECRET_ACCESS_KEY", "secret",
                "AWS_ENDPOINT_URL", "http://127.0.0.1:4566",
                "AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9000",
                FunctionEnvironment.S3_FORCE_PATH_STYLE, "true"))) {

            assertThat(clients.dynamoDb().serviceClientConfiguration().endpointOverride())
                    .contains(URI.create("http://127.0.0.1:4566"));
            assertThat(clients.sqs().serviceClientConfiguration().endpointOverride())
                    .contains(URI.create("http://127.0.0.1:4566"));
            assertThat(clients.s3().serviceClientConfiguration().endpointOverride())
                    .contains(URI.create("http://127.0.0.1:9000"));
            String link = clients.presigner().presignGetObject(presign -> presign.signatureDuration(Duration.ofMinutes(1))
                    .getObjectRequest(get -> get.bucket("results").key("k"))).url().toString();
            assertThat(link).startsWith("http://127.0.0.1:9000/results/k?").contains("eu-west-1");
        }
    }
}
