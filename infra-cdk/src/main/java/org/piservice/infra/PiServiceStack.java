package org.piservice.infra;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.piservice.contract.Cors;
import software.amazon.awscdk.Acknowledgment;
import software.amazon.awscdk.Annotations;
import software.amazon.awscdk.Aws;
import software.amazon.awscdk.CfnElement;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.Validations;
import software.amazon.awscdk.services.apigateway.AccessLogFormat;
import software.amazon.awscdk.services.apigateway.ApiDefinition;
import software.amazon.awscdk.services.apigateway.EndpointType;
import software.amazon.awscdk.services.apigateway.LogGroupLogDestination;
import software.amazon.awscdk.services.apigateway.MethodLoggingLevel;
import software.amazon.awscdk.services.apigateway.SpecRestApi;
import software.amazon.awscdk.services.apigateway.StageOptions;
import software.amazon.awscdk.services.dynamodb.Attribute;
import software.amazon.awscdk.services.dynamodb.AttributeType;
import software.amazon.awscdk.services.dynamodb.BillingMode;
import software.amazon.awscdk.services.dynamodb.PointInTimeRecoverySpecification;
import software.amazon.awscdk.services.dynamodb.Table;
import software.amazon.awscdk.services.dynamodb.TableEncryption;
import software.amazon.awscdk.services.iam.IRole;
import software.amazon.awscdk.services.iam.PolicyStatement;
import org.piservice.contract.DigitStoreNames;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.lambda.Alias;
import software.amazon.awscdk.services.lambda.Architecture;
import software.amazon.awscdk.services.lambda.Code;
import software.amazon.awscdk.services.lambda.Function;
import software.amazon.awscdk.services.lambda.Permission;
import software.amazon.awscdk.services.lambda.Runtime;
import software.amazon.awscdk.services.lambda.SnapStartConf;
import software.amazon.awscdk.services.lambda.Tracing;
import software.amazon.awscdk.services.lambda.eventsources.SqsEventSource;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.amazon.awscdk.services.s3.BlockPublicAccess;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.s3.BucketEncryption;
import software.amazon.awscdk.services.s3.CorsRule;
import software.amazon.awscdk.services.s3.HttpMethods;
import software.amazon.awscdk.services.s3.LifecycleRule;
import software.amazon.awscdk.services.s3.ObjectOwnership;
import software.amazon.awscdk.services.sns.Topic;
import software.amazon.awscdk.services.sns.subscriptions.EmailSubscription;
import software.amazon.awscdk.services.sqs.DeadLetterQueue;
import software.amazon.awscdk.services.sqs.Queue;
import software.amazon.awscdk.services.sqs.QueueEncryption;
import software.constructs.Construct;
import software.constructs.IConstruct;

/**
 * pi-service on AWS: the REST API generated from the OpenAPI document, the api function behind it,
 * the job table, the job queue and its dead-letter queue, the worker function, the result bucket,
 * and the alarms and dashboard ({@link Monitoring}) that watch them.
 *
 * <p>Every function gets its own role with only the actions its code uses, on this stack's resources.
 */
public final class PiServiceStack extends Stack {

    static final String RESULTS_PREFIX = "results/";
    static final String STAGE_NAME = "v1";
    /** Above the worker's own claim limit (3), so the worker fails a job itself before SQS gives up on it. */
    static final int MAX_RECEIVE_COUNT = 5;
    /**
     * Results outlive their job records by this much: DynamoDB deletes expired items only within a
     * few days of their TTL, and a record that still says complete must still have its result.
     */
    static final int RESULT_GRACE_DAYS = 2;
    static final RetentionDays LOG_RETENTION = RetentionDays.ONE_MONTH;

    private final Table table;
    private final Queue queue;
    private final Queue deadLetterQueue;
    private final Bucket bucket;
    private final Topic alarmTopic;
    private final Function apiFunction;
    private final Alias apiAlias;
    private final Function workerFunction;
    private final Alias workerAlias;
    private final SpecRestApi api;
    private final Monitoring monitoring;

    public PiServiceStack(Construct scope, String id, StackProps props, ServiceSettings settings, ProjectFiles files) {
        super(scope, id, props);

        table = Table.Builder.create(this, "JobTable")
                .partitionKey(Attribute.builder().name("job_id").type(AttributeType.STRING).build())
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .timeToLiveAttribute("expires_at")
                .pointInTimeRecoverySpecification(PointInTimeRecoverySpecification.builder()
                        .pointInTimeRecoveryEnabled(true).build())
                .encryption(TableEncryption.AWS_MANAGED)
                // Job records are worth nothing without the results, which expire within days anyway.
                .removalPolicy(RemovalPolicy.DESTROY)
                .build();

        deadLetterQueue = Queue.Builder.create(this, "JobDeadLetterQueue")
                .encryption(QueueEncryption.SQS_MANAGED)
                .enforceSsl(true)
                .retentionPeriod(Duration.days(14))
                .build();
        queue = Queue.Builder.create(this, "JobQueue")
                .encryption(QueueEncryption.SQS_MANAGED)
                .enforceSsl(true)
                .visibilityTimeout(Duration.seconds(settings.visibilityTimeoutSeconds()))
                .retentionPeriod(Duration.days(4))
                .deadLetterQueue(DeadLetterQueue.builder().queue(deadLetterQueue).maxReceiveCount(MAX_RECEIVE_COUNT).build())
                .build();

        bucket = Bucket.Builder.create(this, "ResultBucket")
                .blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
                .enforceSsl(true)
                .encryption(BucketEncryption.S3_MANAGED)
                .objectOwnership(ObjectOwnership.BUCKET_OWNER_ENFORCED)
                .lifecycleRules(List.of(LifecycleRule.builder()
                        .id("expire-results")
                        .prefix(RESULTS_PREFIX)
                        .expiration(Duration.days(settings.jobTtlDays() + RESULT_GRACE_DAYS))
                        // a worker that dies mid-upload leaves parts that are billed until aborted
                        .abortIncompleteMultipartUploadAfter(Duration.days(1))
                        .build()))
                // A browser script that follows the API's redirect to a presigned link may read the file
                // and its name (local-emulators gives its S3 the same rule).
                .cors(List.of(CorsRule.builder()
                        .allowedMethods(Cors.RESULT_METHODS.stream().map(HttpMethods::valueOf).toList())
                        .allowedOrigins(List.of(Cors.ALLOWED_ORIGIN))
                        .exposedHeaders(Cors.RESULT_EXPOSED_HEADERS)
                        .maxAge(Cors.MAX_AGE_SECONDS)
                        .build()))
                // CloudFormation cannot delete a bucket with objects in it; the README says how to remove it.
                .removalPolicy(RemovalPolicy.RETAIN)
                .build();
        acknowledge(bucket, "AwsSolutions-S1",
                "Objects are only read through short-lived presigned links that the API hands out, and each hand-out is in the"
                        + " API access log; the objects are public data (digits of pi) that expire within days, so a second bucket"
                        + " of server access logs would add cost without adding an audit trail.");

        alarmTopic = Topic.Builder.create(this, "AlarmTopic")
                .displayName("pi-service alarms")
                .enforceSsl(true)
                .build();
        settings.alarmEmail().ifPresent(address -> alarmTopic.addSubscription(new EmailSubscription(address)));

        Map<String, String> environment = Map.of(
                "TABLE_NAME", table.getTableName(),
                "QUEUE_URL", queue.getQueueUrl(),
                "BUCKET_NAME", bucket.getBucketName(),
                "MAX_DIGITS", Integer.toString(settings.maxDigits()),
                "DOWNLOAD_URL_TTL_SECONDS", Integer.toString(settings.downloadUrlTtlSeconds()),
                "JOB_TTL_DAYS", Integer.toString(settings.jobTtlDays()));

        Role apiRole = functionRole("ApiFunctionRole", "pi-service api function");
        apiRole.addToPrincipalPolicy(PolicyStatement.Builder.create()
                .sid("JobRecords")
                // create, read, and withdraw a job whose message could not be queued; never update one
                .actions(List.of("dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:DeleteItem"))
                .resources(List.of(table.getTableArn()))
                .build());
        apiRole.addToPrincipalPolicy(PolicyStatement.Builder.create()
                .sid("EnqueueJobs")
                .actions(List.of("sqs:SendMessage"))
                .resources(List.of(queue.getQueueArn()))
                .build());
        apiRole.addToPrincipalPolicy(PolicyStatement.Builder.create()
                .sid("PresignResultDownloadsAndReadTheDigitStore")
                .actions(List.of("s3:GetObject"))
                .resources(List.of(bucket.arnForObjects(RESULTS_PREFIX + "*"), bucket.arnForObjects(DigitStoreNames.PREFIX + "*")))
                .build());
        apiRole.addToPrincipalPolicy(PolicyStatement.Builder.create()
                .sid("InstantJobResults")
                // a job the digit store covers gets its result as a copy of the store's prefix
                .actions(List.of("s3:PutObject", "s3:AbortMultipartUpload"))
                .resources(List.of(bucket.arnForObjects(RESULTS_PREFIX + "*")))
                .build());
        acknowledgeResultObjects(apiRole, "presigns GET links for result objects and copies the digit store's prefix"
                + " into the result of a job the store covers");
        acknowledgeStoreObjects(apiRole, "reads ranges of the digit store (GET /v1/pi, prefixes for instant jobs)");
        apiFunction = Function.Builder.create(this, "ApiFunction")
                .description("pi-service HTTP API behind API Gateway")
                .runtime(Runtime.JAVA_25)
                .architecture(Architecture.X86_64)
                .handler("org.piservice.api.ApiHandler::handleRequest")
                .code(Code.fromAsset(files.apiJar().toString()))
                .memorySize(settings.apiMemoryMb())
                .timeout(Duration.seconds(10))
                .snapStart(SnapStartConf.ON_PUBLISHED_VERSIONS)
                .tracing(Tracing.ACTIVE)
                .role(apiRole)
                .logGroup(functionLogGroup("ApiFunctionLogs", apiRole))
                .environment(environment)
                .build();
        acknowledgeXRay(apiRole);
        // API Gateway calls the alias, so that it reaches a SnapStart version.
        apiAlias = liveAlias("ApiFunctionLive", apiFunction);

        Role workerRole = functionRole("WorkerFunctionRole", "pi-service worker function");
        workerRole.addToPrincipalPolicy(PolicyStatement.Builder.create()
                .sid("JobRecords")
                .actions(List.of("dynamodb:GetItem", "dynamodb:UpdateItem"))
                .resources(List.of(table.getTableArn()))
                .build());
        workerRole.addToPrincipalPolicy(PolicyStatement.Builder.create()
                .sid("ResultAndDigitStoreObjects")
                .actions(List.of("s3:PutObject", "s3:AbortMultipartUpload", "s3:GetObject"))
                .resources(List.of(bucket.arnForObjects(RESULTS_PREFIX + "*"), bucket.arnForObjects(DigitStoreNames.PREFIX + "*")))
                .build());
        workerRole.addToPrincipalPolicy(PolicyStatement.Builder.create()
                .sid("SupersededDigitStoreObjects")
                .actions(List.of("s3:DeleteObject"))
                .resources(List.of(bucket.arnForObjects(DigitStoreNames.PREFIX + "*")))
                .build());
        acknowledgeResultObjects(workerRole, "writes each job's result object (a multipart upload) and checks its length");
        acknowledgeStoreObjects(workerRole, "writes longer digit stores, checks them against the current one and"
                + " deletes the one they replace");
        workerFunction = Function.Builder.create(this, "WorkerFunction")
                .description("pi-service job worker: computes digits of pi and streams them to S3")
                .runtime(Runtime.JAVA_25)
                .architecture(Architecture.X86_64)
                .handler("org.piservice.worker.WorkerHandler::handleRequest")
                .code(Code.fromAsset(files.workerJar().toString()))
                .memorySize(settings.workerMemoryMb())
                .timeout(Duration.seconds(settings.workerTimeoutSeconds()))
                .reservedConcurrentExecutions(settings.workerConcurrency())
                // The worker computes π a few times during the snapshot's init (EnginePriming), so that
                // restored workers start their first job with the engine already compiled.
                .snapStart(SnapStartConf.ON_PUBLISHED_VERSIONS)
                .tracing(Tracing.ACTIVE)
                .role(workerRole)
                .logGroup(functionLogGroup("WorkerFunctionLogs", workerRole))
                .environment(workerEnvironment(environment))
                .build();
        acknowledgeXRay(workerRole);
        // The queue feeds the alias, so that jobs reach a SnapStart version.
        workerAlias = liveAlias("WorkerFunctionLive", workerFunction);
        workerAlias.addEventSource(SqsEventSource.Builder.create(queue)
                // A job runs for minutes: one per invocation, so a failure or timeout touches one job only.
                .batchSize(1)
                .reportBatchItemFailures(true)
                // Polling no faster than the reserved concurrency keeps throttled receives from
                // counting towards maxReceiveCount and pushing healthy jobs into the DLQ.
                .maxConcurrency(settings.workerConcurrency())
                .build());

        api = restApi(settings, files);
        monitoring = new Monitoring(this, "Monitoring", settings, this);

        CfnOutput.Builder.create(this, "ApiUrl").description("Base URL of the pi-service API (the docs page is at this URL)")
                .value(api.getUrl()).build();
        CfnOutput.Builder.create(this, "ResultBucketName").value(bucket.getBucketName()).build();
        CfnOutput.Builder.create(this, "JobTableName").value(table.getTableName()).build();
        CfnOutput.Builder.create(this, "JobQueueUrl").value(queue.getQueueUrl()).build();
        CfnOutput.Builder.create(this, "DeadLetterQueueUrl").value(deadLetterQueue.getQueueUrl()).build();
        CfnOutput.Builder.create(this, "AlarmTopicArn").value(alarmTopic.getTopicArn()).build();
        CfnOutput.Builder.create(this, "DashboardName").value(monitoring.dashboard().getDashboardName()).build();
    }

    private SpecRestApi restApi(ServiceSettings settings, ProjectFiles files) {
        OpenApiDefinition definition = OpenApiDefinition.read(files.openApiDocument());
        String invocationUri = "arn:" + Aws.PARTITION + ":apigateway:" + Aws.REGION
                + ":lambda:path/2015-03-31/functions/" + apiAlias.getFunctionArn() + "/invocations";
        LogGroup accessLogs = LogGroup.Builder.create(this, "ApiAccessLogs")
                .retention(LOG_RETENTION)
                .removalPolicy(RemovalPolicy.DESTROY)
                .build();
        SpecRestApi restApi = SpecRestApi.Builder.create(this, "Api")
                .restApiName("pi-service")
                .description("Digits of pi as jobs")
                .apiDefinition(ApiDefinition.fromInline(definition.restApiBody(invocationUri,
                        ApiGatewayResponses.extension(settings.maxDigits()))))
                .endpointTypes(List.of(EndpointType.REGIONAL))
                .minCompressionSize(software.amazon.awscdk.Size.kibibytes(1))
                .cloudWatchRole(true)
                .cloudWatchRoleRemovalPolicy(RemovalPolicy.DESTROY)
                .deployOptions(StageOptions.builder()
                        .stageName(STAGE_NAME)
                        .throttlingRateLimit(settings.apiRateLimit())
                        .throttlingBurstLimit(settings.apiBurstLimit())
                        .tracingEnabled(true)
                        .metricsEnabled(true)
                        .loggingLevel(MethodLoggingLevel.ERROR)
                        .dataTraceEnabled(false)
                        .accessLogDestination(new LogGroupLogDestination(accessLogs))
                        .accessLogFormat(AccessLogFormat.custom(ApiGatewayResponses.ACCESS_LOG_FORMAT))
                        .build())
                .build();
        // The body is inline: without this a changed document would not be redeployed to the stage.
        restApi.getLatestDeployment().addToLogicalId(definition.source());
        apiAlias.addPermission("InvokeFromApiGateway", Permission.builder()
                .principal(new ServicePrincipal("apigateway.amazonaws.com"))
                .action("lambda:InvokeFunction")
                .sourceArn(restApi.arnForExecuteApi())
                .build());
        acknowledge(restApi, "AwsSolutions-APIG2",
                "Request validation is configured inside the OpenAPI body (x-amazon-apigateway-request-validators, applied to"
                        + " every operation), which cdk-nag does not read; it only looks for AWS::ApiGateway::RequestValidator resources.");
        acknowledge(restApi, "AwsSolutions-APIG3",
                "The stage throttles every client (rate and burst limits); a WAF web ACL would cost more per month than the service"
                        + " costs idle. Add one in front of the stage when the API becomes a target.");
        IConstruct cloudWatchRole = restApi.getNode().findChild("CloudWatchRole");
        acknowledge(cloudWatchRole, "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]",
                "API Gateway needs this account-level role to write the stage's access and execution logs; the AWS managed"
                        + " policy is the one AWS documents for it and is kept current by AWS.");
        return restApi;
    }

    private Role functionRole(String id, String description) {
        // No managed policies: the log and trace permissions are granted one by one below.
        return Role.Builder.create(this, id)
                .description(description)
                .assumedBy(new ServicePrincipal("lambda.amazonaws.com"))
                .build();
    }

    private LogGroup functionLogGroup(String id, IRole role) {
        LogGroup logs = LogGroup.Builder.create(this, id)
                .retention(LOG_RETENTION)
                .removalPolicy(RemovalPolicy.DESTROY)
                .build();
        logs.grantWrite(role);
        return logs;
    }

    private void acknowledgeXRay(Role role) {
        acknowledge(role.getNode().findChild("DefaultPolicy"), "AwsSolutions-IAM5[Resource::*]",
                "xray:PutTraceSegments and xray:PutTelemetryRecords, added for active tracing, support no resource-level"
                        + " permissions: AWS requires Resource \"*\" for them.");
    }

    private void acknowledgeResultObjects(Role role, String use) {
        acknowledge(role.getNode().findChild("DefaultPolicy"),
                "AwsSolutions-IAM5[Resource::<" + getLogicalId((CfnElement) bucket.getNode().getDefaultChild())
                        + ".Arn>/" + RESULTS_PREFIX + "*]",
                "The function " + use + "; the key of each object is results/<job id>/..., and job ids are only known at run"
                        + " time, so the grant is limited to the results/ prefix of this stack's bucket.");
    }

    private void acknowledgeStoreObjects(Role role, String use) {
        acknowledge(role.getNode().findChild("DefaultPolicy"),
                "AwsSolutions-IAM5[Resource::<" + getLogicalId((CfnElement) bucket.getNode().getDefaultChild())
                        + ".Arn>/" + DigitStoreNames.PREFIX + "*]",
                "The function " + use + "; the store's key names its length, known only at run time, so the grant"
                        + " is limited to the " + DigitStoreNames.PREFIX + " prefix of this stack's bucket.");
    }

    private static void acknowledge(IConstruct construct, String ruleId, String reason) {
        Validations.of(construct).acknowledge(Acknowledgment.builder().id(ruleId).reason(reason).build());
    }

    public Table table() {
        return table;
    }

    public Queue queue() {
        return queue;
    }

    public Queue deadLetterQueue() {
        return deadLetterQueue;
    }

    public Bucket bucket() {
        return bucket;
    }

    public Topic alarmTopic() {
        return alarmTopic;
    }

    public Function apiFunction() {
        return apiFunction;
    }

    public Alias apiAlias() {
        return apiAlias;
    }

    public Function workerFunction() {
        return workerFunction;
    }

    public Alias workerAlias() {
        return workerAlias;
    }

    public SpecRestApi api() {
        return api;
    }

    public Monitoring monitoring() {
        return monitoring;
    }

    /**
     * SnapStart snapshots published versions only: callers must invoke a version, here through the
     * alias {@code live}, which moves to a new version on every code or configuration change.
     */
    private Alias liveAlias(String id, Function function) {
        Annotations.of(function).acknowledgeWarning("@aws-cdk/aws-lambda:snapStartRequirePublish",
                "The alias live publishes a version of every code or configuration change.");
        return Alias.Builder.create(this, id).aliasName("live").version(function.getCurrentVersion()).build();
    }

    /**
     * The worker is one long computation, not a quick request: Lambda's Java runtime stops the JIT at
     * C1 for fast cold starts, which makes pi-core about 3x slower (3·10^6 digits: 16 s against 5.6 s
     * on one core), so the worker asks for C2; and the JVM's default heap (a quarter of memory) would
     * run out long before the memory the function pays for.
     */
    private static Map<String, String> workerEnvironment(Map<String, String> shared) {
        Map<String, String> environment = new HashMap<>(shared);
        environment.put("JAVA_TOOL_OPTIONS", "-XX:TieredStopAtLevel=4 -XX:MaxRAMPercentage=80");
        return Map.copyOf(environment);
    }
}
