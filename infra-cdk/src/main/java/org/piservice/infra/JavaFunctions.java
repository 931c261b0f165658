package org.piservice.infra;

import java.nio.file.Path;
import software.amazon.awscdk.Annotations;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.services.iam.IRole;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.lambda.Alias;
import software.amazon.awscdk.services.lambda.Architecture;
import software.amazon.awscdk.services.lambda.Code;
import software.amazon.awscdk.services.lambda.Function;
import software.amazon.awscdk.services.lambda.Runtime;
import software.amazon.awscdk.services.lambda.SnapStartConf;
import software.amazon.awscdk.services.lambda.Tracing;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.constructs.Construct;

/**
 * How the functions are deployed: Java 25 from a jar Maven built, SnapStart, active tracing, a role
 * of their own with only what their code uses, a log group of their own, and callers reaching a
 * published version through the alias {@code live}.
 */
final class JavaFunctions {

    static final RetentionDays LOG_RETENTION = RetentionDays.ONE_MONTH;

    private JavaFunctions() {
    }

    /** A role without managed policies: every permission, logs and traces too, is granted one by one. */
    static Role role(Construct scope, String id, String description) {
        return Role.Builder.create(scope, id)
                .description(description)
                .assumedBy(new ServicePrincipal("lambda.amazonaws.com"))
                .build();
    }

    /**
     * A function builder with everything the functions share; the caller adds what is its own
     * (description, handler, memory, timeout, environment). Its log group is {@code <id>Logs}.
     */
    static Function.Builder builder(Construct scope, String id, Role role, Path jar) {
        return Function.Builder.create(scope, id)
                .runtime(Runtime.JAVA_25)
                .architecture(Architecture.X86_64)
                .code(Code.fromAsset(jar.toString()))
                .snapStart(SnapStartConf.ON_PUBLISHED_VERSIONS)
                .tracing(Tracing.ACTIVE)
                .role(role)
                .logGroup(logGroup(scope, id + "Logs", role));
    }

    /**
     * SnapStart snapshots published versions only: callers must invoke a version, here through the
     * alias {@code live}, which moves to a new version on every code or configuration change.
     */
    static Alias liveAlias(Construct scope, String id, Function function) {
        Annotations.of(function).acknowledgeWarning("@aws-cdk/aws-lambda:snapStartRequirePublish",
                "The alias live publishes a version of every code or configuration change.");
        return Alias.Builder.create(scope, id).aliasName("live").version(function.getCurrentVersion()).build();
    }

    /** Called once the function exists, since active tracing adds the X-Ray statement to the role. */
    static void acknowledgeXRay(Role role) {
        Acknowledge.rule(role.getNode().findChild("DefaultPolicy"), "AwsSolutions-IAM5[Resource::*]",
                "xray:PutTraceSegments and xray:PutTelemetryRecords, added for active tracing, support no resource-level"
                        + " permissions: AWS requires Resource \"*\" for them.");
    }

    private static LogGroup logGroup(Construct scope, String id, IRole role) {
        LogGroup logs = LogGroup.Builder.create(scope, id)
                .retention(LOG_RETENTION)
                .removalPolicy(RemovalPolicy.DESTROY)
                .build();
        logs.grantWrite(role);
        return logs;
    }
}
