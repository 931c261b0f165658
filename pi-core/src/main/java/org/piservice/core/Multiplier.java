package org.piservice.core;

import java.math.BigInteger;
import org.piservice.core.mul.FastMultiply;

/**
 * The one place every large multiplication of the engine goes through, so the multiplication
 * algorithm can change without touching the series, the Newton iterations or the conversion.
 */
interface Multiplier {

    BigInteger multiply(BigInteger a, BigInteger b);

    default BigInteger square(BigInteger a) {
        return multiply(a, a);
    }

    /**
     * Bits [from, to) of a·b for a, b ≥ 0, floor(a·b / 2^from) mod 2^(to - from), which a fast
     * multiplier may return one too large (mod 2^(to - from)) in exchange for a shorter product.
     */
    default BigInteger middleBits(BigInteger a, BigInteger b, int from, int to) {
        return FastMultiply.low(multiply(a, b).shiftRight(from), to - from);
    }

    /**
     * A modulus width m ≥ minBits for {@link #cyclic}, chosen by the multiplier: a fast one rounds
     * up to a length it can wrap at.
     */
    default int cyclicBits(int minBits) {
        return minBits;
    }

    /** a·b mod (2^m - 1) for a, b ≥ 0 and m from {@link #cyclicBits}. */
    default BigInteger cyclic(BigInteger a, BigInteger b, int m) {
        return FastMultiply.mersenne(multiply(a, b), m);
    }

    /** {x·y, x·z + u·v}: Q and T of a series merge, which share the factor x. */
    default BigInteger[] productAndSum(BigInteger x, BigInteger y, BigInteger z, BigInteger u, BigInteger v) {
        return new BigInteger[] {multiply(x, y), multiply(x, z).add(multiply(u, v))};
    }

    /** The JDK's own multiplication (Karatsuba and Toom-Cook 3): the simple, independent path. */
    Multiplier JDK = BigInteger::multiply;

    /** Quasi-linear above its threshold (number-theoretic transform), the JDK's below. */
    Multiplier FAST = new Multiplier() {
        @Override
        public BigInteger multiply(BigInteger a, BigInteger b) {
            return FastMultiply.multiply(a, b);
        }

        @Override
        public BigInteger square(BigInteger a) {
            return FastMultiply.square(a);
        }

        @Override
        public BigInteger middleBits(BigInteger a, BigInteger b, int from, int to) {
            return FastMultiply.middleBits(a, b, from, to);
        }

        @Override
        public int cyclicBits(int minBits) {
            return FastMultiply.cyclicBits(minBits);
        }

        @Override
        public BigInteger cyclic(BigInteger a, BigInteger b, int m) {
            return FastMultiply.cyclic(a, b, m);
        }

        @Override
        public BigInteger[] productAndSum(BigInteger x, BigInteger y, BigInteger z, BigInteger u, BigInteger v) {
            return FastMultiply.productAndSum(x, y, z, u, v);
        }
    };

    /** The multiplication the engine uses by default. */
    Multiplier DEFAULT = FAST;
}
