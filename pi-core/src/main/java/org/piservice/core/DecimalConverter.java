package org.piservice.core;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RecursiveAction;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.piservice.core.mul.LongInteger;

/**
 * Turns a binary fraction into its leading decimal digits by divide and conquer, using
 * multiplications only: the first h digits of a fraction r are those of r truncated to about
 * h·log2(10) bits, and the remaining ones are the digits of frac(r·10^h). With 10^h = 5^h·2^h only
 * 5^h is multiplied. The split points are chunk·2^j digits, so one cached chain of squares serves
 * every level. Digits go to the sink as soon as a chunk is known, left to right.
 *
 * <p>Exactness: a fraction is carried as F / 2^bits with a known error bound, in units of its last
 * bit. Every integer part taken (a chunk of digits, or the part dropped before the right half) is
 * checked to lie farther than that bound from an integer, so it is the integer part of the true
 * value; otherwise the conversion stops with {@link AmbiguousDigitsException} and the caller retries
 * with more guard bits. The bound grows by at most one unit per level.
 */
final class DecimalConverter {

    /** Digits per chunk written at once; the leaves of the recursion. */
    static final int CHUNK_DIGITS = 256;
    /**
     * Right halves this long are converted by another thread, at every level: when only the halves
     * bound for the sink were, a thread that finished its part waited while the other converted
     * the last half alone (at 10^8 digits the conversion kept 1.72 of two cores busy, and 1.91
     * with every half split). A half bound for the sink goes into a buffer of its own, and the
     * halves within it into their places in that buffer.
     */
    private static final int PARALLEL_DIGITS = 1 << 20;
    private static final long NINE_DIGITS = 1_000_000_000L;
    private static final double LOG2_10 = Math.log(10) / Math.log(2);

    private final Multiplier mul;
    private final Computation computation;
    private final OutputStream sink;
    private final long skip;
    private final long total;
    private final AtomicLong converted = new AtomicLong();
    private final double progressStart;
    private final double progressSpan;
    /** fivePowers.get(j) = 5^(CHUNK_DIGITS · 2^j). */
    private final List<LongInteger> fivePowers = new ArrayList<>();
    private final BigInteger[] smallFivePowers = new BigInteger[CHUNK_DIGITS + 1];
    private long written;
    /**
     * The first failure of a half converted on this thread while another thread converts the
     * other: the other stops at its next step with the same exception, so that an ambiguous digit
     * anywhere is retried with more precision whichever thread meets it first.
     */
    private final AtomicReference<RuntimeException> failure = new AtomicReference<>();

    /**
     * @param skip digits at the start that were already written by an earlier attempt; they are
     *             neither written again nor computed, except for the splits that lead past them
     */
    DecimalConverter(Multiplier mul, Computation computation, OutputStream sink, long skip, long total,
            double progressStart, double progressSpan) {
        this.mul = mul;
        this.computation = computation;
        this.sink = sink;
        this.skip = skip;
        this.total = total;
        this.progressStart = progressStart;
        this.progressSpan = progressSpan;
        smallFivePowers[0] = BigInteger.ONE;
        for (int i = 1; i <= CHUNK_DIGITS; i++) {
            smallFivePowers[i] = smallFivePowers[i - 1].multiply(BigInteger.valueOf(5));
        }
    }

    /** Bits a fraction needs to yield {@code digits} decimals with {@code guard} bits to spare. */
    static long bitsFor(long digits, int guard) {
        return (long) Math.ceil(digits * LOG2_10) + guard;
    }

    /**
     * Writes the first {@code digits} decimals of the fraction fraction / 2^bits, whose distance
     * from the true value is less than {@code error} units of 2^-bits.
     */
    void write(LongInteger fraction, long bits, int digits, long error) {
        if (digits > CHUNK_DIGITS) {
            for (int level = 0; level <= splitLevel(digits); level++) {
                fivePowers.add(level == 0 ? LongInteger.of(smallFivePowers[CHUNK_DIGITS])
                        : mul.square(fivePowers.getLast()));
            }
        }
        convert(fraction, bits, 0, digits, error, null);
    }

    /** Returns the number of digits this converter wrote to the sink so far. */
    long written() {
        return written;
    }

    /** Decimals start to start + digits - 1: to the sink, or to their places in buffer when there is one. */
    private void convert(LongInteger f, long bits, long start, int digits, long error, Buffer buffer) {
        RuntimeException failed = failure.get();
        if (failed != null) {
            throw failed;
        }
        computation.checkCancelled();
        if (start + digits <= skip) {
            return;
        }
        if (digits <= CHUNK_DIGITS) {
            chunk(f, bits, start, digits, error, buffer);
            return;
        }
        int level = splitLevel(digits);
        int h = CHUNK_DIGITS << level;
        LongInteger five = fivePowers.get(level);
        int rightDigits = digits - h;

        // Right half first, while f is at hand: frac(r · 10^h) = frac(f · 5^h / 2^(bits - h)).
        long drop = five.bitLength();
        long rightBits = bits - h - drop;
        LongInteger right = mul.middleBits(f, five, drop, bits - h);
        // With 5^h < 2^drop, f's error scales to less than `error` units; the floor, and the one
        // unit the multiplier may add, keep the kept fraction within error + 1 units of the true
        // one. The dropped integer part is certain when that keeps the fraction off 0 and 1.
        if (nearInteger(right, rightBits, error)) {
            throw new AmbiguousDigitsException(start + h);
        }

        // The left half needs only the leading bits of f.
        long leftDrop = Math.max(0, (long) Math.floor(rightDigits * LOG2_10) - 1);
        LongInteger left = f.shiftRight(leftDrop);
        long leftBits = bits - leftDrop;
        long leftError = leftDrop == 0 ? error : error + 1;

        if (rightDigits >= PARALLEL_DIGITS) {
            Buffer rightBuffer = buffer != null ? buffer : new Buffer(new byte[rightDigits], start + h);
            RecursiveAction rightTask = new RecursiveAction() {
                @Override
                protected void compute() {
                    convert(right, rightBits, start + h, rightDigits, error + 1, rightBuffer);
                }
            };
            rightTask.fork();
            try {
                convert(left, leftBits, start, h, leftError, buffer);
            } catch (RuntimeException e) {
                failure.compareAndSet(null, e);
                // It stops at its next step; waiting for it keeps its work out of the next attempt's way.
                rightTask.quietlyJoin();
                throw e;
            }
            rightTask.join();
            if (buffer == null) {
                emit(rightBuffer.digits(), rightDigits, start + h, null);
            }
        } else {
            convert(left, leftBits, start, h, leftError, buffer);
            convert(right, rightBits, start + h, rightDigits, error + 1, buffer);
        }
    }

    /** The last chunk of digits: floor(f · 10^digits / 2^bits), checked, zero-padded. */
    private void chunk(LongInteger fraction, long bits, long start, int digits, long error, Buffer buffer) {
        BigInteger five = smallFivePowers[digits];
        BigInteger v = fraction.toBigInteger().multiply(five);
        int fracBits = (int) bits - digits;
        BigInteger value = v.shiftRight(fracBits);
        BigInteger frac = v.subtract(value.shiftLeft(fracBits));
        BigInteger margin = five.multiply(BigInteger.valueOf(error));
        if (frac.compareTo(margin) <= 0 || BigInteger.ONE.shiftLeft(fracBits).subtract(frac).compareTo(margin) <= 0) {
            throw new AmbiguousDigitsException(start + digits);
        }
        emit(decimal(value, digits), digits, start, buffer);
        long done = converted.addAndGet(digits);
        computation.report(progressStart + progressSpan * done / total, "conversion");
    }

    /**
     * The decimal digits of 0 ≤ value < 10^count, zero-padded on the left to count characters, nine
     * at a time by short division of 32-bit words. At a chunk's size that is about twice as fast as
     * BigInteger.toString, and a cold JVM compiles this one loop instead of the JDK's recursive
     * conversion and long division.
     */
    static byte[] decimal(BigInteger value, int count) {
        byte[] bytes = value.toByteArray();
        int[] words = new int[(bytes.length + 3) >>> 2]; // big-endian, 32 bits each
        for (int i = 0; i < bytes.length; i++) {
            words[words.length - 1 - (i >>> 2)] |= (bytes[bytes.length - 1 - i] & 0xFF) << (8 * (i & 3));
        }
        byte[] text = new byte[count];
        int top = 0;
        for (int end = count; end > 0; ) {
            // words = words / 10^9; the remainder is the next nine digits from the right.
            long rem = 0;
            for (int i = top; i < words.length; i++) {
                long cur = (rem << 32) | (words[i] & 0xFFFF_FFFFL);
                long q = cur / NINE_DIGITS;
                words[i] = (int) q;
                rem = cur - q * NINE_DIGITS;
            }
            while (top < words.length && words[top] == 0) {
                top++;
            }
            for (int d = 0; d < 9 && end > 0; d++) {
                text[--end] = (byte) ('0' + rem % 10);
                rem /= 10;
            }
        }
        return text;
    }

    /** Decimals start to start + count - 1: to the sink, or to their places in buffer when there is one. */
    private void emit(byte[] digits, int count, long start, Buffer buffer) {
        if (buffer != null) {
            System.arraycopy(digits, 0, buffer.digits(), (int) (start - buffer.start()), count);
            return;
        }
        try {
            sink.write(digits, 0, count);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        written += count;
    }

    /** The digits of a right half bound for the sink, from digit start on, converted by other threads. */
    private record Buffer(byte[] digits, long start) {
    }

    /**
     * Whether f / 2^bits lies within {@code units} units of 2^-bits of an integer (0 or 1), for
     * 0 ≤ f < 2^bits: then a value that far from it may lie on the integer's other side.
     */
    static boolean nearInteger(LongInteger f, long bits, long units) {
        LongInteger margin = LongInteger.valueOf(units);
        // 2^bits - f ≤ units exactly when f + units reaches 2^bits.
        return f.compareTo(margin) <= 0 || f.add(margin).bitLength() > bits;
    }

    private static int splitLevel(int digits) {
        int level = 0;
        while ((long) CHUNK_DIGITS << (level + 1) < digits) {
            level++;
        }
        return level;
    }
}
