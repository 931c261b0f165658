package org.piservice.worker;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.time.Clock;
import org.piservice.contract.DigitStoreNames;

/**
 * CloudWatch metrics in the Embedded Metric Format: a JSON log line that CloudWatch Logs turns into
 * metrics, with no API call and no extra latency. Namespace {@value #NAMESPACE}, dimension
 * {@code Service=pi-service}; the job id rides along as a property, searchable but not a dimension.
 */
public final class EmfMetrics {

    public static final String NAMESPACE = "PiService";
    private static final String SERVICE = "pi-service";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final PrintStream out;
    private final Clock clock;

    public EmfMetrics(PrintStream out, Clock clock) {
        this.out = out;
        this.clock = clock;
    }

    public static EmfMetrics stdout() {
        return new EmfMetrics(System.out, Clock.systemUTC());
    }

    public void jobCompleted(String jobId, long digits, double computeSeconds) {
        ObjectNode line = line(jobId);
        ArrayNode metrics = definitions(line);
        put(line, metrics, "JobsCompleted", "Count", 1);
        put(line, metrics, "DigitsComputed", "Count", digits);
        put(line, metrics, "ComputeSeconds", "Seconds", computeSeconds);
        emit(line);
    }

    /** A computation for the digit store ended, and the store now holds {@code storeDigits}. */
    public void storeComputed(String jobId, long storeDigits) {
        ObjectNode line = line(jobId);
        ArrayNode metrics = definitions(line);
        put(line, metrics, DigitStoreNames.METRIC_COMPUTATIONS, "Count", 1);
        put(line, metrics, DigitStoreNames.METRIC_STORE_DIGITS, "Count", storeDigits);
        emit(line);
    }

    /** A job was completed from the digit store, with nothing computed for it. */
    public void jobServedFromStore(String jobId) {
        ObjectNode line = line(jobId);
        ArrayNode metrics = definitions(line);
        put(line, metrics, "JobsCompleted", "Count", 1);
        put(line, metrics, DigitStoreNames.METRIC_JOBS_SERVED, "Count", 1);
        emit(line);
    }

    public void jobFailed(String jobId) {
        ObjectNode line = line(jobId);
        put(line, definitions(line), "JobsFailed", "Count", 1);
        emit(line);
    }

    private ObjectNode line(String jobId) {
        ObjectNode line = JSON.createObjectNode();
        ObjectNode directive = line.putObject("_aws");
        directive.put("Timestamp", clock.millis());
        ObjectNode metricSet = directive.putArray("CloudWatchMetrics").addObject();
        metricSet.put("Namespace", NAMESPACE);
        metricSet.putArray("Dimensions").addArray().add("Service");
        metricSet.putArray("Metrics");
        line.put("Service", SERVICE);
        line.put("job_id", jobId);
        return line;
    }

    private static ArrayNode definitions(ObjectNode line) {
        return (ArrayNode) line.get("_aws").get("CloudWatchMetrics").get(0).get("Metrics");
    }

    private static void put(ObjectNode line, ArrayNode metrics, String name, String unit, double value) {
        metrics.addObject().put("Name", name).put("Unit", unit);
        line.put(name, value);
    }

    private void emit(ObjectNode line) {
        String text = line.toString();
        synchronized (out) {
            out.println(text);
        }
    }
}
