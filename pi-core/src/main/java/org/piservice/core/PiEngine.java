package org.piservice.core;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import org.piservice.core.mul.LongInteger;

/**
 * Computes π as a binary fixed-point number from the Chudnovsky series and streams its decimals.
 *
 * <p>π·2^k is approximated by floor(426880 · floor(√10005 · 2^k) · Q / T), with Q and T known to a
 * relative 2^-(k+64) from the series and then cut to k + 64 bits; the floors and the cuts
 * together stay below 2 units of 2^-k, which is the error bound handed to the
 * {@link DecimalConverter}.
 */
final class PiEngine {

    /** Guard bits of the first attempt: enough that a retry needs a run of ~30 equal digits. */
    static final int DEFAULT_GUARD_BITS = 128;
    /** Below this size threads cost more than they save. */
    private static final int PARALLEL_DIGITS = 20_000;
    /** The most bytes passed to the sink at once. */
    static final int WRITE_BYTES = 1 << 16;
    private static final long ERROR_UNITS = 4;
    private static final double SERIES_END = 0.7;
    private static final double DIVISION_END = 0.8;

    private final Multiplier mul;
    private final Newton newton;
    private final int initialGuardBits;
    private int attempts;

    PiEngine(Multiplier mul, int initialGuardBits) {
        this.mul = mul;
        this.newton = new Newton(mul);
        this.initialGuardBits = initialGuardBits;
    }

    /** Attempts the last {@link #write} needed; more than one only when digits were ambiguous. */
    int attempts() {
        return attempts;
    }

    void write(int digits, OutputStream sink, Computation computation) throws IOException {
        OutputStream out = new BufferedOutputStream(sink, WRITE_BYTES) {
            // The conversion hands over blocks of up to tens of MB; a file channel would copy each
            // through a native buffer of its size and keep that buffer, beside a heap already full.
            @Override
            public void write(byte[] bytes, int offset, int length) throws IOException {
                for (int at = 0; at < length; at += WRITE_BYTES) {
                    super.write(bytes, offset + at, Math.min(WRITE_BYTES, length - at));
                }
            }
        };
        out.write("3.".getBytes(StandardCharsets.US_ASCII));
        ForkJoinPool pool = digits >= PARALLEL_DIGITS ? new ForkJoinPool() : null;
        try {
            long written = 0;
            int guard = initialGuardBits;
            attempts = 0;
            while (true) {
                attempts++;
                DecimalConverter converter = new DecimalConverter(mul, computation, out, written, digits,
                        DIVISION_END, 1 - DIVISION_END);
                long bits = DecimalConverter.bitsFor(digits, guard);
                try {
                    run(pool, () -> attempt(digits, bits, converter, computation));
                    break;
                } catch (RuntimeException e) {
                    RuntimeException cause = unwrap(e);
                    if (cause instanceof UncheckedIOException io) {
                        throw io.getCause();
                    }
                    if (!(cause instanceof AmbiguousDigitsException)) {
                        throw cause;
                    }
                    written += converter.written();
                    guard *= 2;
                }
            }
        } finally {
            if (pool != null) {
                pool.shutdownNow();
            }
        }
        out.flush();
        computation.report(1.0, "conversion");
    }

    private static void run(ForkJoinPool pool, Runnable work) {
        if (pool == null) {
            work.run();
        } else {
            pool.invoke(ForkJoinTask.adapt(work));
        }
    }

    private void attempt(int digits, long bits, DecimalConverter converter, Computation computation) {
        converter.write(fraction(bits, computation), bits, digits, ERROR_UNITS);
    }

    /**
     * The fraction of π·2^bits, within ERROR_UNITS of the truth. This runs once per computation, so
     * in the interpreter, which keeps a method's locals alive to its end: each large value is
     * dropped as soon as it is used, and the series' sums die with {@link #cutSums}'s frame, or the
     * division would hold them beside its own transforms (at 10^8 digits, 100-200 MB more).
     */
    private LongInteger fraction(long bits, Computation computation) {
        LongInteger[] qt = cutSums(bits, computation);
        LongInteger t = qt[1];
        // T's reciprocal beside the root, which does not need it: each alone leaves a core idle at
        // times. π·2^bits has bits + 2 bits; numerator and T's lengths may count one more.
        ForkJoinTask<Newton.Divisor> divisor = ForkJoinTask.adapt(() -> newton.divisor(t, bits + 3));
        boolean beside = ForkJoinTask.inForkJoinPool();
        if (beside) {
            divisor.fork();
        }
        // 426880·√10005·2^bits first: a short product, so the long one, with Q, is the last.
        LongInteger numerator = mul.multiply(newton.floorSqrt(LongInteger.valueOf(10005).shiftLeft(2 * bits)),
                LongInteger.valueOf(426880));
        computation.checkCancelled();
        numerator = mul.multiply(numerator, qt[0]);
        qt = null;
        LongInteger pi = newton.floorDiv(numerator, beside ? divisor.join() : divisor.invoke());
        computation.checkCancelled();
        computation.report(DIVISION_END, "conversion");
        LongInteger fraction = pi.subtract(LongInteger.valueOf(3).shiftLeft(bits));
        if (DecimalConverter.nearInteger(fraction, bits, ERROR_UNITS)) {
            throw new AmbiguousDigitsException(0);
        }
        return fraction;
    }

    /** Q and T of the series, both cut to bits + 64 bits. */
    private LongInteger[] cutSums(long bits, Computation computation) {
        int terms = ChudnovskySeries.termsFor(bits);
        ChudnovskySeries.Sums sums = ChudnovskySeries.sum(terms, bits + 64, mul, computation, 0, SERIES_END);
        computation.checkCancelled();
        computation.report(SERIES_END, "division");
        long cut = Math.max(0, sums.t().bitLength() - (bits + 64));
        return new LongInteger[] {sums.q().shiftRight(cut), sums.t().shiftRight(cut)};
    }

    /** Thrown through fork/join tasks, an exception may arrive wrapped; this finds the original. */
    private static RuntimeException unwrap(RuntimeException e) {
        Throwable t = e;
        while (t != null) {
            if (t instanceof CancellationException || t instanceof AmbiguousDigitsException
                    || t instanceof UncheckedIOException) {
                return (RuntimeException) t;
            }
            t = t.getCause();
        }
        return e;
    }
}
