package org.piservice.infra;

import java.util.List;
import java.util.Map;
import org.piservice.contract.FunctionEnvironment;
import org.piservice.contract.ServiceMetrics;
import software.amazon.awscdk.Aws;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.sns.Topic;
import software.amazon.awscdk.services.sns.subscriptions.EmailSubscription;
import software.constructs.Construct;

/**
 * pi-service on AWS, as its architecture: the {@link JobStore} (table, queue and dead-letter queue,
 * result bucket), the {@link Api} (REST API and the api function behind it), the {@link Worker}
 * (the function the queue feeds), the {@link Backstops} that end the jobs the worker could not
 * (the dead-letter queue's consumer and the sweeper), and the {@link Monitoring} that watches them and notifies the
 * alarm topic. Each function's role allows only the actions its code uses, on this stack's resources.
 *
 * <p>JobStore, Api and Worker add their resources to this stack's own scope rather than to a
 * construct of their own: a construct level would be part of every resource's logical id, and
 * CloudFormation would replace each resource of a deployed stack, among them the table, the bucket
 * (kept, and a new empty one made), the alarm topic (its e-mail subscription to confirm again) and
 * the REST API (a new URL).
 */
public final class PiServiceStack extends Stack {

    public PiServiceStack(Construct scope, String id, StackProps props, ServiceSettings settings, ProjectFiles files) {
        super(scope, id, props);

        JobStore jobs = new JobStore(this, settings);
        Topic alarmTopic = Topic.Builder.create(this, "AlarmTopic")
                .displayName("pi-service alarms")
                .enforceSsl(true)
                .build();
        // The TLS rule makes the topic's policy, which replaces SNS's default one that let this account's
        // alarms publish: without this statement no alarm would reach the topic.
        alarmTopic.addToResourcePolicy(PolicyStatement.Builder.create()
                .sid("AlarmsPublish")
                .principals(List.of(new ServicePrincipal("cloudwatch.amazonaws.com")))
                .actions(List.of("sns:Publish"))
                .resources(List.of(alarmTopic.getTopicArn()))
                .conditions(Map.of(
                        "StringEquals", Map.of("aws:SourceAccount", Aws.ACCOUNT_ID),
                        "ArnLike", Map.of("aws:SourceArn",
                                "arn:" + Aws.PARTITION + ":cloudwatch:" + Aws.REGION + ":" + Aws.ACCOUNT_ID + ":alarm:*")))
                .build());
        settings.alarmEmail().ifPresent(address -> alarmTopic.addSubscription(new EmailSubscription(address)));

        Map<String, String> environment = functionEnvironment(jobs, settings);
        Api api = new Api(this, settings, files, jobs, environment);
        Worker worker = new Worker(this, settings, files, jobs, environment);
        Backstops backstops = new Backstops(this, files, jobs, environment);
        Monitoring monitoring = new Monitoring(this, "Monitoring", settings, alarmTopic, api.restApi(), worker.function(),
                backstops.sweeperFunction(), backstops.deadLetterFunction(), jobs.queue(), jobs.deadLetterQueue());

        output("ApiUrl", api.restApi().getUrl(), "Base URL of the pi-service API (the docs page is at this URL)");
        output("ResultBucketName", jobs.bucket().getBucketName(), null);
        output("JobTableName", jobs.table().getTableName(), null);
        output("JobQueueUrl", jobs.queue().getQueueUrl(), null);
        output("DeadLetterQueueUrl", jobs.deadLetterQueue().getQueueUrl(), null);
        output("AlarmTopicArn", alarmTopic.getTopicArn(), null);
        output("DashboardName", monitoring.dashboard().getDashboardName(), null);
    }

    /** What both functions are configured with. */
    private static Map<String, String> functionEnvironment(JobStore jobs, ServiceSettings settings) {
        return Map.ofEntries(
                Map.entry(FunctionEnvironment.TABLE_NAME, jobs.table().getTableName()),
                Map.entry(FunctionEnvironment.QUEUE_URL, jobs.queue().getQueueUrl()),
                Map.entry(FunctionEnvironment.BUCKET_NAME, jobs.bucket().getBucketName()),
                Map.entry(FunctionEnvironment.MAX_DIGITS, Integer.toString(settings.maxDigits())),
                Map.entry(FunctionEnvironment.DOWNLOAD_URL_TTL_SECONDS, Integer.toString(settings.downloadUrlTtlSeconds())),
                Map.entry(FunctionEnvironment.JOB_TTL_DAYS, Integer.toString(settings.jobTtlDays())),
                Map.entry(FunctionEnvironment.MAX_UNFINISHED_JOBS_PER_CLIENT,
                        Integer.toString(settings.maxUnfinishedJobsPerClient())),
                Map.entry(FunctionEnvironment.CLIENT_DIGITS_PER_DAY, Integer.toString(settings.clientDigitsPerDay())),
                // what the api's backlog estimate divides the queued work by, and the workers' speed
                Map.entry(FunctionEnvironment.WORKER_CONCURRENCY, Integer.toString(settings.workerConcurrency())),
                Map.entry(FunctionEnvironment.WORKER_MEMORY_MB, Integer.toString(settings.workerMemoryMb())),
                // Powertools' name for the service on every log line: the same as the metrics' dimension.
                Map.entry(FunctionEnvironment.POWERTOOLS_SERVICE_NAME, ServiceMetrics.SERVICE));
    }

    private void output(String id, String value, String description) {
        CfnOutput.Builder.create(this, id).value(value).description(description).build();
    }
}
