package org.piservice.jobs;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
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
 * <p>The calls that finish a piece of work however it went ({@link #finishing}) get a reserve of
 * time past the others' deadline: work cut short still withdraws what it had written, or it would
 * leave behind what its answer says was not made, and still records how it ended, or it would
 * leave that to whoever notices its silence.
 */
public final class CallDeadline {

    /** {@link System#nanoTime()} at the work's deadline and at its finishing calls'. */
    private record Deadlines(long workNanos, long finishNanos) {
    }

    /** The time a function keeps, after its last AWS call was cut off, to answer. */
    public static final Duration ANSWER_RESERVE = Duration.ofSeconds(1);
    /** Unbound outside {@link #within}. */
    private static final ScopedValue<Deadlines> DEADLINES = ScopedValue.newInstance();

    private CallDeadline() {
    }

    /**
     * Runs {@code work} of a function with {@code timeLeft} before it is stopped: the AWS calls it
     * makes {@link #finishing} end {@link #ANSWER_RESERVE} before that, the others
     * {@code finishReserve} sooner still.
     */
    public static <T> T within(Duration timeLeft, Duration finishReserve, Supplier<T> work) {
        long end = System.nanoTime() + timeLeft.minus(ANSWER_RESERVE).toNanos();
        return ScopedValue.where(DEADLINES, new Deadlines(end - finishReserve.toNanos(), end)).call(work::get);
    }

    /**
     * Runs {@code finish}, whose calls withdraw what failed work did or record how the work ended,
     * with the reserve {@link #within} kept for it.
     */
    public static <T> T finishing(Supplier<T> finish) {
        if (!DEADLINES.isBound()) {
            return finish.get();
        }
        long end = DEADLINES.get().finishNanos();
        return ScopedValue.where(DEADLINES, new Deadlines(end, end)).call(finish::get);
    }

    /** As {@link #finishing(Supplier)}, for calls without a result. */
    public static void finishing(Runnable finish) {
        finishing(() -> {
            finish.run();
            return null;
        });
    }

    /**
     * {@code task} under the deadlines of the work that calls this, for another thread to run: a
     * scoped value does not reach an executor's threads, whose calls would otherwise have only
     * their own budgets.
     */
    public static Runnable carried(Runnable task) {
        if (!DEADLINES.isBound()) {
            return task;
        }
        Deadlines deadlines = DEADLINES.get();
        return () -> ScopedValue.where(DEADLINES, deadlines).run(task);
    }

    /**
     * {@code out} with the deadlines of the work that calls this for the calls its writes (and its
     * flush and close) make, on whichever thread makes them: an engine that writes from its own
     * threads (pi-core's fork/join pool) would otherwise upload without them.
     */
    public static OutputStream carried(OutputStream out) {
        if (!DEADLINES.isBound()) {
            return out;
        }
        Deadlines deadlines = DEADLINES.get();
        return new FilterOutputStream(out) {
            @Override
            public void write(int b) throws IOException {
                under(deadlines, () -> out.write(b));
            }

            @Override
            public void write(byte[] bytes, int offset, int length) throws IOException {
                under(deadlines, () -> out.write(bytes, offset, length));
            }

            @Override
            public void flush() throws IOException {
                under(deadlines, out::flush);
            }

            @Override
            public void close() throws IOException {
                under(deadlines, out::close);
            }
        };
    }

    /** A stream's operation. */
    private interface StreamCall {
        void call() throws IOException;
    }

    private static void under(Deadlines deadlines, StreamCall call) throws IOException {
        ScopedValue.where(DEADLINES, deadlines).call(() -> {
            call.call();
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
                    throw SdkClientException.create("No time was left for this call before its deadline");
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
