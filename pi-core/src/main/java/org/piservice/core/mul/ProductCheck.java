package org.piservice.core.mul;

import java.util.Arrays;

/**
 * Checks each product the transform forms against its operands modulo the Mersenne prime
 * p = 2^61 - 1. The transform's arithmetic is exact by construction ({@link NttPrime}), but a defect
 * in that construction (one vector width, one transform length), in the JIT or in the hardware
 * would otherwise go on into the digits unseen. The check reads each operand and the result once,
 * O(n) beside the transform's O(n log n); a wrong result passes it only when its error is a multiple
 * of p. Since 2^64 ≡ 8 (mod p), whose powers repeat every 61 words, a word lost, doubled or out of
 * place changes the residue, unless it moved by a multiple of 61 places.
 *
 * <p>A product wrapped around at M bits (M = 128·L for a transform of L limbs) is only known modulo
 * 2^M - 1, which p does not divide; it is checked modulo 2^1024 - 1 instead, which divides 2^M - 1
 * whenever 8 divides L (every length from 32 limbs up: wrapped products start at 112). Residues
 * modulo 2^1024 - 1 are sums of 16-word blocks, as 2^1024 ≡ 1: as cheap to read as p's, and a
 * wrong result passes only when its error is a multiple of 2^1024 - 1, so a coefficient of the
 * transform gone wrong (an error below 2^300 at one place) is always caught, and a word out of place
 * is unless it moved by a multiple of 16 places.
 */
final class ProductCheck {

    static final long P = (1L << 61) - 1;

    /** The words of the wrapped products' check modulus, 2^(64·16) - 1. */
    static final int WRAP_CHECK_WORDS = 16;

    private ProductCheck() {
    }

    /** |x| mod p. */
    static long residue(LongInteger x) {
        long r = 0;
        for (int i = x.length - 1; i >= 0; i--) {
            // r·2^64 + w ≡ 8r + w (mod p); 8r mod p is r's 61 bits rotated by three
            long w = x.words[i];
            r = reduce((((r << 3) & P) + (r >>> 58)) + (w & P) + (w >>> 61));
        }
        return r;
    }

    /** a·b mod p for a, b < p: the 122-bit product's high part counts 2^64 ≡ 8 times. */
    static long multiply(long a, long b) {
        long low = a * b;
        long high = Math.multiplyHigh(a, b);
        return reduce((high << 3) + (low & P) + (low >>> 61));
    }

    static long add(long a, long b) {
        return reduce(a + b);
    }

    /**
     * @throws ArithmeticFault when {@code result} is not {@code expected} modulo p: this
     *         computation's arithmetic failed, and none of its digits can be trusted
     */
    static LongInteger verify(long expected, LongInteger result) {
        if (residue(result) != expected) {
            throw new ArithmeticFault("A product of " + result.bitLength() + " bits failed its check modulo"
                    + " 2^61 - 1: the arithmetic of this computation is faulty (the transform, the JIT or the"
                    + " hardware), so none of its digits is given");
        }
        return result;
    }

    /**
     * Checks {@code wrapped} (its words, least significant first), a·b wrapped around at a transform
     * of {@code wrapLimbs} 128-bit limbs, against a and b modulo 2^1024 - 1.
     *
     * @throws ArithmeticFault when it is not a·b modulo 2^1024 - 1
     */
    static long[] verifyWrapped(LongInteger a, LongInteger b, long[] wrapped, int wrapLimbs) {
        if (2L * wrapLimbs % WRAP_CHECK_WORDS != 0) {
            throw new IllegalArgumentException("a product wrapped at " + wrapLimbs + " limbs cannot be checked modulo"
                    + " 2^1024 - 1, which divides the wrapping modulus only when 8 divides the limbs");
        }
        long[] expected = blockSum(product(blockSum(a.words, a.length), blockSum(b.words, b.length)), 2 * WRAP_CHECK_WORDS);
        if (!Arrays.equals(canonical(blockSum(wrapped, wrapped.length)), canonical(expected))) {
            throw new ArithmeticFault("A product of " + 128L * wrapLimbs + " bits wrapped around failed its check"
                    + " modulo 2^1024 - 1: the arithmetic of this computation is faulty (the transform, the JIT or"
                    + " the hardware), so none of its digits is given");
        }
        return wrapped;
    }

    /**
     * The sum of the number's 16-word blocks, congruent to it modulo 2^1024 - 1 and below 2^1024.
     * One carry runs through the words in order: word i goes to place i mod 16, and the carry out of
     * a place is the next word's, that out of the last place going round to the first (2^1024 ≡ 1).
     */
    private static long[] blockSum(long[] words, int length) {
        long[] sum = new long[WRAP_CHECK_WORDS];
        long carry = 0;
        for (int i = 0; i < length || carry != 0; i++) {
            int at = i & (WRAP_CHECK_WORDS - 1);
            long w = i < length ? words[i] : 0;
            long s = sum[at] + w;
            long t = s + carry;
            carry = (Long.compareUnsigned(s, w) < 0 ? 1 : 0) + (Long.compareUnsigned(t, carry) < 0 ? 1 : 0);
            sum[at] = t;
        }
        return sum;
    }

    /** The full product of two 16-word numbers, 32 words. */
    private static long[] product(long[] x, long[] y) {
        long[] product = new long[2 * WRAP_CHECK_WORDS];
        for (int i = 0; i < WRAP_CHECK_WORDS; i++) {
            long carry = 0;
            for (int j = 0; j < WRAP_CHECK_WORDS; j++) {
                // x_i·y_j + the word + the carry is below 2^128: its high word cannot overflow
                long low = x[i] * y[j];
                long high = Math.unsignedMultiplyHigh(x[i], y[j]);
                long s = product[i + j] + low;
                high += Long.compareUnsigned(s, low) < 0 ? 1 : 0;
                long t = s + carry;
                high += Long.compareUnsigned(t, carry) < 0 ? 1 : 0;
                product[i + j] = t;
                carry = high;
            }
            product[i + WRAP_CHECK_WORDS] = carry;
        }
        return product;
    }

    /** A block sum with 2^1024 - 1 itself (every bit set) taken as 0, the residue's other form. */
    private static long[] canonical(long[] sum) {
        for (long w : sum) {
            if (w != -1L) {
                return sum;
            }
        }
        return new long[WRAP_CHECK_WORDS];
    }

    /** x mod p for 0 ≤ x < 2^63. */
    private static long reduce(long x) {
        long r = (x & P) + (x >>> 61);
        return r >= P ? r - P : r;
    }
}
