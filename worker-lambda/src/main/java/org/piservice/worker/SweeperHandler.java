package org.piservice.worker;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import java.time.Clock;
import org.piservice.contract.JobDelivery;
import org.piservice.jobs.AwsClients;
import org.piservice.jobs.Backlog;
import org.piservice.jobs.DigitStore;
import org.piservice.jobs.EmfMetrics;
import org.piservice.jobs.JobRepository;
import org.piservice.jobs.ServiceConfig;
import software.amazon.lambda.powertools.logging.PowertoolsLogging;

/** The sweeper function, run by a schedule: one {@link JobSweeper#sweep(Deadline)} per event, in its time. */
public final class SweeperHandler implements RequestHandler<ScheduledEvent, String> {

    private final JobSweeper sweeper;

    /** For the Lambda runtime: clients and configuration from the environment. */
    public SweeperHandler() {
        this(create(WorkerClients.fromEnvironment(), ServiceConfig.fromEnvironment()));
    }

    public SweeperHandler(JobSweeper sweeper) {
        this.sweeper = sweeper;
    }

    /** The production wiring on the given clients (the local run's too). */
    public static JobSweeper create(AwsClients clients, ServiceConfig config) {
        EmfMetrics metrics = EmfMetrics.stdout();
        JobRepository jobs = new JobRepository(clients.dynamoDb(), config, Clock.systemUTC(), metrics);
        Backlog backlog = new Backlog(jobs, DigitStore.stateReader(clients.dynamoDb(), config), config, Clock.systemUTC());
        return new JobSweeper(jobs, backlog, clients.sqs(), config.queueUrl(), JobDelivery.STALE_AFTER,
                JobSweeper.REQUEUE_AFTER, metrics, Clock.systemUTC());
    }

    @Override
    public String handleRequest(ScheduledEvent event, Context context) {
        return PowertoolsLogging.withLogging(context, () -> sweeper.sweep(Deadline.of(context)).toString());
    }
}
