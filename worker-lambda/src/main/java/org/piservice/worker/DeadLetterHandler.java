package org.piservice.worker;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import java.time.Clock;
import org.piservice.jobs.AwsClients;
import org.piservice.jobs.DigitStore;
import org.piservice.jobs.EmfMetrics;
import org.piservice.jobs.JobRepository;
import org.piservice.jobs.ServiceConfig;
import software.amazon.lambda.powertools.logging.PowertoolsLogging;

/**
 * The dead-letter queue's consumer function: an SQS event of dead-lettered job messages in, their
 * jobs failed by {@link DeadLetters}, a partial batch response out. Its event source mapping must
 * enable {@code ReportBatchItemFailures}.
 */
public final class DeadLetterHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {

    private final DeadLetters deadLetters;

    /** For the Lambda runtime: clients and configuration from the environment. */
    public DeadLetterHandler() {
        this(create(WorkerClients.fromEnvironment(), ServiceConfig.fromEnvironment()));
    }

    /** The production wiring on the given clients (the local run's too). */
    public static DeadLetters create(AwsClients clients, ServiceConfig config) {
        EmfMetrics metrics = EmfMetrics.stdout();
        return new DeadLetters(new JobRepository(clients.dynamoDb(), config, Clock.systemUTC(), metrics),
                DigitStore.stateReader(clients.dynamoDb(), config), metrics, Clock.systemUTC());
    }

    public DeadLetterHandler(DeadLetters deadLetters) {
        this.deadLetters = deadLetters;
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        return PowertoolsLogging.withLogging(context,
                () -> WorkerHandler.batchResponse(deadLetters.process(WorkerHandler.messages(event))));
    }
}
