package org.piservice.infra;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Annotations;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.services.events.Rule;
import software.amazon.awscdk.services.events.RuleTargetInput;
import software.amazon.awscdk.services.events.Schedule;
import software.amazon.awscdk.services.events.targets.LambdaFunction;
import software.amazon.awscdk.services.events.targets.LambdaFunctionProps;
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

    /**
     * Invokes {@code alias} daily with {@code event} (JSON), which must do no work. A version SnapStart
     * restores goes Inactive when it has not been invoked for 14 days, and invocations then fail
     * ({@code SnapStartNotReadyException}) until Lambda has made it Active again: a function may
     * wait longer than that for its work (the worker once the digit store holds the largest job's
     * digits, the dead-letter queue's consumer, the api of a quiet deployment), and its first job
     * or request would meet the failure.
     */
    static void keepActive(Construct scope, String id, Alias alias, String event) {
        Map<String, Object> input;
        try {
            input = new ObjectMapper().readValue(event, new TypeReference<>() { });
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a JSON object: " + event, e);
        }
        Rule.Builder.create(scope, id)
                .description("Invokes a pi-service function daily with nothing to do, so that its SnapStart version stays Active")
                .schedule(Schedule.rate(Duration.days(1)))
                .targets(List.of(new LambdaFunction(alias,
                        LambdaFunctionProps.builder().event(RuleTargetInput.fromObject(input)).build())))
                .build();
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
