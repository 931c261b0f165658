package org.piservice.core.mul;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.math.BigInteger;
import java.nio.ByteOrder;

/**
 * 64-bit words read from and written to the big-endian byte arrays that
 * {@link BigInteger#toByteArray()} and {@link BigInteger#BigInteger(int, byte[])} use: BigInteger
 * has no public view of its internal int[], so one copy each way is the least a product costs.
 */
final class Limbs {

    private static final VarHandle LONG_BE =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private Limbs() {
    }

    /**
     * The 64-bit words of |x|, least significant first, at least one: read once from the bytes,
     * so the transforms, which read every word once per prime, index a plain array.
     */
    static long[] words(BigInteger x) {
        byte[] bytes = (x.signum() < 0 ? x.negate() : x).toByteArray();
        // A leading sign byte is a zero that would only add a word.
        int significant = bytes.length > 0 && bytes[0] == 0 ? bytes.length - 1 : bytes.length;
        long[] words = new long[Math.max(1, (significant + 7) >>> 3)];
        for (int i = 0; i < words.length; i++) {
            words[i] = get(bytes, i);
        }
        return words;
    }

    /** Word i of a big-endian magnitude, least significant first, as an unsigned word; 0 past the top. */
    static long get(byte[] magnitude, int i) {
        int end = magnitude.length - 8 * i;
        if (end >= 8) {
            return (long) LONG_BE.get(magnitude, end - 8);
        }
        long v = 0;
        for (int k = 0; k < end; k++) {
            v = (v << 8) | (magnitude[k] & 0xFF);
        }
        return v;
    }

    /** Stores word i of an array sized to a whole number of words. */
    static void set(byte[] magnitude, int i, long value) {
        LONG_BE.set(magnitude, magnitude.length - 8 * (i + 1), value);
    }
}
