package org.piservice.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.piservice.infra.SynthesizedStack.ref;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Template;

/** Template assertions on the alarms and the dashboard of the synthesized stack. */
class MonitoringTest {

    private static SynthesizedStack synth;
    private static Template template;
    private static Map<String, String> topic;

    @BeforeAll
    static void synthesize() {
        synth = SynthesizedStack.get();
        template = synth.template;
        topic = ref(synth.logicalId("AWS::SNS::Topic", "AlarmTopic"));
    }

    @Test
    void messagesThatStayInTheDeadLetterQueueVisibleOrInFlightAlarm() {
        JsonNode properties = alarmProperties("DeadLetterQueueNotEmpty");
        Map<String, JsonNode> metrics = metricsOf(properties);

        assertThat(properties.get("Threshold").asDouble()).isEqualTo(1);
        assertThat(properties.get("EvaluationPeriods").asInt()).isEqualTo(3);
        assertThat(expressionOf(metrics)).isEqualTo("visible + inFlight");
        JsonNode queue = json(Map.of("Fn::GetAtt", List.of(synth.logicalId("AWS::SQS::Queue", "JobDeadLetterQueue"), "QueueName")));
        for (var metric : Map.of("visible", "ApproximateNumberOfMessagesVisible",
                "inFlight", "ApproximateNumberOfMessagesNotVisible").entrySet()) {
            JsonNode stat = metrics.get(metric.getKey()).get("MetricStat");
            assertThat(stat.get("Stat").asText()).isEqualTo("Maximum");
            assertThat(stat.at("/Metric/MetricName").asText()).isEqualTo(metric.getValue());
            assertThat(stat.at("/Metric/Dimensions/0/Value")).isEqualTo(queue);
        }
    }

    @Test
    void jobMessagesWaitingWhileNoWorkerRunsAlarm() {
        JsonNode properties = alarmProperties("WorkerNotConsuming");
        Map<String, JsonNode> metrics = metricsOf(properties);

        assertThat(properties.get("EvaluationPeriods").asInt()).isEqualTo(3);
        assertThat(expressionOf(metrics)).isEqualTo("IF(ready >= 1 AND FILL(runs, 0) == 0 AND FILL(busy, 0) == 0, 1, 0)");
        assertThat(metrics.get("busy").at("/MetricStat/Metric/MetricName").asText()).isEqualTo("ConcurrentExecutions");
        assertThat(metrics.get("ready").at("/MetricStat/Metric/MetricName").asText())
                .isEqualTo("ApproximateNumberOfMessagesVisible");
        assertThat(metrics.get("ready").at("/MetricStat/Metric/Dimensions/0/Value")).isEqualTo(json(
                Map.of("Fn::GetAtt", List.of(synth.logicalId("AWS::SQS::Queue", "JobQueue"), "QueueName"))));
        assertThat(metrics.get("runs").at("/MetricStat/Metric/MetricName").asText()).isEqualTo("Invocations");
        assertThat(metrics.get("runs").at("/MetricStat/Metric/Dimensions/0/Value"))
                .isEqualTo(json(ref(synth.logicalId("AWS::Lambda::Function", "WorkerFunction"))));
    }

    @Test
    void aSweeperThatStoppedRunningAlarms() {
        JsonNode properties = alarmProperties("SweeperNotRunning");

        assertThat(properties.get("MetricName").asText()).isEqualTo("Invocations");
        assertThat(properties.get("Statistic").asText()).isEqualTo("Sum");
        assertThat(properties.get("Period").asInt()).isEqualTo(300);
        assertThat(properties.get("EvaluationPeriods").asInt()).isEqualTo(3);
        assertThat(properties.get("ComparisonOperator").asText()).isEqualTo("LessThanThreshold");
        assertThat(properties.get("Threshold").asDouble()).isEqualTo(1);
        assertThat(properties.get("TreatMissingData").asText()).as("no invocations, no data").isEqualTo("breaching");
        assertThat(properties.at("/Dimensions/0/Value"))
                .isEqualTo(json(ref(synth.logicalId("AWS::Lambda::Function", "SweeperFunction"))));
    }

    @Test
    void workerErrorsAndThrottlesAlarm() {
        Object worker = ref(synth.logicalId("AWS::Lambda::Function", "WorkerFunction"));
        assertAlarm("AWS/Lambda", "Errors", "Sum", 1, Map.of("FunctionName", worker));
        assertAlarm("AWS/Lambda", "Throttles", "Sum", 1, Map.of("FunctionName", worker));
    }

    @Test
    void aFailedSweepAlarms() {
        assertAlarm("AWS/Lambda", "Errors", "Sum", 1,
                Map.of("FunctionName", ref(synth.logicalId("AWS::Lambda::Function", "SweeperFunction"))));
    }

    @Test
    void aJobMessageWaitingTooLongForTheLargestJobToEndByItsDeadlineAlarms() {
        // three hours less the largest job's 12 minutes (80 % of the 900 s timeout)
        assertAlarm("AWS/SQS", "ApproximateAgeOfOldestMessage", "Maximum", 168 * 60,
                Map.of("QueueName", Map.of("Fn::GetAtt", List.of(synth.logicalId("AWS::SQS::Queue", "JobQueue"), "QueueName"))));
    }

    @Test
    void api5xxOtherThanTheBacklogsRefusalsAlarm() {
        JsonNode properties = alarmProperties("ApiServerErrors");
        Map<String, JsonNode> metrics = metricsOf(properties);

        assertThat(properties.get("Threshold").asDouble()).isEqualTo(1);
        assertThat(properties.get("ComparisonOperator").asText()).isEqualTo("GreaterThanOrEqualToThreshold");
        assertThat(expressionOf(metrics)).isEqualTo("errors - FILL(refused, 0)");
        assertMetricStat(metrics.get("errors"), "AWS/ApiGateway", "5XXError", "ApiName", "pi-service");
        assertMetricStat(metrics.get("refused"), "PiService", "JobsRefusedForBacklog", "Service", "pi-service");
    }

    @Test
    void workerDurationNearItsTimeoutAlarms() {
        assertAlarm("AWS/Lambda", "Duration", "Maximum", 0.9 * SynthesizedStack.SETTINGS.workerTimeoutSeconds() * 1000,
                Map.of("FunctionName", ref(synth.logicalId("AWS::Lambda::Function", "WorkerFunction"))));
    }

    @Test
    void jobsFailedByTheBackstopsAlarm() {
        assertAlarm("PiService", "JobsDeadLettered", "Sum", 1, Map.of("Service", "pi-service"));
        assertAlarm("PiService", "JobsOverdue", "Sum", 1, Map.of("Service", "pi-service"));
    }

    @Test
    void jobsTheWorkerFailedAlarmWithoutThoseTheBackstopsCountAlready() {
        JsonNode properties = alarmProperties("JobsFailed");
        Map<String, JsonNode> metrics = metricsOf(properties);

        assertThat(properties.get("Threshold").asDouble()).isEqualTo(1);
        assertThat(expressionOf(metrics)).isEqualTo("failed - FILL(deadLettered, 0) - FILL(overdue, 0)");
        assertMetricStat(metrics.get("failed"), "PiService", "JobsFailed", "Service", "pi-service");
        assertMetricStat(metrics.get("deadLettered"), "PiService", "JobsDeadLettered", "Service", "pi-service");
        assertMetricStat(metrics.get("overdue"), "PiService", "JobsOverdue", "Service", "pi-service");
    }

    @Test
    void jobsRefusedBecauseOfTheBacklogAlarm() {
        assertAlarm("PiService", "JobsRefusedForBacklog", "Sum", 1, Monitoring.SUSTAINED, Map.of("Service", "pi-service"));
    }

    @Test
    void everyAlarmNotifiesTheTopicWhenItFiresAndWhenItClears() {
        Map<String, JsonNode> alarms = synth.resources("AWS::CloudWatch::Alarm");

        assertThat(alarms).hasSize(13);
        for (var alarm : alarms.entrySet()) {
            JsonNode properties = alarm.getValue().get("Properties");
            assertThat(properties.get("AlarmActions").toString()).as(alarm.getKey()).isEqualTo("[" + json(topic) + "]");
            assertThat(properties.get("OKActions").toString()).as(alarm.getKey()).isEqualTo("[" + json(topic) + "]");
            assertThat(properties.get("TreatMissingData").asText()).as(alarm.getKey())
                    .isEqualTo(alarm.getKey().contains("SweeperNotRunning") ? "breaching" : "notBreaching");
            assertThat(properties.get("AlarmDescription").asText()).as(alarm.getKey()).hasSizeGreaterThan(40);
        }
    }

    @Test
    void everyAlarmHasTheNameTheOperationsGuideLooksItUpBy() throws Exception {
        String guide = Files.readString(Path.of("../docs/OPERATIONS.md"));
        Set<String> documented = new TreeSet<>();
        String alarms = guide.substring(guide.indexOf("## Alarms"));
        Matcher row = Pattern.compile("(?m)^\\| `([A-Za-z]+)` \\|").matcher(alarms.substring(0, alarms.indexOf("\n## ")));
        while (row.find()) {
            documented.add(PiServiceApp.STACK_NAME + "-" + row.group(1));
        }

        assertThat(synth.resources("AWS::CloudWatch::Alarm").values().stream()
                .map(alarm -> alarm.at("/Properties/AlarmName").asText()))
                .containsExactlyInAnyOrderElementsOf(documented);
    }

    @Test
    void dashboardShowsApiQueueWorkerAndJobs() {
        String body = synth.only("AWS::CloudWatch::Dashboard").at("/Properties/DashboardBody").toString();

        for (String title : List.of("API requests", "API latency (ms)", "API errors", "Job queue depth",
                "Oldest job message age (s)", "Worker invocations", "Worker duration (ms)", "Worker concurrency", "Jobs", "Jobs refused")) {
            assertThat(body).contains("\\\"title\\\":\\\"" + title + "\\\"");
        }
        for (String metric : List.of("\\\"Count\\\"", "\\\"Latency\\\"", "\\\"4XXError\\\"", "\\\"5XXError\\\"",
                "ApproximateNumberOfMessagesVisible", "ApproximateAgeOfOldestMessage", "\\\"Invocations\\\"",
                "\\\"Duration\\\"", "\\\"Errors\\\"", "ConcurrentExecutions", "JobsCompleted", "JobsFailed",
                "DigitsComputed", "ComputeSeconds", "JobsOverdue", "JobsDeadLettered", "JobsRefusedForBacklog",
                "JobsRefusedOverQuota", "JobsRefusedOverDigitBudget", "DigitRefundsFailed")) {
            assertThat(body).contains(metric);
        }
        assertThat(body).contains("digits / seconds").contains("digits per compute second").contains("JobsRequeued");
        // the dead-letter queue as its alarm counts it: a failing consumer keeps its messages in flight
        assertThat(body).contains("visible + inFlight").contains("messages in the dead-letter queue");
        // the backstops' errors beside their runs, each function's by its own name
        assertThat(body).contains("\\\"title\\\":\\\"Sweeper and dead-letter consumer\\\"")
                .contains("sweeper errors").contains("dead-letter consumer errors");
        assertThat(body).contains(synth.logicalId("AWS::Lambda::Function", "SweeperFunction"),
                synth.logicalId("AWS::Lambda::Function", "DeadLetterFunction"));
    }

    private static JsonNode alarmProperties(String id) {
        return synth.resources("AWS::CloudWatch::Alarm").entrySet().stream()
                .filter(alarm -> alarm.getKey().contains(id))
                .findFirst().orElseThrow().getValue().get("Properties");
    }

    private static Map<String, JsonNode> metricsOf(JsonNode alarmProperties) {
        Map<String, JsonNode> metrics = new HashMap<>();
        alarmProperties.get("Metrics").forEach(metric -> metrics.put(metric.get("Id").asText(), metric));
        return metrics;
    }

    /** The expression the alarm reads, checked to be the one metric that returns data. */
    private static String expressionOf(Map<String, JsonNode> metrics) {
        JsonNode expression = metrics.values().stream().filter(metric -> metric.has("Expression")).findFirst().orElseThrow();
        assertThat(expression.get("ReturnData").asBoolean()).isTrue();
        return expression.get("Expression").asText();
    }

    private void assertAlarm(String namespace, String metric, String statistic, double threshold, Map<String, ?> dimension) {
        assertAlarm(namespace, metric, statistic, threshold, 1, dimension);
    }

    private void assertAlarm(String namespace, String metric, String statistic, double threshold, int periods,
                             Map<String, ?> dimension) {
        var entry = dimension.entrySet().iterator().next();
        template.hasResourceProperties("AWS::CloudWatch::Alarm", Map.of(
                "Namespace", namespace,
                "MetricName", metric,
                "Statistic", statistic,
                "Period", 300,
                "Threshold", threshold,
                "EvaluationPeriods", periods,
                "ComparisonOperator", "GreaterThanOrEqualToThreshold",
                "Dimensions", List.of(Map.of("Name", entry.getKey(), "Value", entry.getValue())),
                "AlarmActions", List.of(topic)));
    }

    private static void assertMetricStat(JsonNode metric, String namespace, String name, String dimension, String value) {
        JsonNode stat = metric.get("MetricStat");
        assertThat(metric.get("ReturnData").asBoolean()).isFalse();
        assertThat(stat.get("Stat").asText()).isEqualTo("Sum");
        assertThat(stat.get("Period").asInt()).isEqualTo(300);
        assertThat(stat.at("/Metric/Namespace").asText()).isEqualTo(namespace);
        assertThat(stat.at("/Metric/MetricName").asText()).isEqualTo(name);
        assertThat(stat.at("/Metric/Dimensions/0/Name").asText()).isEqualTo(dimension);
        assertThat(stat.at("/Metric/Dimensions/0/Value").asText()).isEqualTo(value);
    }

    private static JsonNode json(Object value) {
        return new com.fasterxml.jackson.databind.ObjectMapper().valueToTree(value);
    }
}
