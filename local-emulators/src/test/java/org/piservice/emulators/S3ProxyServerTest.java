package org.piservice.emulators;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/** Runs against an S3Proxy started by this class, with the real AWS SDK v2 client. */
class S3ProxyServerTest {

    @Test
    void objectsAreKeptOnDiskWhileItRunsAndTheFolderIsGoneWhenItStops() throws Exception {
        // GIVEN a running server and an object of 8 MiB
        S3ProxyServer server = S3ProxyServer.start(LocalAws.ACCESS_KEY_ID, LocalAws.SECRET_ACCESS_KEY);
        Path directory = server.directory();
        byte[] content = new byte[8 * 1024 * 1024];
        try (S3Client s3 = S3Client.builder()
                .endpointOverride(server.endpoint()).region(Region.of(LocalAws.REGION))
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(LocalAws.ACCESS_KEY_ID, LocalAws.SECRET_ACCESS_KEY)))
                .forcePathStyle(true).httpClient(UrlConnectionHttpClient.create()).build()) {
            s3.createBucket(create -> create.bucket("results"));
            s3.putObject(put -> put.bucket("results").key("results/pi-8m.txt"), RequestBody.fromBytes(content));

            // THEN its bytes are a file in the server's folder, not in the heap, and they read back whole
            assertThat(filesIn(directory)).anySatisfy(file -> assertThat(Files.size(file)).isEqualTo(content.length));
            assertThat(s3.getObjectAsBytes(get -> get.bucket("results").key("results/pi-8m.txt")).asByteArray())
                    .isEqualTo(content);
        } finally {
            // WHEN it stops
            server.close();
        }

        // THEN nothing of it is left on disk
        assertThat(directory).doesNotExist();
    }

    private static List<Path> filesIn(Path directory) throws Exception {
        try (Stream<Path> paths = Files.walk(directory)) {
            return paths.filter(Files::isRegularFile).toList();
        }
    }
}
