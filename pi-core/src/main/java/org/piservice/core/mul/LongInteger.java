package org.piservice.core.mul;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.math.BigInteger;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * An immutable integer whose bit length is a long: the engine's number type. BigInteger stops at
 * 2^31 bits, and at 10^9 digits the series' last merges, the Newton iterations and the division
 * hold numbers of 3.3·10^9 to 6.6·10^9 bits. The magnitude is kept as the 64-bit words the
 * number-theoretic transform reads, least significant first, so a product copies nothing on its
 * way in or out.
 *
 * <p>Only what the engine needs is here: shifts, sums and comparisons, linear in the length.
 * Products go through {@link FastMultiply}; divisions and roots of small values go to BigInteger
 * ({@link #toBigInteger}), as does the multiplication of operands below the transform's threshold.
 * Shifting right rounds towards negative infinity, as BigInteger's does.
 */
public final class LongInteger implements Comparable<LongInteger> {

    public static final LongInteger ZERO = new LongInteger(0, new long[0], 0);
    public static final LongInteger ONE = valueOf(1);

    /** BigInteger's own limit: 2^31 - 1 bits. */
    static final long BIG_INTEGER_BITS = Integer.MAX_VALUE;

    private static final VarHandle LONG_BE =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private final int signum;
    /** The magnitude's words, least significant first; words from {@code length} on are zero. */
    final long[] words;
    /** Words in use: the top one is not zero. */
    final int length;

    private LongInteger(int signum, long[] words, int length) {
        this.signum = signum;
        this.words = words;
        this.length = length;
    }

    /**
     * The integer of this sign and magnitude; the array is taken over, not copied (the transform's
     * results may end in zero words, which are left in place rather than copied away).
     */
    static LongInteger of(int signum, long[] words) {
        int n = words.length;
        while (n > 0 && words[n - 1] == 0) {
            n--;
        }
        return n == 0 ? ZERO : new LongInteger(signum < 0 ? -1 : 1, words, n);
    }

    public static LongInteger valueOf(long value) {
        // The magnitude of Long.MIN_VALUE is 2^63, which is what its bits say read unsigned.
        return value == 0 ? ZERO : new LongInteger(Long.signum(value), new long[] {Math.abs(value)}, 1);
    }

    public static LongInteger of(BigInteger value) {
        if (value.signum() == 0) {
            return ZERO;
        }
        byte[] bytes = value.abs().toByteArray();
        long[] w = new long[(bytes.length + 7) >>> 3];
        for (int i = 0; i < w.length; i++) {
            int end = bytes.length - 8 * i;
            if (end >= 8) {
                w[i] = (long) LONG_BE.get(bytes, end - 8);
            } else {
                for (int k = 0; k < end; k++) {
                    w[i] = (w[i] << 8) | (bytes[k] & 0xFF);
                }
            }
        }
        return of(value.signum(), w);
    }

    /** 2^exponent. */
    public static LongInteger powerOfTwo(long exponent) {
        return ONE.shiftLeft(exponent);
    }

    /** This value as a BigInteger, which must be able to hold it. */
    public BigInteger toBigInteger() {
        if (bitLength() > BIG_INTEGER_BITS - 64) {
            throw new ArithmeticException("BigInteger would overflow supported range");
        }
        byte[] bytes = new byte[8 * length];
        for (int i = 0; i < length; i++) {
            LONG_BE.set(bytes, bytes.length - 8 * (i + 1), words[i]);
        }
        return new BigInteger(signum, bytes);
    }

    public int signum() {
        return signum;
    }

    /** Bits of the magnitude (for negative values too, unlike BigInteger's). */
    public long bitLength() {
        return length == 0 ? 0 : 64L * length - Long.numberOfLeadingZeros(words[length - 1]);
    }

    /** Index of the lowest one bit, -1 for zero. */
    public long getLowestSetBit() {
        for (int i = 0; i < length; i++) {
            if (words[i] != 0) {
                return 64L * i + Long.numberOfTrailingZeros(words[i]);
            }
        }
        return -1;
    }

    public LongInteger negate() {
        return signum == 0 ? this : new LongInteger(-signum, words, length);
    }

    public LongInteger abs() {
        return signum < 0 ? negate() : this;
    }

    /** this · 2^n; a negative n shifts right. */
    public LongInteger shiftLeft(long n) {
        if (n < 0) {
            return shiftRight(-n);
        }
        if (signum == 0 || n == 0) {
            return this;
        }
        int wordShift = wordIndex(n);
        int bit = (int) (n & 63);
        long[] out = new long[length + wordShift + 1];
        if (bit == 0) {
            System.arraycopy(words, 0, out, wordShift, length);
        } else {
            long below = 0;
            for (int i = 0; i < length; i++) {
                out[i + wordShift] = (words[i] << bit) | (below >>> (64 - bit));
                below = words[i];
            }
            out[length + wordShift] = below >>> (64 - bit);
        }
        return of(signum, out);
    }

    /** floor(this / 2^n); a negative n shifts left. */
    public LongInteger shiftRight(long n) {
        if (n < 0) {
            return shiftLeft(-n);
        }
        if (signum == 0 || n == 0) {
            return this;
        }
        if (n >= bitLength()) {
            return signum < 0 ? valueOf(-1) : ZERO;
        }
        int wordShift = (int) (n >>> 6);
        int bit = (int) (n & 63);
        // A negative value's magnitude may round up into one more word.
        long[] out = new long[length - wordShift + (signum < 0 ? 1 : 0)];
        for (int i = 0; i < length - wordShift; i++) {
            long lo = words[i + wordShift] >>> bit;
            long hi = bit == 0 || i + wordShift + 1 >= length ? 0 : words[i + wordShift + 1] << (64 - bit);
            out[i] = lo | hi;
        }
        if (signum < 0 && droppedBits(wordShift, bit)) {
            increment(out); // floor of a negative value: its magnitude rounds up
        }
        return of(signum, out);
    }

    /** Whether any of the lowest 64·wordShift + bit bits is set. */
    private boolean droppedBits(int wordShift, int bit) {
        for (int i = 0; i < wordShift; i++) {
            if (words[i] != 0) {
                return true;
            }
        }
        return bit > 0 && (words[wordShift] & ((1L << bit) - 1)) != 0;
    }

    /** Adds one to a magnitude that has room above its top word. */
    private static void increment(long[] mag) {
        for (int i = 0; i < mag.length && ++mag[i] == 0; i++) {
            // carried into the next word
        }
    }

    public LongInteger add(LongInteger y) {
        if (y.signum == 0) {
            return this;
        }
        if (signum == 0) {
            return y;
        }
        if (signum == y.signum) {
            return of(signum, addMagnitudes(this, y));
        }
        int c = compareMagnitudes(this, y);
        if (c == 0) {
            return ZERO;
        }
        return c > 0 ? of(signum, subtractMagnitudes(this, y)) : of(y.signum, subtractMagnitudes(y, this));
    }

    public LongInteger subtract(LongInteger y) {
        return add(y.negate());
    }

    /** this mod 2^bits for this ≥ 0. */
    public LongInteger low(long bits) {
        if (bitLength() <= bits) {
            return this;
        }
        int whole = (int) (bits >>> 6);
        int bit = (int) (bits & 63);
        long[] out = Arrays.copyOf(words, whole + (bit > 0 ? 1 : 0));
        if (bit > 0) {
            out[whole] &= (1L << bit) - 1;
        }
        return of(signum, out);
    }

    @Override
    public int compareTo(LongInteger y) {
        if (signum != y.signum) {
            return Integer.compare(signum, y.signum);
        }
        return signum * compareMagnitudes(this, y);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LongInteger y && compareTo(y) == 0;
    }

    @Override
    public int hashCode() {
        int h = signum;
        for (int i = 0; i < length; i++) {
            h = 31 * h + Long.hashCode(words[i]);
        }
        return h;
    }

    /** In decimal, for values BigInteger can hold. */
    @Override
    public String toString() {
        return toBigInteger().toString();
    }

    private static int wordIndex(long bits) {
        long index = bits >>> 6;
        if (index > Integer.MAX_VALUE - 2) {
            throw new ArithmeticException("LongInteger would exceed 2^37 bits");
        }
        return (int) index;
    }

    private static int compareMagnitudes(LongInteger x, LongInteger y) {
        if (x.length != y.length) {
            return Integer.compare(x.length, y.length);
        }
        for (int i = x.length - 1; i >= 0; i--) {
            if (x.words[i] != y.words[i]) {
                return Long.compareUnsigned(x.words[i], y.words[i]);
            }
        }
        return 0;
    }

    private static long[] addMagnitudes(LongInteger x, LongInteger y) {
        if (x.length < y.length) {
            LongInteger t = x;
            x = y;
            y = t;
        }
        long[] out = new long[x.length + 1];
        long carry = 0;
        for (int i = 0; i < x.length; i++) {
            long a = x.words[i];
            long b = i < y.length ? y.words[i] : 0;
            long s = a + b;
            long c = Long.compareUnsigned(s, a) < 0 ? 1 : 0;
            long t = s + carry;
            c += Long.compareUnsigned(t, s) < 0 ? 1 : 0;
            out[i] = t;
            carry = c;
        }
        out[x.length] = carry;
        return out;
    }

    /** |x| - |y| for |x| > |y|. */
    private static long[] subtractMagnitudes(LongInteger x, LongInteger y) {
        long[] out = new long[x.length];
        long borrow = 0;
        for (int i = 0; i < x.length; i++) {
            long a = x.words[i];
            long b = i < y.length ? y.words[i] : 0;
            long d = a - b;
            long c = Long.compareUnsigned(a, b) < 0 ? 1 : 0;
            long t = d - borrow;
            c += Long.compareUnsigned(d, borrow) < 0 ? 1 : 0;
            out[i] = t;
            borrow = c;
        }
        return out;
    }
}
