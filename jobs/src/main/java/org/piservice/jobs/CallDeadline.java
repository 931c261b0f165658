package org.piservice.jobs;

import java.time.Duration;
import java.util.function.Supplier;
import software.amazon.awssdk.awscore.AwsRequest;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

/**
 * A time by which the AWS calls of one piece of work must be over, whatever each call's own
 * {@link CallBudget} allows: a function that must answer within its timeout runs its work
 * {@link #within} its time. Each call of a client with a budget is cut to the time left, and a call
 * with none left fails at once, as a call that timed out does, so the work's own handling of a
 * failed call answers in time. Per-call budgets alone do not bound work that makes many calls:
 * a table whose every other attempt times out makes each call take twice its attempt timeout.
 *
 * <p>The calls that undo what a failed piece of work did ({@link #undoing}) get a reserve of time
 * past the others' deadline: work cut short still withdraws what it had written, or it would leave
 * behind what its answer says was not made.
 */
public final class CallDeadline {

    /** {@link System#nanoTime()} at the work's deadline and at its undoing's. */
    private record Deadlines(long workNanos, long undoNanos) {
    }

    /** Unbound outside {@link #within}. */
    private static final ScopedValue<Deadlines> DEADLINES = ScopedValue.newInstance();

    private CallDeadline() {
    }

    /**
     * Runs {@code work} with its AWS calls over within {@code time} from now, those it makes
     * {@link #undoing} within {@code time}, the others {@code undoReserve} sooner.
     */
    public static <T> T within(Duration time, Duration undoReserve, Supplier<T> work) {
        long end = System.nanoTime() + time.toNanos();
        return ScopedValue.where(DEADLINES, new Deadlines(end - undoReserve.toNanos(), end)).call(work::get);
    }

    /** Runs {@code undo}, whose calls withdraw what failed work did, with the reserve {@link #within} kept for it. */
    public static <T> T undoing(Supplier<T> undo) {
        if (!DEADLINES.isBound()) {
            return undo.get();
        }
        long end = DEADLINES.get().undoNanos();
        return ScopedValue.where(DEADLINES, new Deadlines(end, end)).call(undo::get);
    }

    /** As {@link #undoing(Supplier)}, for an undo without a result. */
    public static void undoing(Runnable undo) {
        undoing(() -> {
            undo.run();
            return null;
        });
    }

    /** Cuts each call of a client with {@code budget} to the time left of the work it belongs to. */
    static ExecutionInterceptor interceptor(CallBudget budget) {
        return new ExecutionInterceptor() {
            @Override
            public SdkRequest modifyRequest(Context.ModifyRequest context, ExecutionAttributes attributes) {
                if (!DEADLINES.isBound()) {
                    return context.request();
                }
                Duration left = Duration.ofNanos(DEADLINES.get().workNanos() - System.nanoTime());
                // the SDK takes a timeout below a millisecond for none at all
                if (left.toMillis() < 1) {
                    throw SdkClientException.create("No time was left for this call before the request's deadline");
                }
                if (left.compareTo(budget.callTimeout()) >= 0 || !(context.request() instanceof AwsRequest request)) {
                    return context.request();
                }
                AwsRequestOverrideConfiguration cut = request.overrideConfiguration()
                        .map(AwsRequestOverrideConfiguration::toBuilder)
                        .orElseGet(AwsRequestOverrideConfiguration::builder)
                        .apiCallTimeout(left)
                        .apiCallAttemptTimeout(left.compareTo(budget.attemptTimeout()) < 0 ? left : budget.attemptTimeout())
                        .build();
                return request.toBuilder().overrideConfiguration(cut).build();
            }
        };
    }
}
