package org.piservice.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.util.Map;

/**
 * Structured logs: one JSON object per line on standard output, which Lambda sends to CloudWatch
 * Logs, where Logs Insights filters on fields such as {@code job_id} without parsing text.
 */
public final class JsonLog {

    /** Standard output, as Lambda and a local run want it. */
    public static final JsonLog STDOUT = new JsonLog(System.out, Clock.systemUTC());

    private static final ObjectMapper JSON = new ObjectMapper();

    private final PrintStream out;
    private final Clock clock;

    public JsonLog(PrintStream out, Clock clock) {
        this.out = out;
        this.clock = clock;
    }

    public void info(String message, Map<String, ?> fields) {
        write("INFO", message, fields, null);
    }

    public void warn(String message, Map<String, ?> fields) {
        write("WARN", message, fields, null);
    }

    public void error(String message, Map<String, ?> fields, Throwable error) {
        write("ERROR", message, fields, error);
    }

    private void write(String level, String message, Map<String, ?> fields, Throwable error) {
        ObjectNode line = JSON.createObjectNode();
        line.put("timestamp", clock.instant().toString());
        line.put("level", level);
        line.put("message", message);
        fields.forEach((name, value) -> {
            if (value != null) {
                line.set(name, JSON.valueToTree(value));
            }
        });
        if (error != null) {
            StringWriter trace = new StringWriter();
            error.printStackTrace(new PrintWriter(trace));
            line.put("exception", trace.toString());
        }
        String text = line.toString();
        synchronized (out) {
            out.println(text);
        }
    }
}
