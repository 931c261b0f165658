package org.piservice.infra;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.piservice.contract.FunctionEnvironment;
import org.piservice.contract.JobDelivery;
import org.piservice.contract.ServiceMetrics;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.apigateway.RestApiBase;
import software.amazon.awscdk.services.cloudwatch.Alarm;
import software.amazon.awscdk.services.cloudwatch.ComparisonOperator;
import software.amazon.awscdk.services.cloudwatch.Dashboard;
import software.amazon.awscdk.services.cloudwatch.GraphWidget;
import software.amazon.awscdk.services.cloudwatch.IMetric;
import software.amazon.awscdk.services.cloudwatch.MathExpression;
import software.amazon.awscdk.services.cloudwatch.Metric;
import software.amazon.awscdk.services.cloudwatch.MetricOptions;
import software.amazon.awscdk.services.cloudwatch.TextWidget;
import software.amazon.awscdk.services.cloudwatch.TreatMissingData;
import software.amazon.awscdk.services.cloudwatch.actions.SnsAction;
import software.amazon.awscdk.services.lambda.IFunction;
import software.amazon.awscdk.services.sns.ITopic;
import software.amazon.awscdk.services.sqs.IQueue;
import software.constructs.Construct;

/**
 * The alarms that say something is wrong (each notifies the alarm topic when it fires and when it
 * clears) and the dashboard that shows how the service is doing.
 */
public final class Monitoring extends Construct {

    static final Duration PERIOD = Duration.minutes(5);
    /** Periods in a row that make a state worth an alarm where one period could be a passing moment. */
    static final int SUSTAINED = 3;
    /**
     * The worker duration alarm fires at this share of the worker timeout: halfway between the
     * largest job's estimate ({@link WorkerCapacity#TIME_SHARE}), which a run that goes as the time
     * model says may reach, and the timeout.
     */
    static final double DURATION_ALARM_SHARE = (1 + WorkerCapacity.TIME_SHARE) / 2;

    private final Dashboard dashboard;

    Monitoring(Construct scope, String id, ServiceSettings settings, ITopic alarmTopic, RestApiBase api, IFunction worker,
            IFunction sweeper, IFunction deadLetterConsumer, IQueue queue, IQueue dlq) {
        super(scope, id);
        SnsAction notify = new SnsAction(alarmTopic);

        Metric jobsCompleted = serviceMetric(ServiceMetrics.JOBS_COMPLETED, "Sum");
        Metric jobsFailed = serviceMetric(ServiceMetrics.JOBS_FAILED, "Sum");
        Metric digitsComputed = serviceMetric(ServiceMetrics.DIGITS_COMPUTED, "Sum");
        Metric computeSeconds = serviceMetric(ServiceMetrics.COMPUTE_SECONDS, "Sum");
        Metric jobsRefusedForBacklog = serviceMetric(ServiceMetrics.JOBS_REFUSED_BACKLOG, "Sum");
        int workerTimeoutMs = settings.workerTimeoutSeconds() * 1000;
        // The api admits a job when the work ahead of it and its own would end by its deadline, so
        // long waits are no fault in themselves; one so long that the largest job could no longer
        // end in time says the workers do less than the time model said, or fail, unless jobs
        // smaller than the largest filled the wait the api admits for them.
        long sustainedMinutes = SUSTAINED * PERIOD.toMinutes().longValue();
        Metric jobsDeadLettered = serviceMetric(ServiceMetrics.JOBS_DEAD_LETTERED, "Sum");
        Metric jobsOverdue = serviceMetric(ServiceMetrics.JOBS_OVERDUE, "Sum");
        int oldestMessageAlarmSeconds = FunctionEnvironment.DEFAULT_JOB_DEADLINE_MINUTES * 60
                - (int) (WorkerCapacity.TIME_SHARE * settings.workerTimeoutSeconds());

        // Visible and in flight both: a consumer that fails a message hides it, then takes it again
        // as soon as it shows, so a failing consumer leaves it in flight nearly all the time.
        MathExpression deadLetters = MathExpression.Builder.create()
                .label("messages in the dead-letter queue")
                .expression("visible + inFlight")
                .usingMetrics(new TreeMap<>(Map.of(
                        "visible", dlq.metricApproximateNumberOfMessagesVisible(options("Maximum")),
                        "inFlight", dlq.metricApproximateNumberOfMessagesNotVisible(options("Maximum")))))
                .period(PERIOD)
                .build();
        alarm("DeadLetterQueueNotEmpty",
                "Messages have stayed in the dead-letter queue for " + sustainedMinutes
                        + " minutes: its consumer, which fails each message's job and deletes the message within"
                        + " seconds, is failing (see the DeadLetterFunction's log). Once it is healthy the queue"
                        + " drains by itself.",
                deadLetters, 1, SUSTAINED, ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                TreatMissingData.NOT_BREACHING, notify);
        alarm("JobsDeadLettered",
                "Jobs were failed because their messages reached the dead-letter queue after " + JobDelivery.MAX_RECEIVE_COUNT
                        + " deliveries without an outcome (throttled or failing DynamoDB, worker init failures): their records"
                        + " say the last error; the DeadLetterFunction's log names each job.",
                jobsDeadLettered, 1, notify);
        alarm("JobsOverdue",
                "Jobs still open at their deadline were failed (by the sweeper, the worker, or the api when a client"
                        + " asked): the workers are far behind or a job keeps being retried; their records say the"
                        + " last error.",
                jobsOverdue, 1, notify);
        alarm("WorkerErrors",
                "The worker function failed invocations (crash, timeout or out of memory): see its log group.",
                worker.metricErrors(options("Sum")), 1, notify);
        alarm("SweeperErrors",
                "A run of the job sweeper failed, could not sweep some jobs, or found the digit store's item"
                        + " unreadable (see the SweeperFunction's log): it fails jobs past their deadline (JobsOverdue"
                        + " counts them) and re-sends lost job messages, and it runs every "
                        + JobDelivery.SWEEP_INTERVAL.toMinutes() + " minutes.",
                sweeper.metricErrors(options("Sum")), 1, notify);
        // Missing data is the fault here: a schedule that stopped (disabled, deleted) invokes nothing.
        alarm("SweeperNotRunning",
                "The job sweeper has not run for " + sustainedMinutes
                        + " minutes (its schedule is every " + JobDelivery.SWEEP_INTERVAL.toMinutes() + "): lost job"
                        + " messages are not sent again, and jobs past their deadline are failed only when their"
                        + " clients ask. Check the SweepSchedule rule and the SweeperFunction.",
                sweeper.metricInvocations(options("Sum")), 1, SUSTAINED, ComparisonOperator.LESS_THAN_THRESHOLD,
                TreatMissingData.BREACHING, notify);
        // Messages ready in the queue and no worker run at all: its trigger is disabled or broken,
        // which the age alarm below would see only hours later.
        MathExpression idleWorker = MathExpression.Builder.create()
                .label("job messages waiting while no worker runs")
                // Invocations are counted as they end: runs near the timeout end none for a while
                .expression("IF(ready >= 1 AND FILL(runs, 0) == 0 AND FILL(busy, 0) == 0, 1, 0)")
                .usingMetrics(new TreeMap<>(Map.of(
                        "ready", queue.metricApproximateNumberOfMessagesVisible(options("Minimum")),
                        "runs", worker.metricInvocations(options("Sum")),
                        "busy", worker.metric("ConcurrentExecutions", options("Maximum")))))
                .period(PERIOD)
                .build();
        alarm("WorkerNotConsuming",
                "Job messages have been waiting in the queue for " + sustainedMinutes
                        + " minutes while the worker function ran not once: its event source mapping is disabled or"
                        + " failing (see the mapping's state and the function's configuration), so no job starts.",
                idleWorker, 1, SUSTAINED, ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                TreatMissingData.NOT_BREACHING, notify);
        alarm("WorkerThrottles",
                "The worker function was throttled: it was asked for more than its reserved concurrency ("
                        + Worker.reservedConcurrency(settings) + ": the queue's event source mapping is set to keep to "
                        + settings.workerConcurrency() + ", and one is the daily invocation's that keeps it active):"
                        + " check that the mapping's maximum concurrency is still " + settings.workerConcurrency()
                        + ", and that nothing else invokes the worker.",
                worker.metricThrottles(options("Sum")), 1, notify);
        alarm("OldestJobMessageAge",
                "A job has waited in the queue for over " + oldestMessageAlarmSeconds / 60
                        + " minutes, so long that the largest job could no longer finish by its deadline: the workers"
                        + " are slower than the time model says, or failing; or smaller jobs were admitted behind a"
                        + " wait the largest could not have had, which is planned load (the api refuses the largest then,"
                        + " counted in JobsRefusedForBacklog).",
                queue.metricApproximateAgeOfOldestMessage(options("Maximum")), oldestMessageAlarmSeconds, notify);
        // The backlog's refusals are 503s by design and have their own alarm; counted here too, they
        // would page twice for one cause, under a description that says something broke.
        MathExpression unplannedServerErrors = MathExpression.Builder.create()
                .label("5xx answers other than the backlog's refusals")
                .expression("errors - FILL(refused, 0)")
                .usingMetrics(new TreeMap<>(Map.of("errors", api.metricServerError(options("Sum")),
                        "refused", jobsRefusedForBacklog)))
                .period(PERIOD)
                .build();
        alarm("ApiServerErrors",
                "The API answered with 5xx errors other than its refusals for the backlog (JobsRefusedForBacklog"
                        + " counts those): 503 when DynamoDB, SQS or S3 could not be reached, 500 for a bug. The api"
                        + " function's log has the request ids and causes; the access log the requests. A refusal"
                        + " and its 503 counted in periods side by side can fire it once with no other cause.",
                unplannedServerErrors, 1, notify);
        alarm("WorkerDurationNearTimeout",
                "A worker invocation ran for over " + (int) (DURATION_ALARM_SHARE * 100) + "% of its "
                        + settings.workerTimeoutSeconds() + " s timeout: MAX_DIGITS may be too high for the worker's memory.",
                worker.metricDuration(options("Maximum")), DURATION_ALARM_SHARE * workerTimeoutMs, notify);
        // Jobs the backstops failed have alarms of their own; counted here too, one cause would page twice.
        MathExpression failedByWorker = MathExpression.Builder.create()
                .label("jobs the worker failed")
                .expression("failed - FILL(deadLettered, 0) - FILL(overdue, 0)")
                .usingMetrics(new TreeMap<>(Map.of("failed", jobsFailed,
                        "deadLettered", jobsDeadLettered, "overdue", jobsOverdue)))
                .period(PERIOD)
                .build();
        alarm("JobsFailed",
                "The worker failed jobs for good (beyond those JobsDeadLettered and JobsOverdue count): their"
                        + " records say why, and the worker's log has the job ids.",
                failedByWorker, 1, notify);
        // Refusals are the backlog working as designed, with clients told when to try again: worth a
        // page once they last, not at the first.
        alarm("JobsRefusedForBacklog",
                "The api refused jobs (503 with Retry-After) for " + sustainedMinutes + " minutes in a row because the"
                        + " jobs queued already would keep them from finishing by their deadline: demand is beyond what the "
                        + settings.workerConcurrency() + " workers can do. Raise workerConcurrency (and the account's"
                        + " Lambda concurrency); the api's log has the refused sizes.",
                jobsRefusedForBacklog, 1, SUSTAINED, ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                TreatMissingData.NOT_BREACHING, notify);

        MathExpression digitsPerSecond = MathExpression.Builder.create()
                .label("digits per compute second")
                .expression("digits / seconds")
                // sorted: Map.of's order changes from one JVM to the next, and with it the dashboard body on every synth
                .usingMetrics(new TreeMap<>(Map.of("digits", digitsComputed, "seconds", computeSeconds)))
                .period(PERIOD)
                .build();
        dashboard = Dashboard.Builder.create(this, "Dashboard")
                .defaultInterval(Duration.hours(6))
                .build();
        dashboard.addWidgets(TextWidget.Builder.create()
                .markdown("# pi-service\nAPI, job queue, worker and jobs. Alarms notify the alarm topic.")
                .width(24).height(2).build());
        dashboard.addWidgets(
                graph("API requests", List.of(api.metricCount(options("Sum"))), List.of()),
                graph("API latency (ms)", List.of(api.metricLatency(options("p50")), api.metricLatency(options("p99")),
                        api.metricIntegrationLatency(options("p99"))), List.of()),
                graph("API errors", List.of(api.metricClientError(options("Sum")), api.metricServerError(options("Sum"))),
                        List.of()));
        dashboard.addWidgets(
                graph("Job queue depth", List.of(queue.metricApproximateNumberOfMessagesVisible(options("Maximum")),
                        queue.metricApproximateNumberOfMessagesNotVisible(options("Maximum")),
                        deadLetters), List.of()),
                graph("Oldest job message age (s)",
                        List.of(queue.metricApproximateAgeOfOldestMessage(options("Maximum"))), List.of()),
                graph("Worker invocations", List.of(worker.metricInvocations(options("Sum")),
                        worker.metricErrors(options("Sum")), worker.metricThrottles(options("Sum"))), List.of()));
        dashboard.addWidgets(
                graph("Worker duration (ms)", List.of(worker.metricDuration(options("Average")),
                        worker.metricDuration(options("Maximum"))), List.of()),
                graph("Worker concurrency", List.of(worker.metric("ConcurrentExecutions", options("Maximum"))), List.of()),
                graph("Jobs", List.of(jobsCompleted, jobsFailed, jobsOverdue, jobsDeadLettered,
                        serviceMetric(ServiceMetrics.JOBS_REQUEUED, "Sum")), List.of(digitsPerSecond)));
        dashboard.addWidgets(graph("Jobs refused", List.of(jobsRefusedForBacklog,
                serviceMetric(ServiceMetrics.JOBS_REFUSED_OVER_QUOTA, "Sum"),
                serviceMetric(ServiceMetrics.JOBS_REFUSED_OVER_DIGIT_BUDGET, "Sum"),
                // digits a day kept that it should have given back: refusals for the day may come early
                serviceMetric(ServiceMetrics.DIGIT_REFUNDS_FAILED, "Sum")), List.of()));
        Metric computations = serviceMetric(ServiceMetrics.STORE_COMPUTATIONS, "Sum");
        Metric servedFromStore = serviceMetric(ServiceMetrics.JOBS_SERVED_FROM_STORE, "Sum");
        MathExpression hitRate = MathExpression.Builder.create()
                .label("share of the worker's jobs served from the store")
                .expression("FILL(served, 0) / (FILL(served, 0) + FILL(computed, 0))")
                .usingMetrics(new TreeMap<>(Map.of("served", servedFromStore, "computed", computations)))
                .period(PERIOD)
                .build();
        dashboard.addWidgets(
                graph("Digit store hit rate", List.of(hitRate), List.of(computations, servedFromStore)),
                graph("Digit store size (decimals)", List.of(serviceMetric(ServiceMetrics.STORE_DIGITS, "Maximum")),
                        List.of()),
                // the backstops' failures, which their alarms report, beside their runs
                graph("Sweeper and dead-letter consumer", List.of(
                        sweeper.metricInvocations(labelled("Sum", "sweeper runs")),
                        sweeper.metricErrors(labelled("Sum", "sweeper errors")),
                        deadLetterConsumer.metricInvocations(labelled("Sum", "dead-letter consumer runs")),
                        deadLetterConsumer.metricErrors(labelled("Sum", "dead-letter consumer errors"))), List.of()));
    }

    /** An alarm on one period at or above the threshold; no data means no traffic, which is no failure. */
    private void alarm(String id, String description, IMetric metric, double threshold, SnsAction notify) {
        alarm(id, description, metric, threshold, 1, ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                TreatMissingData.NOT_BREACHING, notify);
    }

    private void alarm(String id, String description, IMetric metric, double threshold, int periods,
                       ComparisonOperator comparison, TreatMissingData missing, SnsAction notify) {
        Alarm alarm = Alarm.Builder.create(this, id)
                // named for the operator, who looks alarms up by the names OPERATIONS gives
                .alarmName(Stack.of(this).getStackName() + "-" + id)
                .alarmDescription(description)
                .metric(metric)
                .threshold(threshold)
                .evaluationPeriods(periods)
                .comparisonOperator(comparison)
                .treatMissingData(missing)
                .build();
        alarm.addAlarmAction(notify);
        alarm.addOkAction(notify);
    }

    private static Metric serviceMetric(String name, String statistic) {
        return Metric.Builder.create()
                .namespace(ServiceMetrics.NAMESPACE)
                .metricName(name)
                .dimensionsMap(Map.of(ServiceMetrics.DIMENSION, ServiceMetrics.SERVICE))
                .statistic(statistic)
                .period(PERIOD)
                .build();
    }

    private static MetricOptions options(String statistic) {
        return MetricOptions.builder().statistic(statistic).period(PERIOD).build();
    }

    private static MetricOptions labelled(String statistic, String label) {
        return MetricOptions.builder().statistic(statistic).period(PERIOD).label(label).build();
    }

    private static GraphWidget graph(String title, List<IMetric> left, List<IMetric> right) {
        return GraphWidget.Builder.create().title(title).left(left).right(right).width(8).height(6).build();
    }

    Dashboard dashboard() {
        return dashboard;
    }
}
