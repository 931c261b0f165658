package org.piservice.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.time.Clock;
import org.piservice.contract.ServiceMetrics;

/**
 * CloudWatch metrics in the Embedded Metric Format: a JSON log line that CloudWatch Logs turns into
 * metrics, with no API call and no extra latency. Names, namespace and dimension are
 * {@link ServiceMetrics}'s, which the alarms read too; the job id rides along as a property,
 * searchable but not a dimension.
 */
public final class EmfMetrics {

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
        put(line, metrics, ServiceMetrics.JOBS_COMPLETED, "Count", 1);
        put(line, metrics, ServiceMetrics.DIGITS_COMPUTED, "Count", digits);
        put(line, metrics, ServiceMetrics.COMPUTE_SECONDS, "Seconds", computeSeconds);
        emit(line);
    }

    /** A computation for the digit store ended, and the store now holds {@code storeDigits}. */
    public void storeComputed(String jobId, long storeDigits) {
        ObjectNode line = line(jobId);
        ArrayNode metrics = definitions(line);
        put(line, metrics, ServiceMetrics.STORE_COMPUTATIONS, "Count", 1);
        put(line, metrics, ServiceMetrics.STORE_DIGITS, "Count", storeDigits);
        emit(line);
    }

    /** A job was completed from the digit store, with nothing computed for it. */
    public void jobServedFromStore(String jobId) {
        count(jobId, ServiceMetrics.JOBS_COMPLETED, ServiceMetrics.JOBS_SERVED_FROM_STORE);
    }

    public void jobFailed(String jobId) {
        count(jobId, ServiceMetrics.JOBS_FAILED);
    }

    /** A job failed for a cause with a count of its own (dead-lettered, overdue), counted as a failure too. */
    public void jobFailed(String jobId, String cause) {
        count(jobId, ServiceMetrics.JOBS_FAILED, cause);
    }

    /** The sweeper sent a job's message again. */
    public void jobRequeued(String jobId) {
        count(jobId, ServiceMetrics.JOBS_REQUEUED);
    }

    /**
     * The api refused a job, for {@code cause} ({@link ServiceMetrics#JOBS_REFUSED_BACKLOG},
     * {@link ServiceMetrics#JOBS_REFUSED_OVER_QUOTA} or {@link ServiceMetrics#JOBS_REFUSED_OVER_DIGIT_BUDGET});
     * the id is the one the job would have had.
     */
    public void jobRefused(String jobId, String cause) {
        count(jobId, ServiceMetrics.JOBS_REFUSED, cause);
    }

    /** The digits of a job that cost no computation could not be given back to its client's day. */
    public void digitRefundFailed(String jobId) {
        count(jobId, ServiceMetrics.DIGIT_REFUNDS_FAILED);
    }

    /** One line that counts one event under each of {@code names}. */
    private void count(String jobId, String... names) {
        ObjectNode line = line(jobId);
        ArrayNode metrics = definitions(line);
        for (String name : names) {
            put(line, metrics, name, "Count", 1);
        }
        emit(line);
    }

    private ObjectNode line(String jobId) {
        ObjectNode line = JSON.createObjectNode();
        ObjectNode directive = line.putObject("_aws");
        directive.put("Timestamp", clock.millis());
        ObjectNode metricSet = directive.putArray("CloudWatchMetrics").addObject();
        metricSet.put("Namespace", ServiceMetrics.NAMESPACE);
        metricSet.putArray("Dimensions").addArray().add(ServiceMetrics.DIMENSION);
        metricSet.putArray("Metrics");
        line.put(ServiceMetrics.DIMENSION, ServiceMetrics.SERVICE);
        line.put(LogFields.JOB_ID, jobId);
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
