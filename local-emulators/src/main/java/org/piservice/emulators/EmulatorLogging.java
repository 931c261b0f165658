package org.piservice.emulators;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Keeps the emulators' own logging at WARN whatever logback configuration the application has.
 * S3Proxy's Jetty logs every request at DEBUG, which slows transfers by an order of magnitude and
 * buries the service's own log lines.
 */
final class EmulatorLogging {

    private static final List<String> NOISY = List.of(
            "org.gaul", "org.eclipse.jetty", "io.opentelemetry", "org.apache.pekko", "org.elasticmq");

    private EmulatorLogging() {
    }

    static void quiet() {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
            NOISY.forEach(name -> context.getLogger(name).setLevel(Level.WARN));
        }
    }
}
