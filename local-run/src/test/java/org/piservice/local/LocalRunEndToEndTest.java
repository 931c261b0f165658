package org.piservice.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.piservice.contract.Cors;
import org.piservice.contract.FunctionEnvironment;

/**
 * The whole service as a user meets it: local-run (embedded emulators, started by
 * {@link LocalRunExtension}) on a free port, driven over HTTP by a real client.
 */
@ExtendWith(LocalRunExtension.class)
class LocalRunEndToEndTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration JOB_DEADLINE = Duration.ofSeconds(60);
    private static String reference;

    private final URI base;
    private HttpClient client;
    private JobsClient jobs;

    LocalRunEndToEndTest(URI base) {
        this.base = base;
    }

    @BeforeAll
    static void loadReferenceDigits() throws IOException {
        // The first 1,000 decimals of pi, computed independently of pi-core (bc's arctangent).
        try (InputStream in = LocalRunEndToEndTest.class.getResourceAsStream("/pi-1000.txt")) {
            reference = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
        assertThat(reference).hasSize(1002).startsWith("3.14159265358979").endsWith("2164201989");
    }

    @BeforeEach
    void client() {
        client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        jobs = new JobsClient(client, base);
    }

    @AfterEach
    void closeClient() {
        client.close();
    }

    @Test
    void aBurstOfFiveHundredConcurrentPostsGetsFiveHundredAnswers() throws Exception {
        // GIVEN 500 clients' requests sent at once, from a loopback address of their own (their quota is
        // theirs), each waiting as long as it takes: the local gateway answers eight at a time
        int burst = 500;
        List<Integer> statuses = java.util.Collections.synchronizedList(new ArrayList<>());
        List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        CountDownLatch go = new CountDownLatch(1);
        try (HttpClient burstClient = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .localAddress(InetAddress.getByName("127.0.0.3")).connectTimeout(Duration.ofSeconds(10)).build();
             ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < burst; i++) {
                executor.submit(() -> {
                    go.await();
                    try {
                        statuses.add(burstClient.send(HttpRequest.newBuilder(base.resolve("/pi_job"))
                                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(180))
                                .POST(BodyPublishers.ofString("{\"digits\": 1000}")).build(),
                                BodyHandlers.ofString()).statusCode());
                    } catch (IOException e) {
                        failures.add(e.toString());
                    }
                    return null;
                });
            }
            // WHEN they go
            go.countDown();
        }

        // THEN each gets an answer the service is designed to give them: accepted (computed, served
        // from the digit store, or waiting for the computation of another), or refused beyond their
        // quota; no reset, no 5xx (the backlog of 1,000-digit jobs is far from the jobs' deadline)
        assertThat(failures).isEmpty();
        assertThat(statuses).hasSize(burst);
        Map<Integer, Long> byStatus = statuses.stream()
                .collect(Collectors.groupingBy(status -> status, TreeMap::new, Collectors.counting()));
        assertThat(byStatus.keySet()).as("answers by status: %s", byStatus).isSubsetOf(202, 429);
        assertThat(byStatus.getOrDefault(202, 0L)).as("accepted, at least the client's quota; answers by status: %s", byStatus)
                .isGreaterThanOrEqualTo(FunctionEnvironment.DEFAULT_MAX_UNFINISHED_JOBS_PER_CLIENT);
    }

    @Test
    void submitPollAndDownloadThousandDigitsThroughThePresignedRedirect() throws Exception {
        // GIVEN a submitted job
        HttpResponse<String> submitted = client.send(HttpRequest.newBuilder(base.resolve("/pi_job"))
                .header("Content-Type", "application/json")
                .POST(BodyPublishers.ofString("{\"digits\": 1000}")).build(), BodyHandlers.ofString());
        assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(202);
        JsonNode accepted = JSON.readTree(submitted.body());
        assertThat(accepted.path("success").asBoolean()).isTrue();
        String jobId = accepted.path("job_id").asText();
        assertThat(jobId).isNotBlank();
        assertThat(submitted.headers().firstValue("location")).hasValueSatisfying(
                location -> assertThat(location).endsWith("/pi_job/" + jobId));
        assertAnyOriginMayRead(submitted);

        // WHEN it completes
        JsonNode status = jobs.awaitComplete(jobId, JOB_DEADLINE);

        // THEN the status says so, and the download link leads to exactly the expected digits
        assertThat(status.path("digits").asInt()).isEqualTo(1000);
        assertThat(status.path("time_elapsed").asText()).matches("\\d+ seconds");

        HttpResponse<Void> redirect = client.send(HttpRequest.newBuilder(base.resolve("/download_pi_job/" + jobId))
                .build(), BodyHandlers.discarding());
        assertThat(redirect.statusCode()).isEqualTo(302);
        assertAnyOriginMayRead(redirect);
        URI presigned = URI.create(redirect.headers().firstValue("location").orElseThrow());
        assertThat(presigned.getScheme()).isEqualTo("http");
        assertThat(presigned.getHost()).isIn("127.0.0.1", "localhost");
        assertThat(presigned.getQuery()).contains("X-Amz-Signature=").contains("X-Amz-Expires=");

        // A browser follows the cross-origin redirect with the opaque origin "null".
        HttpResponse<String> file = client.send(HttpRequest.newBuilder(presigned).header("Origin", "null").build(),
                BodyHandlers.ofString());
        assertThat(file.statusCode()).isEqualTo(200);
        assertThat(file.body()).isEqualTo(reference);
        assertThat(file.headers().firstValue("content-disposition")).hasValueSatisfying(
                disposition -> assertThat(disposition).contains("attachment").contains("pi-1000.txt"));
        assertThat(file.headers().firstValue("access-control-allow-origin")).hasValue("*");
        assertThat(file.headers().firstValue("access-control-expose-headers")).hasValueSatisfying(
                exposed -> assertThat(exposed).containsIgnoringCase("Content-Disposition"));
    }

    /** A browser script on another origin asks before its JSON POST, and is told yes, as deployed. */
    @Test
    void crossOriginPreflightOfTheJobPostIsAnswered() throws Exception {
        HttpResponse<String> preflight = client.send(HttpRequest.newBuilder(base.resolve("/pi_job"))
                .method("OPTIONS", BodyPublishers.noBody())
                .header("Origin", "http://app.example")
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "content-type").build(), BodyHandlers.ofString());

        assertThat(preflight.statusCode()).isEqualTo(204);
        assertThat(preflight.headers().firstValue("access-control-allow-origin")).hasValue("*");
        assertThat(preflight.headers().firstValue("access-control-allow-methods")).hasValue("POST,OPTIONS");
        assertThat(preflight.headers().firstValue("access-control-allow-headers")).hasValue(Cors.ALLOWED_HEADERS);
    }

    /**
     * What a client written for pi_iaas sends and reads, unchanged: a JSON body with "digits", the
     * "success"/"job_id" answer, polling for status "complete" with "time_elapsed" in seconds, and
     * a download that follows redirects as HTTP libraries do by default.
     */
    @Test
    void clientWrittenForPiIaasWorksUnchanged() throws Exception {
        HttpClient following = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).build();
        try (following) {
            HttpResponse<String> posted = following.send(HttpRequest.newBuilder(base.resolve("/pi_job"))
                    .header("Content-Type", "application/json")
                    .POST(BodyPublishers.ofString("{\"digits\": 435}")).build(), BodyHandlers.ofString());
            JsonNode created = JSON.readTree(posted.body());
            assertThat(created.path("success").isBoolean()).isTrue();
            assertThat(created.path("success").asBoolean()).isTrue();
            assertThat(created.path("job_id").isTextual()).isTrue();
            String jobId = created.path("job_id").asText();

            JsonNode status = JSON.readTree(following.send(HttpRequest.newBuilder(base.resolve("/pi_job/" + jobId))
                    .build(), BodyHandlers.ofString()).body());
            assertThat(status.path("success").asBoolean()).isTrue();
            assertThat(status.path("job_id").asText()).isEqualTo(jobId);
            assertThat(status.path("digits").isInt()).isTrue();
            assertThat(status.path("digits").asInt()).isEqualTo(435);
            assertThat(status.path("status").asText()).isIn("queued", "In-progress", "complete");
            assertThat(status.path("time_elapsed").asText()).matches("\\d+ seconds");

            jobs.awaitComplete(jobId, JOB_DEADLINE);

            HttpResponse<String> download = following.send(HttpRequest.newBuilder(
                    base.resolve("/download_pi_job/" + jobId)).build(), BodyHandlers.ofString());
            assertThat(download.statusCode()).isEqualTo(200);
            assertThat(download.body()).isEqualTo(reference.substring(0, 2 + 435));

            String unknownId = UUID.randomUUID().toString();
            HttpResponse<String> missing = following.send(HttpRequest.newBuilder(
                    base.resolve("/pi_job/" + unknownId)).build(), BodyHandlers.ofString());
            assertThat(missing.statusCode()).isEqualTo(404);
            assertAnyOriginMayRead(missing);
            JsonNode unknown = JSON.readTree(missing.body());
            assertThat(unknown.path("success").asBoolean()).isFalse();
            assertThat(unknown.path("job_id").asText()).isEqualTo(unknownId);
            assertThat(unknown.path("error").asText()).isEqualTo("Job does not exist");
        }
    }

    @Test
    void aComputedJobFillsTheDigitStoreWhichServesSmallerJobsAtOnceAndRangesPiDeliverysWay() throws Exception {
        // GIVEN a computed job of 1,000 digits: the store then holds at least those
        jobs.awaitComplete(jobs.submit(1000), JOB_DEADLINE);

        // WHEN a smaller job is submitted
        String instant = jobs.submit(500);

        // THEN its first status says complete, and its file is exactly the first 500 decimals
        JsonNode status = JSON.readTree(get("/pi_job/" + instant).body());
        assertThat(status.path("status").asText()).as(status.toString()).isEqualTo("complete");
        HttpResponse<Void> redirect = client.send(HttpRequest.newBuilder(base.resolve("/download_pi_job/" + instant))
                .build(), BodyHandlers.discarding());
        String file = client.send(HttpRequest.newBuilder(URI.create(redirect.headers().firstValue("location").orElseThrow()))
                .build(), BodyHandlers.ofString()).body();
        assertThat(file).isEqualTo(reference.substring(0, 2 + 500));

        // AND ranges of the store come back with position 0 the 3 and no decimal point
        String positions = "3" + reference.substring(2);
        for (int start : new int[] {0, 1, 450, 901}) {
            HttpResponse<String> range = get("/v1/pi?start=" + start + "&numberOfDigits=100");
            assertThat(range.statusCode()).as(range.body()).isEqualTo(200);
            assertThat(JSON.readTree(range.body()).path("content").asText())
                    .isEqualTo(positions.substring(start, start + 100));
        }

        // AND a range beyond the store, or in another radix, is a JSON error that says why
        HttpResponse<String> beyond = get("/v1/pi?start=1000000000&numberOfDigits=10");
        assertThat(beyond.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(beyond.body()).path("success").asBoolean()).isFalse();
        assertThat(JSON.readTree(beyond.body()).path("error").asText()).contains("digits are available");
        HttpResponse<String> hex = get("/v1/pi?start=0&numberOfDigits=10&radix=16");
        assertThat(hex.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(hex.body()).path("error").asText()).contains("radix");
    }

    private HttpResponse<String> get(String pathAndQuery) throws Exception {
        return client.send(HttpRequest.newBuilder(base.resolve(pathAndQuery)).build(), BodyHandlers.ofString());
    }

    /** A browser script on another origin may read the answer (CORS). */
    private static void assertAnyOriginMayRead(HttpResponse<?> response) {
        assertThat(response.headers().firstValue("access-control-allow-origin")).hasValue("*");
    }
}
