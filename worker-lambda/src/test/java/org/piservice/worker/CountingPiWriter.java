package org.piservice.worker;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.piservice.core.PiProgress;

/** A computation that counts how often it starts, for tests that a job is computed once or not at all. */
final class CountingPiWriter implements PiWriter {

    final AtomicInteger runs = new AtomicInteger();
    private final PiWriter delegate;

    CountingPiWriter(PiWriter delegate) {
        this.delegate = delegate;
    }

    /** pi-core after a pause, slow enough for concurrent workers to meet while it runs. */
    static CountingPiWriter slowPiCore(Duration pause) {
        return new CountingPiWriter((digits, out, progress, cancelled) -> {
            pause(pause);
            PI_CORE.write(digits, out, progress, cancelled);
        });
    }

    /** Sleeps, restoring the interrupt flag and failing the test if interrupted. */
    static void pause(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void write(int digits, OutputStream out, PiProgress progress, BooleanSupplier cancelled) throws IOException {
        runs.incrementAndGet();
        delegate.write(digits, out, progress, cancelled);
    }
}
