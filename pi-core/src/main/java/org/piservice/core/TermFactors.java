package org.piservice.core;

import java.math.BigInteger;
import java.util.Arrays;

/**
 * The prime factors of the series' terms, P_k = -(6k-5)(2k-1)(6k-1) and Q_k = k³·640320³/24 for
 * k ≥ 1, found a window of consecutive terms at a time: each of the four progressions 6k-5, 2k-1,
 * 6k-1 and k is sieved with the primes up to the square root of its largest value, so nothing as
 * long as the series is held.
 */
final class TermFactors {

    /** An int below 2^31 has at most 9 distinct prime factors (2·3·5·…·29 = 6.5·10^9). */
    private static final int MAX_FACTORS = 9;
    /** 640320³/24, Q_k's factor besides k³: 2^15 · 3^2 · 5^3 · 23^3 · 29^3, packed as prime powers. */
    private static final long[] C3_OVER_24_POWERS =
            {pack(2, 15), pack(3, 2), pack(5, 3), pack(23, 3), pack(29, 3)};
    /** The same, multiplied out, for the series' leaves. */
    static final BigInteger C3_OVER_24 = Factorization.ofPrimePowers(C3_OVER_24_POWERS.clone(), 5).value();
    private static final int SIX_K_MINUS_5 = 0;
    private static final int TWO_K_MINUS_1 = 1;
    private static final int SIX_K_MINUS_1 = 2;
    private static final int K = 3;

    /** The odd primes up to √(6·terms), and for each, the k mod p at which it divides each progression. */
    private final int[] primes;
    private final int[][] roots;

    TermFactors(int terms) {
        if (terms > Integer.MAX_VALUE / 6) {
            throw new IllegalArgumentException("6k-1 must fit an int: " + terms + " terms");
        }
        primes = oddPrimesUpTo((int) Math.sqrt(6.0 * terms) + 1);
        roots = new int[4][primes.length];
        for (int i = 0; i < primes.length; i++) {
            int p = primes[i];
            // 6 has no inverse mod 3, and 3 divides neither 6k-5 nor 6k-1: -1 marks no root.
            long inverseOf6 = p == 3 ? -1 : BigInteger.valueOf(6).modInverse(BigInteger.valueOf(p)).longValue();
            roots[SIX_K_MINUS_5][i] = p == 3 ? -1 : (int) (5 * inverseOf6 % p);
            roots[TWO_K_MINUS_1][i] = (p + 1) / 2;
            roots[SIX_K_MINUS_1][i] = p == 3 ? -1 : (int) inverseOf6;
            roots[K][i] = 0;
        }
    }

    /** The factors of terms a..b-1. */
    Window window(int a, int b) {
        return new Window(a, b);
    }

    final class Window {
        private final int a;
        /** Per progression and term, up to MAX_FACTORS prime powers, packed; then how many. */
        private final long[][] factors = new long[4][];
        private final int[][] counts = new int[4][];

        private Window(int a, int b) {
            this.a = a;
            int n = b - a;
            int[][] rest = new int[4][n];
            for (int j = 0; j < 4; j++) {
                factors[j] = new long[n * MAX_FACTORS];
                counts[j] = new int[n];
            }
            for (int i = 0; i < n; i++) {
                long k = a + i;
                if (k == 0) {
                    // Term 0 is P = Q = 1.
                    for (int j = 0; j < 4; j++) {
                        rest[j][i] = 1;
                    }
                    continue;
                }
                rest[SIX_K_MINUS_5][i] = (int) (6 * k - 5);
                rest[TWO_K_MINUS_1][i] = (int) (2 * k - 1);
                rest[SIX_K_MINUS_1][i] = (int) (6 * k - 1);
                int twos = Long.numberOfTrailingZeros(k);
                rest[K][i] = (int) (k >>> twos);
                if (twos > 0) {
                    add(K, i, 2, twos);
                }
            }
            for (int s = 0; s < primes.length; s++) {
                int p = primes[s];
                for (int j = 0; j < 4; j++) {
                    int root = roots[j][s];
                    if (root < 0) {
                        continue;
                    }
                    for (int i = Math.floorMod(root - a, p); i < n; i += p) {
                        int e = 0;
                        while (rest[j][i] % p == 0) {
                            rest[j][i] /= p;
                            e++;
                        }
                        if (e > 0) {
                            add(j, i, p, e);
                        }
                    }
                }
            }
            // What the sieve left is 1 or a prime above √(6·terms), and larger than every factor so far.
            for (int j = 0; j < 4; j++) {
                for (int i = 0; i < n; i++) {
                    if (rest[j][i] > 1) {
                        add(j, i, rest[j][i], 1);
                    }
                }
            }
        }

        private void add(int progression, int i, int prime, int exponent) {
            factors[progression][i * MAX_FACTORS + counts[progression][i]++] = pack(prime, exponent);
        }

        /** |P| of terms from..to-1. */
        Factorization p(int from, int to) {
            return collect(from, to, new int[] {SIX_K_MINUS_5, TWO_K_MINUS_1, SIX_K_MINUS_1}, 1, new long[0]);
        }

        /** Q of terms from..to-1. */
        Factorization q(int from, int to) {
            return collect(from, to, new int[] {K}, 3, C3_OVER_24_POWERS);
        }

        private Factorization collect(int from, int to, int[] progressions, int power, long[] perTerm) {
            long[] packed = new long[(to - from) * (progressions.length * MAX_FACTORS + perTerm.length)];
            int count = 0;
            for (int k = Math.max(from, 1); k < to; k++) {
                int i = k - a;
                for (int j : progressions) {
                    for (int f = 0; f < counts[j][i]; f++) {
                        long pe = factors[j][i * MAX_FACTORS + f];
                        packed[count++] = pack((int) (pe >>> 32), (int) pe * power);
                    }
                }
                for (long pe : perTerm) {
                    packed[count++] = pe;
                }
            }
            return Factorization.ofPrimePowers(packed, count);
        }
    }

    private static long pack(int prime, int exponent) {
        return (long) prime << 32 | exponent;
    }

    private static int[] oddPrimesUpTo(int limit) {
        boolean[] composite = new boolean[limit + 1];
        int[] found = new int[limit + 1];
        int n = 0;
        for (int i = 3; i <= limit; i += 2) {
            if (!composite[i]) {
                found[n++] = i;
                for (long m = (long) i * i; m <= limit; m += 2L * i) {
                    composite[(int) m] = true;
                }
            }
        }
        return Arrays.copyOf(found, n);
    }
}
