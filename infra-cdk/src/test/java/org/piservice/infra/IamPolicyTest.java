package org.piservice.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Least privilege, read from the synthesized template: each function's role allows exactly the
 * actions its code uses, on this stack's resources, and "*" only where AWS offers nothing narrower.
 */
class IamPolicyTest {

    /** X-Ray's write actions have no resource-level permissions. */
    private static final Set<String> ACTIONS_THAT_REQUIRE_ANY_RESOURCE =
            Set.of("xray:PutTraceSegments", "xray:PutTelemetryRecords");

    private static SynthesizedStack synth;

    @BeforeAll
    static void synthesize() {
        synth = SynthesizedStack.get();
    }

    @Test
    void apiFunctionMayOnlyRecordAndCancelJobsReadTheBacklogEnqueueJobsAndPresignResults() {
        assertThat(grants("ApiFunctionRole")).isEqualTo(new TreeMap<>(Map.ofEntries(
                Map.entry("dynamodb:DeleteItem", table()), Map.entry("dynamodb:GetItem", table()),
                Map.entry("dynamodb:PutItem", table()), Map.entry("dynamodb:UpdateItem", table()),
                Map.entry("dynamodb:Query", openJobsIndex()),
                Map.entry("sqs:SendMessage", queueArn()),
                Map.entry("s3:GetObject", resultAndStoreObjects()),
                Map.entry("s3:PutObject", resultObjects()), Map.entry("s3:AbortMultipartUpload", resultObjects()),
                Map.entry("s3:ListBucket", bucketArn()),
                Map.entry("logs:CreateLogStream", logGroup("ApiFunction")),
                Map.entry("logs:PutLogEvents", logGroup("ApiFunction")),
                Map.entry("xray:PutTelemetryRecords", "\"*\""), Map.entry("xray:PutTraceSegments", "\"*\""))));
    }

    @Test
    void workerFunctionMayOnlyConsumeJobsUpdateThemAndWriteResults() {
        assertThat(grants("WorkerFunctionRole")).isEqualTo(new TreeMap<>(Map.ofEntries(
                Map.entry("dynamodb:GetItem", table()), Map.entry("dynamodb:UpdateItem", table()),
                Map.entry("s3:PutObject", resultAndStoreObjects()),
                Map.entry("s3:AbortMultipartUpload", resultAndStoreObjects()),
                Map.entry("s3:GetObject", resultAndStoreObjects()),
                Map.entry("s3:DeleteObject", storeObjects()),
                Map.entry("s3:ListBucket", bucketArn()),
                // what the SQS event source mapping needs to poll and delete on the function's behalf
                Map.entry("sqs:ReceiveMessage", queueArn()), Map.entry("sqs:DeleteMessage", queueArn()),
                Map.entry("sqs:ChangeMessageVisibility", queueArn()), Map.entry("sqs:GetQueueAttributes", queueArn()),
                Map.entry("sqs:GetQueueUrl", queueArn()),
                Map.entry("logs:CreateLogStream", logGroup("WorkerFunction")),
                Map.entry("logs:PutLogEvents", logGroup("WorkerFunction")),
                Map.entry("xray:PutTelemetryRecords", "\"*\""), Map.entry("xray:PutTraceSegments", "\"*\""))));
    }

    @Test
    void deadLetterConsumerMayOnlyReadAndFailJobsAndConsumeTheDeadLetterQueue() {
        assertThat(grants("DeadLetterFunctionRole")).isEqualTo(new TreeMap<>(Map.ofEntries(
                Map.entry("dynamodb:GetItem", table()), Map.entry("dynamodb:UpdateItem", table()),
                Map.entry("sqs:ReceiveMessage", deadLetterQueueArn()), Map.entry("sqs:DeleteMessage", deadLetterQueueArn()),
                Map.entry("sqs:ChangeMessageVisibility", deadLetterQueueArn()),
                Map.entry("sqs:GetQueueAttributes", deadLetterQueueArn()), Map.entry("sqs:GetQueueUrl", deadLetterQueueArn()),
                Map.entry("logs:CreateLogStream", logGroup("DeadLetterFunction")),
                Map.entry("logs:PutLogEvents", logGroup("DeadLetterFunction")),
                Map.entry("xray:PutTelemetryRecords", "\"*\""), Map.entry("xray:PutTraceSegments", "\"*\""))));
    }

    @Test
    void sweeperMayOnlyReadOpenJobsAndTheDigitStoreUpdateThemAndSendTheirMessages() {
        assertThat(grants("SweeperFunctionRole")).isEqualTo(new TreeMap<>(Map.ofEntries(
                Map.entry("dynamodb:Query", openJobsIndex()),
                Map.entry("dynamodb:GetItem", table()),
                Map.entry("dynamodb:UpdateItem", table()),
                Map.entry("sqs:SendMessage", queueArn()),
                Map.entry("logs:CreateLogStream", logGroup("SweeperFunction")),
                Map.entry("logs:PutLogEvents", logGroup("SweeperFunction")),
                Map.entry("xray:PutTelemetryRecords", "\"*\""), Map.entry("xray:PutTraceSegments", "\"*\""))));
    }

    @Test
    void noStatementUsesWildcardActionsOrAnyResourceBeyondWhatAwsRequires() {
        List<JsonNode> statements = new ArrayList<>();
        synth.resources("AWS::IAM::Policy").values()
                .forEach(policy -> statements.addAll(SynthesizedStack.list(policy.at("/Properties/PolicyDocument/Statement"))));
        assertThat(statements).isNotEmpty();
        for (JsonNode statement : statements) {
            assertThat(statement.get("Effect").asText()).isEqualTo("Allow");
            for (JsonNode action : SynthesizedStack.list(statement.get("Action"))) {
                assertThat(action.asText()).doesNotContain("*");
            }
            for (JsonNode resource : SynthesizedStack.list(statement.get("Resource"))) {
                if (resource.isTextual() && resource.asText().equals("*")) {
                    assertThat(SynthesizedStack.list(statement.get("Action"))).map(JsonNode::asText)
                            .allMatch(ACTIONS_THAT_REQUIRE_ANY_RESOURCE::contains);
                }
            }
        }
    }

    @Test
    void functionRolesHaveNoManagedPolicies() {
        Map<String, JsonNode> roles = synth.resources("AWS::IAM::Role");
        assertThat(roles).hasSize(5);
        for (var role : roles.entrySet()) {
            JsonNode managed = role.getValue().at("/Properties/ManagedPolicyArns");
            if (role.getKey().startsWith("ApiCloudWatchRole")) {
                // API Gateway's account-level logging role: AWS's own policy for exactly this
                assertThat(managed.toString()).contains("AmazonAPIGatewayPushToCloudWatchLogs");
            } else {
                assertThat(managed.isMissingNode()).as(role.getKey()).isTrue();
            }
        }
    }

    /** Each action the role's policy allows, with the JSON of the resources it applies to. */
    private static Map<String, String> grants(String rolePrefix) {
        Map<String, String> grants = new TreeMap<>();
        Set<String> policies = new TreeSet<>();
        synth.resources("AWS::IAM::Policy").forEach((id, policy) -> {
            if (id.startsWith(rolePrefix)) {
                policies.add(id);
                for (JsonNode statement : SynthesizedStack.list(policy.at("/Properties/PolicyDocument/Statement"))) {
                    for (JsonNode action : SynthesizedStack.list(statement.get("Action"))) {
                        String previous = grants.put(action.asText(), statement.get("Resource").toString());
                        assertThat(previous).as("%s granted twice", action.asText()).isNull();
                    }
                }
            }
        });
        assertThat(policies).hasSize(1);
        return grants;
    }

    private static String table() {
        return "{\"Fn::GetAtt\":[\"" + synth.logicalId("AWS::DynamoDB::Table", "JobTable") + "\",\"Arn\"]}";
    }

    private static String openJobsIndex() {
        return "{\"Fn::Join\":[\"\",[{\"Fn::GetAtt\":[\"" + synth.logicalId("AWS::DynamoDB::Table", "JobTable")
                + "\",\"Arn\"]},\"/index/pending-by-deadline\"]]}";
    }

    private static String queueArn() {
        return "{\"Fn::GetAtt\":[\"" + synth.logicalId("AWS::SQS::Queue", "JobQueue") + "\",\"Arn\"]}";
    }

    private static String deadLetterQueueArn() {
        return "{\"Fn::GetAtt\":[\"" + synth.logicalId("AWS::SQS::Queue", "JobDeadLetterQueue") + "\",\"Arn\"]}";
    }

    private static String bucketArn() {
        return "{\"Fn::GetAtt\":[\"" + synth.logicalId("AWS::S3::Bucket", "ResultBucket") + "\",\"Arn\"]}";
    }

    private static String resultObjects() {
        return "{\"Fn::Join\":[\"\",[{\"Fn::GetAtt\":[\"" + synth.logicalId("AWS::S3::Bucket", "ResultBucket") + "\",\"Arn\"]},\"/results/*\"]]}";
    }

    private static String storeObjects() {
        return "{\"Fn::Join\":[\"\",[{\"Fn::GetAtt\":[\"" + synth.logicalId("AWS::S3::Bucket", "ResultBucket") + "\",\"Arn\"]},\"/store/*\"]]}";
    }

    private static String resultAndStoreObjects() {
        return "[" + resultObjects() + "," + storeObjects() + "]";
    }

    private static String logGroup(String function) {
        String logGroup = synth.json.at("/Resources/" + synth.logicalId("AWS::Lambda::Function", function)
                + "/Properties/LoggingConfig/LogGroup/Ref").asText();
        return "{\"Fn::GetAtt\":[\"" + logGroup + "\",\"Arn\"]}";
    }
}
