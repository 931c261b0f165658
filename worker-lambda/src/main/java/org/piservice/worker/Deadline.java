package org.piservice.worker;

import com.amazonaws.services.lambda.runtime.Context;
import java.time.Duration;

/** The time a function has left before it is stopped. */
@FunctionalInterface
public interface Deadline {

    Duration remaining();

    /** Lambda's own count-down for this invocation. */
    static Deadline of(Context context) {
        return () -> Duration.ofMillis(context.getRemainingTimeInMillis());
    }
}
