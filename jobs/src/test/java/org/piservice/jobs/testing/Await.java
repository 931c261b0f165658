package org.piservice.jobs.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waits in a test for what another thread or process does, polling. */
public final class Await {

    private static final Duration POLL = Duration.ofMillis(50);

    private Await() {
    }

    /** Returns once {@code condition} holds; fails the test after 20 s. */
    public static void awaitTrue(BooleanSupplier condition) {
        awaitTrue(Duration.ofSeconds(20), condition);
    }

    /** Returns once {@code condition} holds; fails the test after {@code limit}. */
    public static void awaitTrue(Duration limit, BooleanSupplier condition) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within " + limit.toSeconds() + " s");
            }
            try {
                Thread.sleep(POLL);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}
