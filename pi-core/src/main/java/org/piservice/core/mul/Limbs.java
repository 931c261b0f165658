package org.piservice.core.mul;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.math.BigInteger;
import java.nio.ByteOrder;

/**
 * 64-bit little-endian limbs read from and written to the big-endian byte arrays that
 * {@link BigInteger#toByteArray()} and {@link BigInteger#BigInteger(int, byte[])} use. Working on
 * those arrays directly costs one copy each way and no per-limb allocation: BigInteger has no public
 * view of its internal int[].
 */
final class Limbs {

    private static final VarHandle LONG_BE =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private Limbs() {
    }

    /** Big-endian bytes of |x|; any leading sign byte is a harmless zero. */
    static byte[] magnitude(BigInteger x) {
        return (x.signum() < 0 ? x.negate() : x).toByteArray();
    }

    /** Limbs up to the highest nonzero one (at least one): a leading sign byte is not counted. */
    static int count(byte[] magnitude) {
        int bytes = magnitude.length > 0 && magnitude[0] == 0 ? magnitude.length - 1 : magnitude.length;
        return Math.max(1, (bytes + 7) >>> 3);
    }

    /** Limb i (i < count) of a big-endian magnitude, as an unsigned word. */
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

    /** Stores limb i of an array sized to a whole number of limbs. */
    static void set(byte[] magnitude, int i, long value) {
        LONG_BE.set(magnitude, magnitude.length - 8 * (i + 1), value);
    }
}
