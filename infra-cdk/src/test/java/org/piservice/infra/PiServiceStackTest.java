package org.piservice.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.piservice.infra.SynthesizedStack.getAtt;
import static org.piservice.infra.SynthesizedStack.ref;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.piservice.contract.Cors;
import org.piservice.contract.GatewayAnswers;
import org.piservice.contract.IdleInvocations;
import org.piservice.contract.JobDelivery;
import org.piservice.core.PiProcess;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

/** Template assertions on the synthesized stack, built from the jars Maven built and the real OpenAPI document. */
class PiServiceStackTest {

    private static SynthesizedStack synth;
    private static Template template;
    private static ServiceSettings settings;

    @BeforeAll
    static void synthesize() {
        synth = SynthesizedStack.get();
        template = synth.template;
        settings = SynthesizedStack.SETTINGS;
    }

    @Test
    void jobTableIsOnDemandKeyedByJobIdWithTtlRecoveryAndEncryption() {
        template.hasResourceProperties("AWS::DynamoDB::Table", Map.of(
                "KeySchema", List.of(Map.of("AttributeName", "job_id", "KeyType", "HASH")),
                "AttributeDefinitions", List.of(Map.of("AttributeName", "job_id", "AttributeType", "S"),
                        Map.of("AttributeName", "pending", "AttributeType", "S"),
                        Map.of("AttributeName", "deadline_at", "AttributeType", "N")),
                "GlobalSecondaryIndexes", List.of(Map.of(
                        "IndexName", "pending-by-deadline",
                        "KeySchema", List.of(Map.of("AttributeName", "pending", "KeyType", "HASH"),
                                Map.of("AttributeName", "deadline_at", "KeyType", "RANGE")),
                        "Projection", Map.of("ProjectionType", "ALL"))),
                "BillingMode", "PAY_PER_REQUEST",
                "TimeToLiveSpecification", Map.of("AttributeName", "expires_at", "Enabled", true),
                "PointInTimeRecoverySpecification", Map.of("PointInTimeRecoveryEnabled", true),
                "SSESpecification", Map.of("SSEEnabled", true)));
    }

    @Test
    void jobQueueHidesMessagesForSixWorkerTimeoutsAndHandsFailuresToTheDlq() {
        String dlq = synth.logicalId("AWS::SQS::Queue", "JobDeadLetterQueue");
        template.hasResourceProperties("AWS::SQS::Queue", Map.of(
                "VisibilityTimeout", 6 * settings.workerTimeoutSeconds(),
                "SqsManagedSseEnabled", true,
                "RedrivePolicy", Map.of(
                        "deadLetterTargetArn", getAtt(dlq, "Arn"),
                        "maxReceiveCount", JobDelivery.MAX_RECEIVE_COUNT)));
        template.hasResourceProperties("AWS::SQS::Queue", Map.of(
                "MessageRetentionPeriod", 14 * 24 * 3600,
                "SqsManagedSseEnabled", true,
                "RedrivePolicy", Match.absent()));
        assertThat(synth.resources("AWS::SQS::Queue")).hasSize(2);
    }

    @Test
    void bothQueuesRefuseRequestsWithoutTls() {
        assertThat(synth.resources("AWS::SQS::QueuePolicy")).hasSize(2);
        for (JsonNode policy : synth.resources("AWS::SQS::QueuePolicy").values()) {
            assertThat(deniesInsecureTransport(policy.at("/Properties/PolicyDocument"))).isTrue();
        }
    }

    @Test
    void resultBucketIsPrivateEncryptedTlsOnlyExpiresResultsAndLetsBrowsersRead() {
        template.hasResourceProperties("AWS::S3::Bucket", Map.of(
                "PublicAccessBlockConfiguration", Map.of("BlockPublicAcls", true, "BlockPublicPolicy", true,
                        "IgnorePublicAcls", true, "RestrictPublicBuckets", true),
                "BucketEncryption", Map.of("ServerSideEncryptionConfiguration", List.of(Map.of(
                        "ServerSideEncryptionByDefault", Map.of("SSEAlgorithm", "AES256")))),
                "OwnershipControls", Map.of("Rules", List.of(Map.of("ObjectOwnership", "BucketOwnerEnforced"))),
                "LifecycleConfiguration", Map.of("Rules", List.of(
                        Map.of("Prefix", "results/",
                                "ExpirationInDays", settings.jobTtlDays() + JobStore.RESULT_GRACE_DAYS,
                                "Status", "Enabled"),
                        // the whole bucket's: the digit store's uploads as well as the results'
                        Map.of("Id", "abort-incomplete-uploads",
                                "AbortIncompleteMultipartUpload", Map.of("DaysAfterInitiation", 1),
                                "Status", "Enabled"))),
                "CorsConfiguration", Map.of("CorsRules", List.of(Map.of(
                        "AllowedMethods", List.of("GET", "HEAD"),
                        "AllowedOrigins", List.of(Cors.ALLOWED_ORIGIN),
                        "ExposedHeaders", List.of("Content-Disposition", "Content-Length"),
                        "MaxAge", 3600)))));
        assertThat(deniesInsecureTransport(synth.only("AWS::S3::BucketPolicy").at("/Properties/PolicyDocument"))).isTrue();
    }

    @Test
    void apiFunctionRunsJava25WithSnapStartFromTheBuiltJar() {
        template.hasResourceProperties("AWS::Lambda::Function", Map.of(
                "Handler", "org.piservice.api.ApiHandler::handleRequest",
                "Runtime", "java25",
                "MemorySize", settings.apiMemoryMb(),
                "SnapStart", Map.of("ApplyOn", "PublishedVersions"),
                "TracingConfig", Map.of("Mode", "Active"),
                "Code", Map.of("S3Key", Match.stringLikeRegexp(".*\\.jar"))));
        assertLiveAliasOnAPublishedVersion("ApiFunction");
    }

    @Test
    void workerFunctionRunsJava25WithItsTimeoutMemoryAndReservedConcurrency() {
        template.hasResourceProperties("AWS::Lambda::Function", Map.of(
                "Handler", "org.piservice.worker.WorkerHandler::handleRequest",
                "Runtime", "java25",
                "MemorySize", settings.workerMemoryMb(),
                "Timeout", settings.workerTimeoutSeconds(),
                // one more than the queue's, for the daily invocation that keeps it active
                "ReservedConcurrentExecutions", settings.workerConcurrency() + 1,
                "SnapStart", Map.of("ApplyOn", "PublishedVersions"),
                "Code", Map.of("S3Key", Match.stringLikeRegexp(".*\\.jar"))));
        assertLiveAliasOnAPublishedVersion("WorkerFunction");
    }

    /** SnapStart applies to published versions only: an alias `live` must point at one of the function's. */
    private void assertLiveAliasOnAPublishedVersion(String function) {
        String functionId = synth.logicalId("AWS::Lambda::Function", function);
        List<String> versions = synth.resources("AWS::Lambda::Version").entrySet().stream()
                .filter(entry -> entry.getValue().at("/Properties/FunctionName/Ref").asText().equals(functionId))
                .map(Map.Entry::getKey)
                .toList();
        assertThat(versions).hasSize(1);
        template.hasResourceProperties("AWS::Lambda::Alias", Map.of(
                "Name", "live",
                "FunctionName", ref(functionId),
                "FunctionVersion", getAtt(versions.getFirst(), "Version")));
    }

    @Test
    void bothFunctionsGetTheSameConfiguration() {
        Map<String, Object> expected = Map.of(
                "TABLE_NAME", ref(synth.logicalId("AWS::DynamoDB::Table", "JobTable")),
                "QUEUE_URL", ref(synth.logicalId("AWS::SQS::Queue", "JobQueue")),
                "BUCKET_NAME", ref(synth.logicalId("AWS::S3::Bucket", "ResultBucket")),
                "MAX_DIGITS", Integer.toString(settings.maxDigits()),
                "DOWNLOAD_URL_TTL_SECONDS", Integer.toString(settings.downloadUrlTtlSeconds()),
                "JOB_TTL_DAYS", Integer.toString(settings.jobTtlDays()),
                "WORKER_CONCURRENCY", Integer.toString(settings.workerConcurrency()),
                "WORKER_MEMORY_MB", Integer.toString(settings.workerMemoryMb()),
                "POWERTOOLS_SERVICE_NAME", "pi-service");
        template.hasResourceProperties("AWS::Lambda::Function", Map.of(
                "Handler", "org.piservice.api.ApiHandler::handleRequest",
                "Environment", Map.of("Variables", expected)));
        Map<String, Object> worker = new HashMap<>(expected);
        worker.put("JAVA_TOOL_OPTIONS", String.join(" ", PiProcess.ENGINE_JVM_OPTIONS)
                + " -XX:TieredStopAtLevel=4 -Xmx256m -XX:+UseSerialGC");
        template.hasResourceProperties("AWS::Lambda::Function", Map.of(
                "Handler", "org.piservice.worker.WorkerHandler::handleRequest",
                "Environment", Map.of("Variables", worker)));
    }

    @Test
    void functionsLogToTheirOwnLogGroupsWithRetention() {
        for (String function : List.of("ApiFunction", "WorkerFunction")) {
            JsonNode properties = synth.json.at("/Resources/" + synth.logicalId("AWS::Lambda::Function", function) + "/Properties");
            String logGroup = properties.at("/LoggingConfig/LogGroup/Ref").asText();
            assertThat(synth.json.at("/Resources/" + logGroup + "/Properties/RetentionInDays").asInt()).isEqualTo(30);
        }
        assertThat(synth.resources("AWS::Logs::LogGroup")).hasSize(6);
    }

    @Test
    void theStagesExecutionLogsAreTheStacksWithRetention() {
        // API Gateway would make the group itself at the first error, kept forever and past the stack
        String group = synth.resources("AWS::Logs::LogGroup").keySet().stream()
                .filter(id -> id.startsWith("ApiExecutionLogs")).findFirst().orElseThrow();
        JsonNode properties = synth.json.at("/Resources/" + group + "/Properties");
        assertThat(properties.get("RetentionInDays").asInt()).isEqualTo(30);
        assertThat(properties.get("LogGroupName").toString()).contains("API-Gateway-Execution-Logs_",
                synth.logicalId("AWS::ApiGateway::RestApi", "Api"), "/" + Api.STAGE_NAME);
        assertThat(synth.json.at("/Resources/" + synth.logicalId("AWS::ApiGateway::Stage", "ApiDeploymentStage" + Api.STAGE_NAME)
                + "/DependsOn").toString()).contains(group);
    }

    @Test
    void theDeadLetterQueueHasAConsumerAndTheSweeperRunsEveryFiveMinutes() {
        template.hasResourceProperties("AWS::Lambda::EventSourceMapping", Map.of(
                "EventSourceArn", getAtt(synth.logicalId("AWS::SQS::Queue", "JobDeadLetterQueue"), "Arn"),
                "FunctionResponseTypes", List.of("ReportBatchItemFailures"),
                "ScalingConfig", Map.of("MaximumConcurrency", 2)));
        template.hasResourceProperties("AWS::Lambda::Function", Map.of(
                "Handler", "org.piservice.worker.DeadLetterHandler::handleRequest"));
        template.hasResourceProperties("AWS::Lambda::Function", Map.of(
                "Handler", "org.piservice.worker.SweeperHandler::handleRequest", "ReservedConcurrentExecutions", 1));
        template.hasResourceProperties("AWS::Events::Rule", Map.of("ScheduleExpression", "rate(5 minutes)"));
        // the schedule's invocations of the alias are not retried: the next sweep is
        JsonNode noRetries = synth.only("AWS::Lambda::EventInvokeConfig").get("Properties");
        assertThat(noRetries.get("MaximumRetryAttempts").asInt()).isZero();
        assertThat(noRetries.at("/FunctionName/Ref").asText()).isEqualTo(synth.logicalId("AWS::Lambda::Function", "SweeperFunction"));
        assertThat(noRetries.get("Qualifier").toString()).contains(synth.logicalId("AWS::Lambda::Alias", "SweeperFunctionLive"));
    }

    @Test
    void theFunctionsThatMayWaitWeeksForWorkAreInvokedDailyWithNothingToDo() throws Exception {
        // so that their SnapStart versions stay Active; the sweeper runs every five minutes
        ObjectMapper json = new ObjectMapper();
        Map<String, JsonNode> daily = new HashMap<>();
        for (JsonNode rule : synth.resources("AWS::Events::Rule").values()) {
            if (rule.at("/Properties/ScheduleExpression").asText().equals("rate(1 day)")) {
                for (JsonNode target : rule.at("/Properties/Targets")) {
                    daily.put(target.at("/Arn/Ref").asText(), json.readTree(target.get("Input").asText()));
                }
            }
        }
        assertThat(daily).isEqualTo(Map.of(
                synth.logicalId("AWS::Lambda::Alias", "ApiFunctionLive"), json.readTree(IdleInvocations.DOCS_PAGE),
                synth.logicalId("AWS::Lambda::Alias", "WorkerFunctionLive"), json.readTree(IdleInvocations.NO_MESSAGES),
                synth.logicalId("AWS::Lambda::Alias", "DeadLetterFunctionLive"), json.readTree(IdleInvocations.NO_MESSAGES)));
    }

    @Test
    void eachQueueHidesAReceivedMessageForSixTimeoutsOfTheFunctionItFeeds() {
        // Lambda refuses an event source whose queue hides a message for less than one: the stack
        // would not deploy. AWS advises six, so that a throttled function's retries fit too.
        Map<String, JsonNode> mappings = synth.resources("AWS::Lambda::EventSourceMapping");
        assertThat(mappings).hasSize(2);
        for (JsonNode mapping : mappings.values()) {
            String queue = mapping.at("/Properties/EventSourceArn/Fn::GetAtt/0").asText();
            String alias = mapping.at("/Properties/FunctionName").findValuesAsText("Ref").getFirst();
            String function = synth.json.at("/Resources/" + alias + "/Properties/FunctionName/Ref").asText();
            int timeout = synth.json.at("/Resources/" + function + "/Properties/Timeout").asInt();
            assertThat(synth.json.at("/Resources/" + queue + "/Properties/VisibilityTimeout").asInt(30))
                    .as("%s feeding %s", queue, function).isEqualTo(JobDelivery.VISIBILITY_TIMEOUTS_PER_RUN * timeout);
        }
    }

    @Test
    void aWebAclOnTheStageRefusesOversizedBodiesCompressedOrNotAndEachClientItsRequestsBeyondItsLimitAMinute() throws Exception {
        String acl = "ApiWebAcl"; // a resource made at the stack's top keeps its construct id
        Map<String, String> cors = Map.of("Name", "Access-Control-Allow-Origin", "Value", Cors.ALLOWED_ORIGIN);
        template.hasResourceProperties("AWS::WAFv2::WebACL", Map.of(
                "Scope", "REGIONAL",
                "DefaultAction", Map.of("Allow", Map.of()),
                "Rules", List.of(
                        Match.objectLike(Map.of(
                                "Statement", Map.of("SizeConstraintStatement", Map.of(
                                        "FieldToMatch", Map.of("Body", Map.of("OversizeHandling", "MATCH")),
                                        "ComparisonOperator", "GT", "Size", 8192,
                                        "TextTransformations", List.of(Map.of("Priority", 0, "Type", "NONE")))),
                                "Action", Map.of("Block", Map.of("CustomResponse", Map.of(
                                        "ResponseCode", 413, "CustomResponseBodyKey", "bodyTooLarge",
                                        "ResponseHeaders", List.of(cors)))))),
                        Match.objectLike(Map.of(
                                "Statement", Map.of("AndStatement", Map.of("Statements", List.of(
                                        Map.of("SizeConstraintStatement", Map.of(
                                                "FieldToMatch", Map.of("SingleHeader", Map.of("Name", "content-encoding")),
                                                "ComparisonOperator", "GT", "Size", 0,
                                                "TextTransformations", List.of(Map.of("Priority", 0, "Type", "NONE")))),
                                        Map.of("SizeConstraintStatement", Map.of(
                                                "FieldToMatch", Map.of("Body", Map.of("OversizeHandling", "MATCH")),
                                                "ComparisonOperator", "GT", "Size", 512,
                                                "TextTransformations", List.of(Map.of("Priority", 0, "Type", "NONE"))))))),
                                "Action", Map.of("Block", Map.of("CustomResponse", Map.of(
                                        "ResponseCode", 413, "CustomResponseBodyKey", "bodyTooLarge",
                                        "ResponseHeaders", List.of(cors)))))),
                        Match.objectLike(Map.of(
                                "Statement", Map.of("RateBasedStatement", Map.of("AggregateKeyType", "IP",
                                        "EvaluationWindowSec", 60, "Limit", settings.clientRequestsPerMinute())),
                                "Action", Map.of("Block", Map.of("CustomResponse", Map.of(
                                        "ResponseCode", 429, "CustomResponseBodyKey", "tooManyRequests",
                                        "ResponseHeaders", Match.arrayWith(List.of(
                                                Map.of("Name", "Retry-After", "Value", "60"), cors))))))))));
        ObjectMapper json = new ObjectMapper();
        JsonNode bodies = synth.json.at("/Resources/" + acl + "/Properties/CustomResponseBodies");
        assertThat(json.readTree(bodies.at("/bodyTooLarge/Content").asText()).get("error").asText())
                .isEqualTo(ApiWebAcl.TOO_LARGE);
        JsonNode tooMany = json.readTree(bodies.at("/tooManyRequests/Content").asText());
        assertThat(tooMany.get("error").asText()).isEqualTo(GatewayAnswers.TOO_MANY_FROM_ADDRESS);
        assertThat(tooMany.get(GatewayAnswers.REQUEST_LIMIT_PER_MINUTE).asInt()).isEqualTo(settings.clientRequestsPerMinute());
        JsonNode association = synth.only("AWS::WAFv2::WebACLAssociation").get("Properties");
        assertThat(association.get("WebACLArn").toString()).isEqualTo("{\"Fn::GetAtt\":[\"" + acl + "\",\"Arn\"]}");
        assertThat(association.get("ResourceArn").toString())
                .contains(synth.logicalId("AWS::ApiGateway::Stage", "ApiDeploymentStage" + Api.STAGE_NAME));
    }

    @Test
    void aDeploymentWithoutAClientLimitHasNoWebAcl() {
        App app = new App(AppProps.builder().context(Map.of("clientRequestsPerMinute", "0")).build());
        Template withoutLimit = Template.fromStack(
                PiServiceApp.stack(app, ServiceSettings.fromContext(app.getNode()), ProjectFiles.in(Path.of(".."))));
        withoutLimit.resourceCountIs("AWS::WAFv2::WebACL", 0);
        withoutLimit.resourceCountIs("AWS::WAFv2::WebACLAssociation", 0);
    }

    @Test
    void theAccountsApiGatewayLoggingRoleOutlivesTheStack() {
        // The account's setting names the role for every REST API in the region, this stack's or not.
        JsonNode role = synth.json.at("/Resources/" + synth.logicalId("AWS::IAM::Role", "ApiCloudWatchRole"));
        assertThat(role.get("DeletionPolicy").asText()).isEqualTo("Retain");
        assertThat(synth.only("AWS::ApiGateway::Account").get("DeletionPolicy").asText()).isEqualTo("Retain");
    }

    @Test
    void workerAliasConsumesTheQueueOneJobAtATimeReportingItemFailures() {
        template.hasResourceProperties("AWS::Lambda::EventSourceMapping", Map.of(
                "EventSourceArn", getAtt(synth.logicalId("AWS::SQS::Queue", "JobQueue"), "Arn"),
                "BatchSize", 1,
                "FunctionResponseTypes", List.of("ReportBatchItemFailures"),
                "ScalingConfig", Map.of("MaximumConcurrency", settings.workerConcurrency())));
        // The alias's ARN, taken apart into function name and alias: jobs reach the SnapStart version.
        JsonNode target = synth.resources("AWS::Lambda::EventSourceMapping").values().stream()
                .filter(mapping -> mapping.at("/Properties/EventSourceArn").toString().contains(synth.logicalId("AWS::SQS::Queue", "JobQueue")))
                .findFirst().orElseThrow().at("/Properties/FunctionName");
        assertThat(target.findValuesAsText("Ref")).containsOnly(synth.logicalId("AWS::Lambda::Alias", "WorkerFunctionLive"));
    }

    @Test
    void restApiIsTheOpenApiDocumentWiredToTheApiAlias() {
        JsonNode body = synth.only("AWS::ApiGateway::RestApi").at("/Properties/Body");
        String alias = synth.logicalId("AWS::Lambda::Alias", "ApiFunctionLive");

        assertThat(body.at("/info/title").asText()).isEqualTo("pi-service");
        assertThat(SynthesizedStack.names(body.get("paths")))
                .contains("/pi_job", "/pi_job/{job_id}", "/download_pi_job/{job_id}", "/", "/openapi.yaml");
        JsonNode uri = body.at("/paths/~1pi_job/post/x-amazon-apigateway-integration/uri/Fn::Join/1");
        assertThat(uri.toString()).contains("{\"Ref\":\"" + alias + "\"}").contains("/invocations");
        assertThat(body.has("x-amazon-apigateway-request-validators")).isFalse();
        assertThat(body.at("/x-amazon-apigateway-gateway-responses/THROTTLED/statusCode").asText()).isEqualTo("429");
        // any origin may read API Gateway's own answers and preflights, as the function's own answers
        body.get("x-amazon-apigateway-gateway-responses").properties().forEach(response -> assertThat(response.getValue()
                .at("/responseParameters/gatewayresponse.header.Access-Control-Allow-Origin").asText())
                .as(response.getKey()).isEqualTo("'*'"));
        assertThat(body.at("/paths/~1pi_job/options/x-amazon-apigateway-integration/responses/default/responseParameters")
                .get("method.response.header.Access-Control-Allow-Origin").asText()).isEqualTo("'*'");
        template.hasResourceProperties("AWS::ApiGateway::RestApi", Map.of(
                "EndpointConfiguration", Map.of("Types", List.of("REGIONAL"))));
        // gateway responses live in the body: separate resources would be dropped by the next body update
        template.resourceCountIs("AWS::ApiGateway::GatewayResponse", 0);
    }

    @Test
    void onlyThisApiMayInvokeTheAlias() {
        List<JsonNode> fromApiGateway = synth.resources("AWS::Lambda::Permission").values().stream()
                .map(resource -> resource.get("Properties"))
                .filter(properties -> properties.get("Principal").asText().equals("apigateway.amazonaws.com")).toList();
        assertThat(fromApiGateway).hasSize(1);
        JsonNode permission = fromApiGateway.getFirst();

        assertThat(permission.get("FunctionName").get("Ref").asText()).isEqualTo(synth.logicalId("AWS::Lambda::Alias", "ApiFunctionLive"));
        assertThat(permission.get("SourceArn").toString()).contains(synth.logicalId("AWS::ApiGateway::RestApi", "Api"));
    }

    @Test
    void stageThrottlesTracesAndWritesJsonAccessLogs() {
        String accessLogs = synth.resources("AWS::Logs::LogGroup").keySet().stream()
                .filter(id -> id.startsWith("ApiAccessLogs")).findFirst().orElseThrow();
        template.hasResourceProperties("AWS::ApiGateway::Stage", Map.of(
                "StageName", Api.STAGE_NAME,
                "TracingEnabled", true,
                "AccessLogSetting", Map.of(
                        "DestinationArn", getAtt(accessLogs, "Arn"),
                        "Format", ApiGatewayResponses.ACCESS_LOG_FORMAT),
                "MethodSettings", List.of(Map.of(
                        "HttpMethod", "*",
                        "ResourcePath", "/*",
                        "ThrottlingRateLimit", settings.apiRateLimit(),
                        "ThrottlingBurstLimit", settings.apiBurstLimit(),
                        "LoggingLevel", "ERROR",
                        "DataTraceEnabled", false,
                        "MetricsEnabled", false))));
    }

    @Test
    void stageServesTheLatestDeployment() {
        String deployment = synth.resources("AWS::ApiGateway::Deployment").keySet().iterator().next();

        assertThat(synth.json.at("/Resources/" + synth.logicalId("AWS::ApiGateway::Stage", "ApiDeploymentStage" + Api.STAGE_NAME)
                + "/Properties/DeploymentId/Ref").asText()).isEqualTo(deployment);
        // a hash of the REST API's body is part of its logical id
        assertThat(deployment).matches("ApiDeployment[0-9A-F]{8}[0-9a-f]{32}");
    }

    @Test
    void aChangeOfTheGatewaysOwnAnswersAloneIsANewDeployment() {
        // GIVEN the REST API's body, and the same body with one gateway response's text changed
        OpenApiDefinition document = OpenApiDefinition.read(Path.of("../api-lambda/src/main/resources/openapi.yaml"));
        String uri = "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012"
                + ":function:f:live/invocations";
        Map<String, Object> answers = ApiGatewayResponses.extension();
        Map<String, Object> changed = new LinkedHashMap<>(answers);
        changed.put("THROTTLED", Map.of("statusCode", "429", "responseTemplates", Map.of("application/json", "{}")));

        // WHEN each is a stack's REST API
        // THEN the stage of each serves a deployment of its own: the changed answers reach the stage
        assertThat(deploymentOf(document.restApiBody(uri, changed))).isNotEqualTo(deploymentOf(document.restApiBody(uri, answers)));
    }

    private static String deploymentOf(Map<String, Object> body) {
        Stack stack = new Stack(new App(), "Probe");
        Api.restApi(stack, ServiceSettings.defaults(), body);
        return Template.fromStack(stack).findResources("AWS::ApiGateway::Deployment").keySet().iterator().next();
    }

    @Test
    void alarmTopicIsTlsOnlyAndMailsTheGivenAddress() {
        template.hasResourceProperties("AWS::SNS::Subscription", Map.of(
                "Protocol", "email",
                "Endpoint", SynthesizedStack.ALARM_EMAIL,
                "TopicArn", ref(synth.logicalId("AWS::SNS::Topic", "AlarmTopic"))));
        JsonNode policy = synth.only("AWS::SNS::TopicPolicy").at("/Properties/PolicyDocument");
        assertThat(deniesInsecureTransport(policy)).isTrue();
        // that policy replaces SNS's default one, so it must let this account's alarms publish
        JsonNode alarmsPublish = SynthesizedStack.list(policy.get("Statement")).stream()
                .filter(statement -> statement.path("Effect").asText().equals("Allow")).findFirst().orElseThrow();
        assertThat(alarmsPublish.at("/Principal/Service").asText()).isEqualTo("cloudwatch.amazonaws.com");
        assertThat(alarmsPublish.get("Action").asText()).isEqualTo("sns:Publish");
        assertThat(alarmsPublish.at("/Condition/StringEquals/aws:SourceAccount/Ref").asText()).isEqualTo("AWS::AccountId");
        assertThat(alarmsPublish.at("/Condition/ArnLike/aws:SourceArn").toString()).contains(":cloudwatch:", ":alarm:*");
    }

    @Test
    void outputsTellWhereTheServiceIs() {
        assertThat(SynthesizedStack.names(synth.json.get("Outputs"))).contains("ApiUrl", "ResultBucketName", "JobTableName",
                "JobQueueUrl", "DeadLetterQueueUrl", "AlarmTopicArn", "DashboardName");
        assertThat(synth.json.at("/Outputs/ApiUrl/Value").toString())
                .contains("execute-api").contains(synth.logicalId("AWS::ApiGateway::Stage", "ApiDeploymentStage" + Api.STAGE_NAME));
    }

    @Test
    void stackIsEnvironmentAgnostic() {
        assertThat(synth.stack.getEnvironment()).isEqualTo("aws://unknown-account/unknown-region");
    }

    static boolean deniesInsecureTransport(JsonNode policyDocument) {
        for (JsonNode statement : SynthesizedStack.list(policyDocument.get("Statement"))) {
            if (statement.path("Effect").asText().equals("Deny")
                    && statement.at("/Condition/Bool/aws:SecureTransport").asText().equals("false")) {
                return true;
            }
        }
        return false;
    }
}
