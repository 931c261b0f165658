package org.piservice.core;

import java.math.BigInteger;
import java.util.Arrays;

/**
 * A positive integer held as its prime factors (ascending, each with its exponent), so that the
 * greatest common divisor of two such integers costs a walk along both lists instead of a
 * Euclidean algorithm on their values.
 */
final class Factorization {

    static final Factorization ONE = new Factorization(new int[0], new int[0], 0);

    private final int[] primes;
    private final int[] exponents;
    private final int size;

    private Factorization(int[] primes, int[] exponents, int size) {
        this.primes = primes;
        this.exponents = exponents;
        this.size = size;
    }

    /**
     * The product of the prime powers packed as {@code prime << 32 | exponent} in the first
     * {@code count} entries, in any order, a prime possibly more than once; the array is reordered.
     */
    static Factorization ofPrimePowers(long[] packed, int count) {
        Arrays.sort(packed, 0, count);
        int[] p = new int[count];
        int[] e = new int[count];
        int n = 0;
        for (int i = 0; i < count; i++) {
            int prime = (int) (packed[i] >>> 32);
            int exponent = (int) packed[i];
            if (n > 0 && p[n - 1] == prime) {
                e[n - 1] += exponent;
            } else {
                p[n] = prime;
                e[n] = exponent;
                n++;
            }
        }
        return new Factorization(p, e, n);
    }

    boolean isOne() {
        return size == 0;
    }

    Factorization times(Factorization y) {
        int[] p = new int[size + y.size];
        int[] e = new int[size + y.size];
        int i = 0;
        int j = 0;
        int n = 0;
        while (i < size || j < y.size) {
            boolean mine = j == y.size || (i < size && primes[i] <= y.primes[j]);
            boolean theirs = i == size || (j < y.size && y.primes[j] <= primes[i]);
            p[n] = mine ? primes[i] : y.primes[j];
            e[n++] = (mine ? exponents[i++] : 0) + (theirs ? y.exponents[j++] : 0);
        }
        return new Factorization(p, e, n);
    }

    /** {gcd(x, y), x / gcd, y / gcd}. */
    static Factorization[] withoutCommonFactors(Factorization x, Factorization y) {
        int[] cp = new int[Math.min(x.size, y.size)];
        int[] ce = new int[cp.length];
        int[] xe = x.exponents.clone();
        int[] ye = y.exponents.clone();
        int n = 0;
        for (int i = 0, j = 0; i < x.size && j < y.size; ) {
            if (x.primes[i] < y.primes[j]) {
                i++;
            } else if (x.primes[i] > y.primes[j]) {
                j++;
            } else {
                int c = Math.min(xe[i], ye[j]);
                cp[n] = x.primes[i];
                ce[n++] = c;
                xe[i++] -= c;
                ye[j++] -= c;
            }
        }
        if (n == 0) {
            return new Factorization[] {ONE, x, y};
        }
        return new Factorization[] {new Factorization(cp, ce, n), x.compact(xe), y.compact(ye)};
    }

    /** This integer's value, multiplied out pairwise so that the long products are few. */
    BigInteger value() {
        return product(0, size);
    }

    private BigInteger product(int from, int to) {
        if (to - from <= 16) {
            BigInteger r = BigInteger.ONE;
            for (int i = from; i < to; i++) {
                r = r.multiply(BigInteger.valueOf(primes[i]).pow(exponents[i]));
            }
            return r;
        }
        int mid = (from + to) >>> 1;
        return product(from, mid).multiply(product(mid, to));
    }

    /** These primes with the given exponents, those that fell to zero left out. */
    private Factorization compact(int[] newExponents) {
        int[] p = new int[size];
        int[] e = new int[size];
        int n = 0;
        for (int i = 0; i < size; i++) {
            if (newExponents[i] > 0) {
                p[n] = primes[i];
                e[n++] = newExponents[i];
            }
        }
        return new Factorization(p, e, n);
    }
}
