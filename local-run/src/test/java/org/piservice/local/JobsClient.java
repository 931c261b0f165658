package org.piservice.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.time.Instant;

/** A client of the job API at {@code base}, as the tests against a running local service use it. */
record JobsClient(HttpClient http, URI base) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Asks for a job of {@code digits}, which must be accepted; its id. */
    String submit(int digits) throws Exception {
        HttpResponse<String> submitted = http.send(HttpRequest.newBuilder(base.resolve("/pi_job"))
                .header("Content-Type", "application/json")
                .POST(BodyPublishers.ofString("{\"digits\": " + digits + "}")).build(), BodyHandlers.ofString());
        assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(202);
        return JSON.readTree(submitted.body()).path("job_id").asText();
    }

    /** Asks for the job's state until it is complete, within {@code within}; its last state. */
    JsonNode awaitComplete(String jobId, Duration within) throws Exception {
        Instant deadline = Instant.now().plus(within);
        while (true) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(base.resolve("/pi_job/" + jobId)).build(),
                    BodyHandlers.ofString());
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            JsonNode status = JSON.readTree(response.body());
            assertThat(status.path("success").asBoolean()).as(response.body()).isTrue();
            assertThat(status.path("job_id").asText()).isEqualTo(jobId);
            String state = status.path("status").asText();
            assertThat(state).as(response.body()).isIn("queued", "In-progress", "complete");
            if (state.equals("complete")) {
                return status;
            }
            assertThat(Instant.now()).as("job %s still %s", jobId, state).isBefore(deadline);
            Thread.sleep(100);
        }
    }
}
