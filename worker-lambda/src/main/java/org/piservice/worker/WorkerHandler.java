package org.piservice.worker;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import java.util.List;
import org.piservice.jobs.ServiceConfig;
import software.amazon.lambda.powertools.logging.PowertoolsLogging;

/**
 * The worker function: turns an SQS event into {@link QueueMessage}s for the {@link JobProcessor}
 * and its answer into a partial batch response, so that only the failed messages come back. The
 * event source mapping must enable {@code ReportBatchItemFailures}.
 */
public final class WorkerHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {

    private final JobProcessor processor;

    /**
     * For the Lambda runtime: clients and configuration from the environment, built once per
     * container, and the engine primed when the init is one that no job waits for (SnapStart).
     */
    public WorkerHandler() {
        this(ServiceConfig.fromEnvironment());
    }

    private WorkerHandler(ServiceConfig config) {
        this(JobProcessor.create(WorkerClients.fromEnvironment(), config));
        EnginePriming.primeIfAheadOfJobs(System.getenv("AWS_LAMBDA_INITIALIZATION_TYPE"), PiWriter.PI_CORE,
                config.maxDigits());
    }

    public WorkerHandler(JobProcessor processor) {
        this.processor = processor;
    }

    /** Logs with the invocation's fields (request id, cold start, function name, trace id). */
    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        return PowertoolsLogging.withLogging(context, () -> process(event, context));
    }

    private SQSBatchResponse process(SQSEvent event, Context context) {
        return batchResponse(processor.process(messages(event), Deadline.of(context)));
    }

    /** The answer that leaves these messages in the queue and deletes the event's others. */
    static SQSBatchResponse batchResponse(List<String> retryMessageIds) {
        return new SQSBatchResponse(retryMessageIds.stream().map(SQSBatchResponse.BatchItemFailure::new).toList());
    }

    /** The event's records as the processors take them. */
    static List<QueueMessage> messages(SQSEvent event) {
        return event.getRecords().stream()
                .map(record -> new QueueMessage(record.getMessageId(), record.getBody(), record.getReceiptHandle(),
                        QueueMessage.receiveCount(record.getAttributes() == null ? null
                                : record.getAttributes().get("ApproximateReceiveCount"))))
                .toList();
    }
}
