package org.piservice.core.mul;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Plain unit tests of the modular arithmetic and the transforms of one prime; no I/O. */
class NttPrimeTest {

    private static final long P = 562941363486721L;
    private static final long GENERATOR = 13;
    private static final NttPrime Q = new NttPrime(P, GENERATOR);
    private static final BigInteger BIG_P = BigInteger.valueOf(P);
    private static final int LANES = NttPrime.LANES;

    @ParameterizedTest
    @ValueSource(longs = {562941363486721L, 562860832849921L, 562828620595201L, 562651453194241L,
        562538710302721L, 562361542901761L})
    void primesAreNttFriendlyAndBelow2Pow49(long p) {
        assertThat(BigInteger.valueOf(p).isProbablePrime(100)).isTrue();
        assertThat(p).isLessThan(1L << 49);
        assertThat((p - 1) % (15L << 30)).isZero();
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 12, 28, 30})
    void rootOfUnityHasExactOrder(int log) {
        long w = Q.rootOfUnity(log);
        assertThat(Q.pow(w, 1L << log)).isEqualTo(1);
        assertThat(Q.pow(w, 1L << (log - 1))).isEqualTo(P - 1);
    }

    /** Every factor the kernels pass: up to 4p in magnitude, against factors up to p. */
    @Test
    void floatingPointProductIsExactAndWithinP() {
        Random random = new Random(1);
        long[] edges = {0, 1, -1, P - 1, P, -P, 2 * P, -2 * P, 4 * P, -4 * P, 4 * P - 1, 1L << 50};
        long[] factors = {0, 1, P - 1, P, -P, P / 2, -(P / 2)};
        for (int i = 0; i < 20_000; i++) {
            long a = i < edges.length ? edges[i] : random.nextLong(-4 * P, 4 * P + 1);
            long w = i < factors.length ? factors[i] : random.nextLong(-P, P + 1);
            double r = Q.mul(a, w);
            assertThat(r).as("%d·%d", a, w).isEqualTo(Math.rint(r)).isBetween((double) -P, (double) P);
            BigInteger expected = BigInteger.valueOf(a).multiply(BigInteger.valueOf(w)).mod(BIG_P);
            assertThat(BigInteger.valueOf((long) r).mod(BIG_P)).as("%d·%d", a, w).isEqualTo(expected);
        }
    }

    @Test
    void canonicalAndReduceAgreeWithBigInteger() {
        Random random = new Random(2);
        for (int i = 0; i < 10_000; i++) {
            long x = random.nextLong(-4 * P, 4 * P + 1);
            assertThat(Q.canonical(x)).isEqualTo(BigInteger.valueOf(x).mod(BIG_P).longValueExact());
            long hi = i == 0 ? -1 : random.nextLong();
            long lo = i == 0 ? -1 : random.nextLong();
            double r = Q.reduce(hi, lo);
            assertThat(r).isBetween((double) -P, (double) P - 1);
            BigInteger word = new BigInteger(Long.toUnsignedString(hi)).shiftLeft(64)
                    .add(new BigInteger(Long.toUnsignedString(lo)));
            assertThat(BigInteger.valueOf((long) r).mod(BIG_P)).isEqualTo(word.mod(BIG_P));
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 1, 2, 12345, 562941363486719L, 562941363486720L})
    void shoupProductIsBelowTwoPAndCongruent(long w) {
        assertThat(new BigInteger(Long.toUnsignedString(Q.shoupCompanion(w))))
                .isEqualTo(BigInteger.valueOf(w).shiftLeft(64).divide(BIG_P));
        Random random = new Random(w);
        for (int i = 0; i < 1000; i++) {
            long a = i == 0 ? -1 : random.nextLong();
            long r = Q.mulShoup(a, w, Q.shoupCompanion(w));
            assertThat(r).isBetween(0L, 2 * P - 1);
            assertThat(BigInteger.valueOf(r).mod(BIG_P)).isEqualTo(
                    new BigInteger(Long.toUnsignedString(a)).multiply(BigInteger.valueOf(w)).mod(BIG_P));
            assertThat(Q.lessThanP(r)).isEqualTo(BigInteger.valueOf(r).mod(BIG_P).longValueExact());
        }
    }

    /** LANES transforms side by side, each lane its own values in [-p, p], the extremes included. */
    private static double[] lanes(int n, long seed) {
        Random random = new Random(seed);
        double[] a = new double[n * LANES];
        for (int i = 0; i < a.length; i++) {
            a[i] = i == 0 ? P : i == 1 ? -P : random.nextLong(-P, P + 1);
        }
        return a;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4, 8, 1024, 1 << NttPrime.MAX_TABLE_LOG})
    void inverseUndoesForwardUpToLength(int n) {
        double[] x = lanes(n, n);
        double[] y = x.clone();
        Q.forward(y, 0, n);
        Q.inverse(y, 0, n);
        for (int i = 0; i < x.length; i++) {
            assertThat(Q.canonical(y[i])).isEqualTo(Q.mulMod(Q.canonical(x[i]), n % P));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 8, 64})
    void forwardIsTheDftInBitReversedOrderOnEveryLane(int n) {
        double[] x = lanes(n, 3 * n);
        double[] y = x.clone();
        Q.forward(y, 0, n);
        int log = Integer.numberOfTrailingZeros(n);
        long w = Q.rootOfUnity(log);
        for (int lane = 0; lane < LANES; lane++) {
            for (int k = 0; k < n; k++) {
                long expected = 0;
                for (int j = 0; j < n; j++) {
                    expected = (expected + Q.mulMod(Q.canonical(x[j * LANES + lane]), Q.pow(w, (long) j * k % n))) % P;
                }
                int position = Integer.reverse(k) >>> (32 - log);
                assertThat(Q.canonical(y[position * LANES + lane])).as("lane %d, frequency %d", lane, k)
                        .isEqualTo(expected);
            }
        }
    }

    @Test
    void twiddlesArePowersPerLaneAndMultiplyAppliesThem() {
        int n = 100;
        double[] steps = new double[LANES];
        for (int lane = 0; lane < LANES; lane++) {
            steps[lane] = Q.rootOfUnity(12 + lane % 3);
        }
        long start = 987654321;
        double[] powers = new double[n * LANES];
        Q.twiddles(powers, 0, n, steps, start);
        double[] x = lanes(n, 5);
        double[] y = x.clone();
        Q.multiply(y, 0, powers, 0, n * LANES);
        for (int i = 0; i < n; i++) {
            for (int lane = 0; lane < LANES; lane++) {
                long power = Q.mulMod(start, Q.pow((long) steps[lane], i));
                assertThat(Q.canonical(powers[i * LANES + lane])).isEqualTo(power);
                assertThat(Q.canonical(y[i * LANES + lane]))
                        .isEqualTo(Q.mulMod(Q.canonical(x[i * LANES + lane]), power));
            }
        }
    }

    @Test
    void multiplyAddFormsSumsOfProducts() {
        int n = 16 * LANES;
        double[] a = lanes(3 * n, 7);
        double[] before = a.clone();
        Q.multiplyAdd(a, 0, n, 2 * n, n, true);
        Q.multiplyAdd(a, 0, n, 2 * n, n, false);
        for (int i = 0; i < n; i++) {
            long product = Q.mulMod(Q.canonical(before[n + i]), Q.canonical(before[2 * n + i]));
            assertThat(Q.canonical(a[i])).isEqualTo(2 * product % P);
            assertThat(Math.abs(a[i])).isLessThanOrEqualTo(P);
        }
    }

    /**
     * Radix and m: every power of two mod the radix, from the fewest points the passes take (one
     * vector) to many.
     */
    static Stream<Arguments> oddPointShapes() {
        return Stream.of(3, 5).flatMap(radix -> IntStream.of(1, 2, 4, 8, 64, 512)
                .mapToObj(vectors -> Arguments.of(radix, vectors * LANES)));
    }

    private static void oddPoint(int radix, double[] a, int m, int from, int to, boolean forward) {
        if (radix == 3) {
            Q.dft3(a, m, from, to, forward);
        } else {
            Q.dft5(a, m, from, to, forward);
        }
    }

    /**
     * Against the definition, with the root 13^((p-1)/radix) the constructor derives from its
     * generator: the tuple at j, j+m, ..., taken in the order of each index mod radix, goes to
     * frequency f at j + f·m. The pass runs in two calls that split [0, m), as the parallel
     * chunks do.
     */
    @ParameterizedTest
    @MethodSource("oddPointShapes")
    void oddPointTransformsMatchTheDefinition(int radix, int m) {
        double[] x = lanes(radix * m / LANES, 11L * m + radix);
        double[] y = x.clone();
        int middle = m / 2 / LANES * LANES;
        oddPoint(radix, y, m, 0, middle, true);
        oddPoint(radix, y, m, middle, m, true);
        long zeta = Q.pow(GENERATOR, (P - 1) / radix);
        for (int j = 0; j < m; j++) {
            long[] element = new long[radix];
            for (int t = 0; t < radix; t++) {
                element[(int) ((j + (long) t * m) % radix)] = Q.canonical(x[j + t * m]);
            }
            for (int f = 0; f < radix; f++) {
                long expected = 0;
                for (int c = 0; c < radix; c++) {
                    expected = (expected + Q.mulMod(element[c], Q.pow(zeta, (long) c * f))) % P;
                }
                assertThat(Q.canonical(y[j + f * m])).as("j %d, frequency %d", j, f).isEqualTo(expected);
                assertThat(Math.abs(y[j + f * m])).isLessThanOrEqualTo(P);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("oddPointShapes")
    void oddPointInverseUndoesForwardTimesRadix(int radix, int m) {
        double[] x = lanes(radix * m / LANES, 13L * m + radix);
        double[] y = x.clone();
        oddPoint(radix, y, m, 0, m, true);
        oddPoint(radix, y, m, 0, m, false);
        for (int i = 0; i < x.length; i++) {
            assertThat(Q.canonical(y[i])).isEqualTo(Q.mulMod(Q.canonical(x[i]), radix));
            assertThat(Math.abs(y[i])).isLessThanOrEqualTo(P);
        }
    }
}
