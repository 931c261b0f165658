package org.piservice.jobs;

import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Job ids: random version-4 UUIDs (122 random bits from a {@link java.security.SecureRandom}), so an
 * id cannot be guessed from another one, in lower-case canonical form.
 */
public final class JobId {

    private static final Pattern WELL_FORMED =
            Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");

    private JobId() {
    }

    public static String newId() {
        return UUID.randomUUID().toString();
    }

    /**
     * Whether {@code candidate} could be an id this service issued. Anything else (too long, path
     * segments, other characters) is unknown without asking the table.
     */
    public static boolean isWellFormed(String candidate) {
        return candidate != null && WELL_FORMED.matcher(candidate).matches();
    }
}
