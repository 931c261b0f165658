package org.piservice.infra;

import io.github.cdklabs.cdknag.AwsSolutionsChecks;
import java.nio.file.Path;
import java.util.Optional;
import software.amazon.awscdk.App;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.Validations;

/**
 * The CDK app ({@code cdk.json} runs it): one environment-agnostic stack, checked by cdk-nag's
 * AWS Solutions rules, so synthesis fails on any finding that is not acknowledged with a reason.
 */
public final class PiServiceApp {

    static final String STACK_NAME = "PiService";

    private PiServiceApp() {
    }

    public static void main(String[] args) {
        App app = new App();
        Path projectRoot = Path.of(Optional.ofNullable(app.getNode().tryGetContext("projectRoot"))
                .map(Object::toString).orElse(".."));
        ServiceSettings settings;
        ProjectFiles files;
        try {
            settings = ServiceSettings.fromContext(app.getNode());
            files = ProjectFiles.in(projectRoot);
        } catch (IllegalArgumentException | IllegalStateException e) {
            // a configuration or build mistake: the message says what to do, a stack trace would bury it
            System.err.println("pi-service: " + e.getMessage());
            System.exit(2);
            return;
        }
        stack(app, settings, files);
        app.synth();
    }

    /** Adds the stack and the cdk-nag checks to {@code app}. */
    static PiServiceStack stack(App app, ServiceSettings settings, ProjectFiles files) {
        PiServiceStack stack = new PiServiceStack(app, STACK_NAME, StackProps.builder()
                .description("pi-service: digits of pi computed on demand as jobs")
                .build(), settings, files);
        Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
        return stack;
    }
}
