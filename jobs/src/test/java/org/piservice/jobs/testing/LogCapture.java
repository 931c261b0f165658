package org.piservice.jobs.testing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.Layout;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The log lines of one test exactly as the functions print them: a second appender on the root
 * logger with the layout that log4j2.properties gives the console, so tests read the JSON that
 * CloudWatch gets. Register it with {@code @RegisterExtension}.
 */
public final class LogCapture implements BeforeEachCallback, AfterEachCallback {

    private static final String NAME = "test-capture";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<String> lines = new CopyOnWriteArrayList<>();

    @Override
    public void beforeEach(ExtensionContext context) {
        lines.clear();
        LoggerContext logging = (LoggerContext) LogManager.getContext(false);
        LoggerConfig root = logging.getConfiguration().getRootLogger();
        Layout<?> layout = root.getAppenders().values().iterator().next().getLayout();
        Appender appender = new AbstractAppender(NAME, null, layout, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                lines.add(new String(getLayout().toByteArray(event), StandardCharsets.UTF_8).strip());
            }
        };
        appender.start();
        root.addAppender(appender, null, null);
        logging.updateLoggers();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        LoggerContext logging = (LoggerContext) LogManager.getContext(false);
        LoggerConfig root = logging.getConfiguration().getRootLogger();
        Appender appender = root.getAppenders().get(NAME);
        root.removeAppender(NAME);
        logging.updateLoggers();
        if (appender != null) {
            appender.stop();
        }
    }

    /** Each line parsed; a line that is not one JSON object fails the test. */
    public List<JsonNode> lines() {
        return lines.stream().map(line -> {
            try {
                return JSON.readTree(line);
            } catch (JsonProcessingException e) {
                throw new UncheckedIOException("not a JSON log line: " + line, e);
            }
        }).toList();
    }

    /** The lines whose message starts with {@code prefix}. */
    public List<JsonNode> withMessage(String prefix) {
        return lines().stream().filter(line -> line.path("message").asText().startsWith(prefix)).toList();
    }
}
