package org.piservice.infra;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.cdklabs.cdknag.AwsSolutionsChecks;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.App;
import software.amazon.awscdk.PolicyValidationPluginReport;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.Validations;
import software.amazon.awscdk.services.s3.Bucket;
import software.constructs.IConstruct;

/**
 * cdk-nag's AWS Solutions rules over the synthesized stack: no finding is left unacknowledged, and
 * the acknowledgements are exactly the reviewed list below, each for one rule with its reason.
 */
class CdkNagTest {

    private static SynthesizedStack synth;

    @BeforeAll
    static void synthesize() {
        synth = SynthesizedStack.get();
    }

    @Test
    void awsSolutionsChecksFindNothingUnacknowledged() {
        PolicyValidationPluginReport report = new AwsSolutionsChecks().validateScope(synth.app);

        assertThat(report.getViolations())
                .as("cdk-nag findings: fix them, or acknowledge each with its rule id and a reason")
                .extracting(violation -> violation.getRuleName() + " at " + violation.getViolatingResources().stream()
                        .map(resource -> resource.getConstructPath()).toList() + ": " + violation.getDescription())
                .isEmpty();
        assertThat(report.getSuccess()).isTrue();
    }

    @Test
    void aNewFindingIsCaught() {
        App app = new App();
        Stack stack = new Stack(app, "Probe");
        new Bucket(stack, "PlainBucket");

        PolicyValidationPluginReport report = new AwsSolutionsChecks().validateScope(app);

        assertThat(report.getSuccess()).isFalse();
        assertThat(report.getViolations()).extracting(violation -> violation.getRuleName())
                .contains("AwsSolutions-S1", "AwsSolutions-S10");
    }

    @Test
    void acknowledgementsAreTheReviewedOnesEachWithAReason() {
        Map<String, String> acknowledged = new TreeMap<>();
        collect(synth.stack, acknowledged);
        String bucket = synth.logicalId("AWS::S3::Bucket", "ResultBucket");

        assertThat(acknowledged.keySet()).containsExactlyInAnyOrder(
                "Api: AwsSolutions-APIG2",
                "Api/CloudWatchRole: AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]",
                "ApiFunctionRole/DefaultPolicy: AwsSolutions-IAM5[Resource::*]",
                "ApiFunctionRole/DefaultPolicy: AwsSolutions-IAM5[Resource::<" + bucket + ".Arn>/results/*]",
                "ApiFunctionRole/DefaultPolicy: AwsSolutions-IAM5[Resource::<" + bucket + ".Arn>/store/*]",
                "WorkerFunctionRole/DefaultPolicy: AwsSolutions-IAM5[Resource::*]",
                "WorkerFunctionRole/DefaultPolicy: AwsSolutions-IAM5[Resource::<" + bucket + ".Arn>/results/*]",
                "WorkerFunctionRole/DefaultPolicy: AwsSolutions-IAM5[Resource::<" + bucket + ".Arn>/store/*]",
                "DeadLetterFunctionRole/DefaultPolicy: AwsSolutions-IAM5[Resource::*]",
                "SweeperFunctionRole/DefaultPolicy: AwsSolutions-IAM5[Resource::*]",
                "ResultBucket: AwsSolutions-S1");
        assertThat(acknowledged.values()).allSatisfy(reason -> assertThat(reason).hasSizeGreaterThan(60));
    }

    /** Every acknowledgement in the tree, as "path below the stack: rule id" to its reason. */
    private static void collect(IConstruct construct, Map<String, String> acknowledged) {
        for (var entry : construct.getNode().getMetadata()) {
            if (entry.getType().equals(Validations.ACKNOWLEDGED_RULES_METADATA_KEY)) {
                String path = construct.getNode().getPath().substring(PiServiceApp.STACK_NAME.length() + 1);
                ((Map<?, ?>) entry.getData()).forEach((id, reason) ->
                        acknowledged.put(path + ": " + id.toString().replaceFirst("^(?i)annotation::", ""), reason.toString()));
            }
        }
        construct.getNode().getChildren().forEach(child -> collect(child, acknowledged));
    }
}
