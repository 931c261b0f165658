package org.piservice.infra;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import software.amazon.awscdk.App;
import software.amazon.awscdk.assertions.Template;

/**
 * The stack as `cdk synth` makes it, from the jars Maven built and the real OpenAPI document,
 * synthesized once per test JVM (synthesis takes seconds) and shared read-only by the test classes.
 */
final class SynthesizedStack {

    static final String ALARM_EMAIL = "alarms@example.org";
    static final ServiceSettings SETTINGS = withAlarmEmail(ServiceSettings.defaults(), ALARM_EMAIL);

    private static SynthesizedStack instance;

    final App app;
    final PiServiceStack stack;
    final Template template;
    final JsonNode json;

    private SynthesizedStack() {
        app = new App();
        // Surefire runs in the module directory: the project root is its parent.
        stack = PiServiceApp.stack(app, SETTINGS, ProjectFiles.in(Path.of("..")));
        template = Template.fromStack(stack);
        json = new ObjectMapper().valueToTree(template.toJSON());
    }

    static synchronized SynthesizedStack get() {
        if (instance == null) {
            instance = new SynthesizedStack();
        }
        return instance;
    }

    /** The resources of one CloudFormation type, by logical id. */
    Map<String, JsonNode> resources(String type) {
        Map<String, JsonNode> found = new LinkedHashMap<>();
        json.get("Resources").properties().forEach(entry -> {
            if (entry.getValue().path("Type").asText().equals(type)) {
                found.put(entry.getKey(), entry.getValue());
            }
        });
        return found;
    }

    /** The one resource of this type. */
    JsonNode only(String type) {
        Map<String, JsonNode> found = resources(type);
        if (found.size() != 1) {
            throw new AssertionError("expected one " + type + ", found " + found.keySet());
        }
        return found.values().iterator().next();
    }

    /**
     * The logical id of the one resource of this type made by the construct with this id directly in
     * the stack: the construct id followed by the stack's hash of its path.
     */
    String logicalId(String type, String constructId) {
        List<String> ids = resources(type).keySet().stream()
                .filter(id -> id.matches(Pattern.quote(constructId) + "[0-9A-F]{8}"))
                .toList();
        if (ids.size() != 1) {
            throw new AssertionError("expected one " + type + " " + constructId + ", found " + ids);
        }
        return ids.getFirst();
    }

    /** {@code {"Ref": id}}, as the template writes a reference. */
    static Map<String, String> ref(String logicalId) {
        return Map.of("Ref", logicalId);
    }

    /** {@code {"Fn::GetAtt": [id, attribute]}}. */
    static Map<String, List<String>> getAtt(String logicalId, String attribute) {
        return Map.of("Fn::GetAtt", List.of(logicalId, attribute));
    }

    static List<JsonNode> list(JsonNode arrayOrSingle) {
        List<JsonNode> items = new ArrayList<>();
        if (arrayOrSingle.isArray()) {
            Iterator<JsonNode> it = arrayOrSingle.elements();
            it.forEachRemaining(items::add);
        } else if (!arrayOrSingle.isMissingNode()) {
            items.add(arrayOrSingle);
        }
        return items;
    }

    /** The field names of a JSON object, in order. */
    static List<String> names(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    static ServiceSettings withAlarmEmail(ServiceSettings s, String email) {
        return new ServiceSettings(s.apiMemoryMb(), s.workerMemoryMb(), s.workerTimeoutSeconds(), s.maxDigits(),
                s.workerConcurrency(), s.apiRateLimit(), s.apiBurstLimit(), s.clientRequestsPerMinute(), s.jobTtlDays(),
                s.downloadUrlTtlSeconds(), s.maxUnfinishedJobsPerClient(), s.clientDigitsPerDay(), Optional.of(email));
    }
}
