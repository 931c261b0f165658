package org.piservice.core;

import org.piservice.core.mul.FastMultiply;
import org.piservice.core.mul.LongInteger;

/**
 * The one place every large multiplication of the engine goes through, so the multiplication
 * algorithm can change without touching the series, the Newton iterations or the conversion.
 */
interface Multiplier {

    LongInteger multiply(LongInteger a, LongInteger b);

    default LongInteger square(LongInteger a) {
        return multiply(a, a);
    }

    /**
     * Bits [from, to) of a·b for a, b ≥ 0, floor(a·b / 2^from) mod 2^(to - from), which a fast
     * multiplier may return one too large (mod 2^(to - from)) in exchange for a shorter product.
     */
    default LongInteger middleBits(LongInteger a, LongInteger b, long from, long to) {
        return multiply(a, b).shiftRight(from).low(to - from);
    }

    /**
     * A modulus width m ≥ minBits for {@link #cyclic}, chosen by the multiplier: a fast one rounds
     * up to a length it can wrap at.
     */
    default long cyclicBits(long minBits) {
        return minBits;
    }

    /** a·b mod (2^m - 1) for a, b ≥ 0 and m from {@link #cyclicBits}. */
    default LongInteger cyclic(LongInteger a, LongInteger b, long m) {
        return FastMultiply.mersenne(multiply(a, b), m);
    }

    /** {x·y, x·z + u·v}: Q and T of a series merge, which share the factor x. */
    default LongInteger[] productAndSum(LongInteger x, LongInteger y, LongInteger z, LongInteger u, LongInteger v) {
        return new LongInteger[] {multiply(x, y), multiply(x, z).add(multiply(u, v))};
    }

    /**
     * The JDK's own multiplication (Karatsuba and Toom-Cook 3): the simple, independent path, for
     * products BigInteger can hold.
     */
    Multiplier JDK = (a, b) -> LongInteger.of(a.toBigInteger().multiply(b.toBigInteger()));

    /** Quasi-linear above its threshold (number-theoretic transform), the JDK's below. */
    Multiplier FAST = new Multiplier() {
        @Override
        public LongInteger multiply(LongInteger a, LongInteger b) {
            return FastMultiply.multiply(a, b);
        }

        @Override
        public LongInteger square(LongInteger a) {
            return FastMultiply.square(a);
        }

        @Override
        public LongInteger middleBits(LongInteger a, LongInteger b, long from, long to) {
            return FastMultiply.middleBits(a, b, from, to);
        }

        @Override
        public long cyclicBits(long minBits) {
            return FastMultiply.cyclicBits(minBits);
        }

        @Override
        public LongInteger cyclic(LongInteger a, LongInteger b, long m) {
            return FastMultiply.cyclic(a, b, m);
        }

        @Override
        public LongInteger[] productAndSum(LongInteger x, LongInteger y, LongInteger z, LongInteger u, LongInteger v) {
            return FastMultiply.productAndSum(x, y, z, u, v);
        }
    };

    /** The multiplication the engine uses by default. */
    Multiplier DEFAULT = FAST;
}
