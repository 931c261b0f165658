package org.piservice.infra;

import java.util.List;
import java.util.Map;
import org.piservice.contract.GatewayAnswers;
import org.piservice.contract.IdleInvocations;
import org.piservice.contract.Storage;
import software.amazon.awscdk.Aws;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Size;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.apigateway.AccessLogFormat;
import software.amazon.awscdk.services.apigateway.ApiDefinition;
import software.amazon.awscdk.services.apigateway.EndpointType;
import software.amazon.awscdk.services.apigateway.LogGroupLogDestination;
import software.amazon.awscdk.services.apigateway.MethodLoggingLevel;
import software.amazon.awscdk.services.apigateway.SpecRestApi;
import software.amazon.awscdk.services.apigateway.StageOptions;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.lambda.Alias;
import software.amazon.awscdk.services.lambda.Permission;
import software.amazon.awscdk.services.logs.LogGroup;
import software.constructs.IConstruct;

/**
 * The public API: the REST API generated from the OpenAPI document ({@link OpenApiDefinition}), its
 * stage with throttling (of all clients together, and of each by {@link ApiWebAcl}), tracing
 * and JSON access logs, and the api function behind it, which may
 * record, enqueue and withdraw jobs, read the open ones, and presign links to their results.
 */
final class Api {

    static final String STAGE_NAME = "v1";

    private final SpecRestApi restApi;

    /** Adds the resources to {@code stack} itself (see {@link PiServiceStack} for why). */
    Api(Stack stack, ServiceSettings settings, ProjectFiles files, JobStore jobs, Map<String, String> environment) {
        Role role = JavaFunctions.role(stack, "ApiFunctionRole", "pi-service api function");
        // create, read, cancel (one conditional update), and withdraw a job whose message could not be queued
        jobs.allowJobRecords(role, "JobRecords",
                List.of("dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"));
        // the backlog ahead of a new job, which it refuses when that would keep it past its deadline
        jobs.allowOpenJobs(role, "ReadBacklog");
        role.addToPrincipalPolicy(PolicyStatement.Builder.create()
                .sid("EnqueueJobs")
                .actions(List.of("sqs:SendMessage"))
                .resources(List.of(jobs.queue().getQueueArn()))
                .build());
        jobs.allowObjects(role, "PresignResultsAndReadTheDigitStore", List.of("s3:GetObject"),
                List.of(Storage.RESULT_PREFIX, Storage.DIGIT_STORE_PREFIX),
                "presigns GET links for result objects and reads ranges of the digit store (GET /v1/pi, instant jobs)");
        jobs.allowObjects(role, "InstantJobResults", List.of("s3:PutObject", "s3:AbortMultipartUpload"),
                List.of(Storage.RESULT_PREFIX), "copies the digit store's prefix into the result of a job the store covers");
        // a digit store replaced while it was read is read again from the new one (DigitStore)
        jobs.allowTellingMissingObjects(role);
        var function = JavaFunctions.builder(stack, "ApiFunction", role, files.apiJar())
                .description("pi-service HTTP API behind API Gateway")
                .handler("org.piservice.api.ApiHandler::handleRequest")
                .memorySize(settings.apiMemoryMb())
                .timeout(Duration.seconds(GatewayAnswers.API_TIMEOUT_SECONDS))
                .environment(environment)
                .build();
        JavaFunctions.acknowledgeXRay(role);
        // API Gateway calls the alias, so that it reaches a SnapStart version.
        Alias alias = JavaFunctions.liveAlias(stack, "ApiFunctionLive", function);

        String invocationUri = "arn:" + Aws.PARTITION + ":apigateway:" + Aws.REGION
                + ":lambda:path/2015-03-31/functions/" + alias.getFunctionArn() + "/invocations";
        restApi = restApi(stack, settings, OpenApiDefinition.read(files.openApiDocument())
                .restApiBody(invocationUri, ApiGatewayResponses.extension()));
        alias.addPermission("InvokeFromApiGateway", Permission.builder()
                .principal(new ServicePrincipal("apigateway.amazonaws.com"))
                .action("lambda:InvokeFunction")
                .sourceArn(restApi.arnForExecuteApi())
                .build());
        JavaFunctions.keepActive(stack, "ApiFunctionKeptActive", alias, IdleInvocations.DOCS_PAGE);
    }

    /** The REST API of {@code body}, the document with its integrations and gateway responses. */
    static SpecRestApi restApi(Stack stack, ServiceSettings settings, Map<String, Object> body) {
        LogGroup accessLogs = LogGroup.Builder.create(stack, "ApiAccessLogs")
                .retention(JavaFunctions.LOG_RETENTION)
                .removalPolicy(RemovalPolicy.DESTROY)
                .build();
        SpecRestApi restApi = SpecRestApi.Builder.create(stack, "Api")
                .restApiName("pi-service")
                .description("Digits of pi as jobs")
                .apiDefinition(ApiDefinition.fromInline(body))
                .endpointTypes(List.of(EndpointType.REGIONAL))
                .minCompressionSize(Size.kibibytes(1))
                // Kept when the stack goes (CDK's default): the account's logging setting, which every REST
                // API in the region logs through, goes on pointing at it.
                .cloudWatchRole(true)
                .deployOptions(StageOptions.builder()
                        .stageName(STAGE_NAME)
                        .throttlingRateLimit(settings.apiRateLimit())
                        .throttlingBurstLimit(settings.apiBurstLimit())
                        .tracingEnabled(true)
                        // per-method metrics are billed per metric, and no alarm or graph reads them
                        .metricsEnabled(false)
                        .loggingLevel(MethodLoggingLevel.ERROR)
                        .dataTraceEnabled(false)
                        .accessLogDestination(new LogGroupLogDestination(accessLogs))
                        .accessLogFormat(AccessLogFormat.custom(ApiGatewayResponses.ACCESS_LOG_FORMAT))
                        .build())
                .build();
        // No addToLogicalId for the inline body: CDK hashes the whole RestApi resource, body and all, into
        // the deployment's logical id, so any change of it is a new deployment (PiServiceStackTest).
        // API Gateway would make the stage's execution log group itself, kept forever and outside the stack.
        LogGroup executionLogs = LogGroup.Builder.create(stack, "ApiExecutionLogs")
                .logGroupName("API-Gateway-Execution-Logs_" + restApi.getRestApiId() + "/" + STAGE_NAME)
                .retention(JavaFunctions.LOG_RETENTION)
                .removalPolicy(RemovalPolicy.DESTROY)
                .build();
        restApi.getDeploymentStage().getNode().addDependency(executionLogs);
        Acknowledge.rule(restApi, "AwsSolutions-APIG2",
                "The api function validates every request itself, with one message per problem; a gateway validator in front"
                        + " of it would answer bad bodies with one generic message, and deployed clients would get other answers than"
                        + " local ones. The gateway passes every routed request through (see OpenApiDefinition).");
        if (settings.clientRequestsPerMinute() > 0) {
            ApiWebAcl.attach(stack, restApi.getDeploymentStage(), settings.clientRequestsPerMinute());
        } else {
            Acknowledge.rule(restApi, "AwsSolutions-APIG3",
                    "This deployment chose no web ACL (clientRequestsPerMinute=0): the stage's throttling, which counts all"
                            + " clients together, is its only rate limit. The default deployment has one (ApiWebAcl).");
        }
        IConstruct cloudWatchRole = restApi.getNode().findChild("CloudWatchRole");
        Acknowledge.rule(cloudWatchRole, "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]",
                "API Gateway needs this account-level role to write the stage's access and execution logs; the AWS managed"
                        + " policy is the one AWS documents for it and is kept current by AWS.");
        return restApi;
    }

    SpecRestApi restApi() {
        return restApi;
    }
}
