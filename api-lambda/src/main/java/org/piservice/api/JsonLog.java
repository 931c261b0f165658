package org.piservice.api;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One JSON object per log line on standard output, which Lambda sends to CloudWatch Logs, where
 * Logs Insights can filter on {@code request_id} and {@code job_id} directly.
 */
final class JsonLog {

    private JsonLog() {
    }

    static void info(String message, Map<String, ?> fields) {
        write("INFO", message, fields, null);
    }

    static void error(String message, Map<String, ?> fields, Throwable error) {
        write("ERROR", message, fields, error);
    }

    private static void write(String level, String message, Map<String, ?> fields, Throwable error) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("timestamp", Instant.now().toString());
        line.put("level", level);
        line.put("message", message);
        fields.forEach((name, value) -> {
            if (value != null) {
                line.put(name, value);
            }
        });
        if (error != null) {
            StringWriter trace = new StringWriter();
            error.printStackTrace(new PrintWriter(trace));
            line.put("error", trace.toString());
        }
        System.out.println(Json.write(line));
    }
}
