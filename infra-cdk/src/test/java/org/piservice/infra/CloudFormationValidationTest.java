package org.piservice.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;

/**
 * The whole app synthesized as `cdk synth` does, with aws-cdk-lib's CloudFormation template
 * validation on (surefire runs this class alone, in its own JVM, with CDK_VALIDATION=true) and the
 * cdk-nag plugin registered: the validation report must have no finding at all, warnings included.
 */
class CloudFormationValidationTest {

    @Test
    void synthesisPassesEveryValidationPlugin(@TempDir Path outdir) throws IOException {
        assumeTrue("true".equals(System.getenv("CDK_VALIDATION")),
                "needs CDK_VALIDATION=true, which the cloudformation-validation surefire execution sets");
        App app = new App(AppProps.builder().outdir(outdir.toString()).build());
        PiServiceApp.stack(app, ServiceSettings.defaults(), ProjectFiles.in(Path.of("..")));

        app.synth();

        JsonNode report = new ObjectMapper().readTree(outdir.resolve("validation-report.json").toFile());
        assertThat(report.get("pluginReports")).as(report.toPrettyString()).isEmpty();
    }
}
