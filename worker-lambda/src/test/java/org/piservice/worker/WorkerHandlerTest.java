package org.piservice.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.piservice.contract.IdleInvocations;
import org.piservice.emulators.LocalLambdaContext;
import org.piservice.jobs.JobStatus;
import org.piservice.jobs.testing.LogCapture;

/** The handler on a real SQS event JSON (fixture), with the processor on the embedded emulators. */
class WorkerHandlerTest {

    private static final String JOB_ID = "3f2c9a4e-8b1d-4c6f-a2e7-5d9b0c1e4f6a";
    /** Where Lambda's Java runtime puts the invocation's X-Ray trace header. */
    private static final String TRACE_HEADER_PROPERTY = "com.amazonaws.xray.traceHeader";

    @RegisterExtension
    final LogCapture logs = new LogCapture();

    @Test
    void reportsOnlyTheFailedMessagesOfABatch() {
        // GIVEN the job the first message names, and an event whose second message is garbage
        WorkerFixture fixture = new WorkerFixture();
        fixture.jobs.create(JOB_ID, 100);
        SQSEvent event = EventLoader.loadSQSEvent("events/sqs-batch.json");
        WorkerHandler handler = new WorkerHandler(fixture.processor(WorkerSettings.DEFAULT, PiWriter.PI_CORE));

        // WHEN Lambda invokes the handler, in a traced invocation
        System.setProperty(TRACE_HEADER_PROPERTY, "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1");
        LocalLambdaContext context = LocalLambdaContext.start("worker", 60_000);
        SQSBatchResponse response;
        try {
            response = handler.handleRequest(event, context);
        } finally {
            System.clearProperty(TRACE_HEADER_PROPERTY);
        }

        // THEN the job is complete and only the garbage comes back, for the dead-letter queue
        assertThat(response.getBatchItemFailures())
                .extracting(SQSBatchResponse.BatchItemFailure::getItemIdentifier)
                .containsExactly("b7c8d9e0-2f3a-4b5c-8d6e-7f8091a2b3c4");
        assertThat(fixture.jobs.find(JOB_ID).orElseThrow().status()).isEqualTo(JobStatus.COMPLETE);

        // AND each message's lines are JSON with the invocation's fields and the message's own
        JsonNode complete = logs.withMessage("Job complete").getFirst();
        assertInvocationFields(complete, context);
        assertThat(complete.path("job_id").asText()).isEqualTo(JOB_ID);
        assertThat(complete.path("message_id").asText()).isEqualTo("6a1f8b7e-1d0c-4e59-9c2e-2f3b4a5c6d7e");
        assertThat(complete.path("digits").asInt()).isEqualTo(100);
        JsonNode malformed = logs.withMessage("Malformed message").getFirst();
        assertInvocationFields(malformed, context);
        assertThat(malformed.path("level").asText()).isEqualTo("ERROR");
        assertThat(malformed.path("message_id").asText()).isEqualTo("b7c8d9e0-2f3a-4b5c-8d6e-7f8091a2b3c4");
        assertThat(malformed.has("job_id")).as("the first message's job id must not leak into the second's lines").isFalse();
    }

    @Test
    void theDailyInvocationThatKeepsTheQueueConsumersActiveIsABatchWithNothingToDo(@TempDir Path folder) throws IOException {
        // GIVEN the event that invocation sends, as Lambda's Java runtime reads it
        Path file = folder.resolve("no-messages.json");
        Files.writeString(file, IdleInvocations.NO_MESSAGES);
        SQSEvent event = EventLoader.loadSQSEvent(file.toString());
        WorkerFixture fixture = new WorkerFixture();

        // WHEN the worker and the dead-letter queue's consumer get it
        SQSBatchResponse worker = new WorkerHandler(fixture.processor(WorkerSettings.DEFAULT, PiWriter.PI_CORE))
                .handleRequest(event, LocalLambdaContext.start("worker", 60_000));
        SQSBatchResponse deadLetters = new DeadLetterHandler(DeadLetterHandler.create(fixture.clients, fixture.config()))
                .handleRequest(event, LocalLambdaContext.start("dead-letters", 60_000));

        // THEN both answer that nothing failed, and said nothing worth a line
        assertThat(worker.getBatchItemFailures()).isEmpty();
        assertThat(deadLetters.getBatchItemFailures()).isEmpty();
        assertThat(logs.lines()).isEmpty();
    }

    private static void assertInvocationFields(JsonNode line, LocalLambdaContext context) {
        assertThat(line.path("function_request_id").asText()).as(line.toString()).isEqualTo(context.getAwsRequestId());
        assertThat(line.path("function_name").asText()).isEqualTo("worker");
        assertThat(line.path("xray_trace_id").asText()).isEqualTo("1-5759e988-bd862e3fe1be46a994272793");
        assertThat(line.path("cold_start").isBoolean()).isTrue();
        assertThat(line.path("timestamp").asText()).isNotEmpty();
    }
}
