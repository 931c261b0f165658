package org.piservice.worker;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.LongFunction;
import org.piservice.jobs.DigitStore;

/**
 * Decides, for one job, who provides its digits: the store (it is long enough), a computation
 * that runs now and covers it (the job waits for it), or this worker, which then holds the store's
 * lease and computes. One computation per demand follows: whichever of many jobs for new digits
 * takes the lease first computes, and the rest wait for it instead of computing too.
 *
 * <p>A waiting job is listed on the store's item, and the computing worker completes it as soon
 * as the store is extended; when the list is full ({@link DigitStore#MAX_WAITERS}), its own
 * message does, coming back after its retry delay. Its queue message is left in the queue either
 * way: should the computing worker die, the message comes back, finds the lease stale, and the
 * job is computed after all. Nothing is lost, at the price of that wait. A job due before the
 * computation may end (its lease says when: the time model's estimate, at most its invocation's
 * end) is computed on its own beside it, when that fits before its deadline.
 *
 * <p>While the store's item cannot be read (a hand edit, a later version's format after a
 * rollback), no job can be served from it or wait in it: each is computed on its own, as many
 * times as it is asked for, until an operator deletes the item.
 */
final class DigitDemand {

    /** What to do with a job. */
    sealed interface Plan {
        /** The store covers the job. */
        record Served() implements Plan {
        }

        /**
         * Another worker's live computation covers the job, which is {@code listed} to be completed
         * by it, or else (the list is full) completed by its own message once the store covers it.
         */
        record Waiting(long computingDigits, boolean listed) implements Plan {
        }

        /** This worker holds the lease and computes {@code digits} decimals into the store. */
        record Compute(long digits) implements Plan {
        }

        /**
         * This worker computes the job's digits for it alone, outside the store: the store's item
         * cannot be read ({@code storeDamaged}), or the computation that will cover the job may end
         * after its deadline ({@code why} says which).
         */
        record Alone(String why, boolean storeDamaged) implements Plan {
        }
    }

    private static final int ATTEMPTS_AFTER_A_RACE = 5;

    private final DigitStore store;
    private final Duration staleAfter;
    private final Clock clock;

    DigitDemand(DigitStore store, Duration staleAfter, Clock clock) {
        this.store = store;
        this.staleAfter = staleAfter;
        this.clock = clock;
    }

    /**
     * @param latestWait the latest a computation the job waits for may end: its deadline, when this
     *     worker could compute it alone by then, else null (waiting is then its one chance)
     * @param owner the lease's owner should this worker compute
     * @param computable the most digits this worker may compute now (its limit and its time)
     * @param leaseEnd when this worker's computation of so many digits would end, should it take the lease
     */
    Plan plan(String jobId, int digits, Instant latestWait, String owner, long computable, LongFunction<Instant> leaseEnd) {
        try {
            return planWithStore(jobId, digits, latestWait, owner, computable, leaseEnd);
        } catch (DigitStore.DamagedItem e) {
            return new Plan.Alone(e.getMessage(), true);
        }
    }

    private Plan planWithStore(String jobId, int digits, Instant latestWait, String owner, long computable,
                               LongFunction<Instant> leaseEnd) {
        for (int attempt = 1; attempt <= ATTEMPTS_AFTER_A_RACE; attempt++) {
            DigitStore.State state = store.state();
            if (state.covers(digits)) {
                return new Plan.Served();
            }
            Instant now = clock.instant();
            if (state.computing(digits, now, staleAfter)) {
                DigitStore.Waiter waiter = new DigitStore.Waiter(jobId, digits);
                // Listed by a delivery before this one, the job goes on waiting, unless the computation
                // that holds the lease may now end after the job's deadline and the job could be
                // computed alone by then: it is then computed alone, and stays listed until the store
                // covers it. That computation may be the one the job was listed for, run past the end
                // its worker reckoned, or another: the list does not say which a job waits for, and
                // the one it was listed for may have ended without covering it, or lost the lease to a
                // longer one (which it gets back only while its heartbeat is fresh), so its end is not
                // known.
                boolean endsTooLate = latestWait != null && state.mayEndAfter(latestWait, now);
                if (state.lists(waiter) && !endsTooLate) {
                    return new Plan.Waiting(state.leaseDigits(), true);
                }
                if (endsTooLate) {
                    return new Plan.Alone("the computation of " + state.leaseDigits() + " digits that covers it may"
                            + " end after the job's deadline, " + latestWait + " (its worker reckoned it done by "
                            + state.leaseEndsBy() + ")", false);
                }
                if (state.waiting().size() >= DigitStore.MAX_WAITERS) {
                    return new Plan.Waiting(state.leaseDigits(), false);
                }
                if (store.await(waiter, state.leaseOwner())) {
                    return new Plan.Waiting(state.leaseDigits(), true);
                }
                continue; // that computation ended a moment ago, or the list filled: look again
            }
            long size = size(digits, state.digits(), computable);
            if (store.takeLease(owner, size, digits, leaseEnd.apply(size), staleAfter)) {
                return new Plan.Compute(size);
            }
        }
        throw new IllegalStateException("The digit store kept changing while job " + jobId + " was planned");
    }

    /**
     * How much to compute for a job of {@code needed} decimals beyond a store of {@code stored}:
     * twice the store when that fits in what may be computed now, else exactly what is needed.
     *
     * <p>Doubling makes the store's growth geometric: a workload of rising sizes costs a few
     * computations, not one per size, and because the cost grows as about {@code digits^1.007}
     * (pi-core's time model), all the doublings together cost about twice the last one. The job
     * that triggers a doubling pays for it, about twice its own computation, and nothing more than
     * its own when it already needs that much. Sized to the time there is, a doubling is what runs
     * out of it should the model be optimistic; a retried job is given its own size only, as is
     * one due before the invocation's end ({@code JobProcessor}).
     */
    static long size(int needed, long stored, long computable) {
        return Math.max(needed, Math.min(2 * stored, computable));
    }
}
