package org.piservice.core;

/**
 * Receives the progress of a computation. Called from the computing threads (possibly several), never
 * concurrently, at most about a hundred times per computation, and once with {@code 1.0} at the end.
 */
@FunctionalInterface
public interface PiProgress {

    PiProgress NONE = (fractionDone, phase) -> { };

    /**
     * @param fractionDone estimated share of the work done, 0..1, never decreasing
     * @param phase        what the engine is doing, e.g. {@code "series"} or {@code "conversion"}
     */
    void update(double fractionDone, String phase);
}
