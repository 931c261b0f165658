package org.piservice.core.mul;

/**
 * Checks each product the transform forms against its operands modulo the Mersenne prime
 * p = 2^61 - 1. The transform's arithmetic is exact by construction ({@link NttPrime}), but a defect
 * in that construction (one vector width, one transform length), in the JIT or in the hardware
 * would otherwise go on into the digits unseen. The check reads each operand and the result once,
 * O(n) beside the transform's O(n log n); a wrong result passes it only when its error is a multiple
 * of p. Since 2^64 ≡ 8 (mod p), whose powers repeat every 61 words, a word lost, doubled or out of
 * place changes the residue, unless it moved by a multiple of 61 places.
 */
final class ProductCheck {

    static final long P = (1L << 61) - 1;

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

    /** x mod p for 0 ≤ x < 2^63. */
    private static long reduce(long x) {
        long r = (x & P) + (x >>> 61);
        return r >= P ? r - P : r;
    }
}
