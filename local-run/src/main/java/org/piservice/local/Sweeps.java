package org.piservice.local;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.piservice.contract.JobDelivery;
import org.piservice.worker.JobSweeper;

/**
 * Does locally what the deployed schedule does: runs the job sweeper every few minutes, so that
 * local jobs end by their deadline as deployed ones do.
 */
final class Sweeps implements AutoCloseable {

    private final ScheduledExecutorService schedule = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("job-sweeper").factory());

    Sweeps(JobSweeper sweeper) {
        schedule.scheduleWithFixedDelay(() -> {
            try {
                sweeper.sweep();
            } catch (RuntimeException | Error e) {
                // the next sweep tries again, as the deployed schedule would; a task that threw
                // would never run again
                System.err.println("Sweeping the jobs failed: " + e);
            }
        }, JobDelivery.SWEEP_INTERVAL.toMinutes(), JobDelivery.SWEEP_INTERVAL.toMinutes(), TimeUnit.MINUTES);
    }

    @Override
    public void close() {
        schedule.shutdownNow();
    }
}
