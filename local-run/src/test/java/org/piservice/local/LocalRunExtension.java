package org.piservice.local;

import java.net.URI;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * One local run of the whole service (embedded emulators, API on a free port, worker poller) for
 * all test classes that ask for its base {@link URI}; it stops when the test run ends.
 */
final class LocalRunExtension implements ParameterResolver {

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == URI.class;
    }

    @Override
    public URI resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return context.getRoot().getStore(ExtensionContext.Namespace.create(LocalRunExtension.class))
                .computeIfAbsent(LocalRun.class, key -> startLocalRun(), LocalRun.class)
                .uri();
    }

    private static LocalRun startLocalRun() {
        try {
            return LocalRun.start(Options.parse("--port", "0").orElseThrow());
        } catch (Exception e) {
            throw new IllegalStateException("The local run did not start", e);
        }
    }
}
