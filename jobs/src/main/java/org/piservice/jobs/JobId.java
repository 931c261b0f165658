package org.piservice.jobs;

import java.util.Locale;
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

    /**
     * The id {@code candidate} names, in the form this service issues: UUIDs are case-insensitive
     * on input (RFC 9562), so a client that upper-cases an id still names its job. Anything that
     * is not an id in either case is returned as it came.
     */
    public static String canonical(String candidate) {
        if (candidate == null) {
            return null;
        }
        String lower = candidate.toLowerCase(Locale.ROOT);
        return isWellFormed(lower) ? lower : candidate;
    }
}
