package org.piservice.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import org.junit.jupiter.api.Test;
import org.piservice.emulators.LocalLambdaContext;
import org.piservice.jobs.JobStatus;

/** The handler on a real SQS event JSON (fixture), with the processor on the embedded emulators. */
class WorkerHandlerTest {

    private static final String JOB_ID = "3f2c9a4e-8b1d-4c6f-a2e7-5d9b0c1e4f6a";

    @Test
    void reportsOnlyTheFailedMessagesOfABatch() {
        // GIVEN the job the first message names, and an event whose second message is garbage
        WorkerFixture fixture = new WorkerFixture();
        fixture.jobs.create(JOB_ID, 100);
        SQSEvent event = EventLoader.loadSQSEvent("events/sqs-batch.json");
        WorkerHandler handler = new WorkerHandler(fixture.processor(WorkerSettings.DEFAULT, PiWriter.PI_CORE));

        // WHEN Lambda invokes the handler
        SQSBatchResponse response = handler.handleRequest(event, LocalLambdaContext.start("worker", 60_000));

        // THEN the job is complete and only the garbage comes back, for the dead-letter queue
        assertThat(response.getBatchItemFailures())
                .extracting(SQSBatchResponse.BatchItemFailure::getItemIdentifier)
                .containsExactly("b7c8d9e0-2f3a-4b5c-8d6e-7f8091a2b3c4");
        assertThat(fixture.jobs.find(JOB_ID).orElseThrow().status()).isEqualTo(JobStatus.COMPLETE);
    }
}
