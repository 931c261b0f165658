package org.piservice.core.mul;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Plain unit tests of the modular arithmetic and the transforms of one prime; no I/O. */
class NttPrimeTest {

    private static final long GENERATOR = 7;
    private static final NttPrime Q = new NttPrime(4611681491531857921L, GENERATOR);

    @ParameterizedTest
    @ValueSource(longs = {4611681491531857921L, 4611680074192650241L, 4611678334730895361L,
        4611678141457367041L, 4611677883759329281L})
    void primesAreNttFriendlyAndBelow2Pow62(long p) {
        assertThat(BigInteger.valueOf(p).isProbablePrime(100)).isTrue();
        assertThat(p).isLessThan(1L << 62);
        assertThat((p - 1) % (15L << 32)).isZero();
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 12, 28, 32})
    void rootOfUnityHasExactOrder(int log) {
        long w = Q.rootOfUnity(log);
        assertThat(Q.pow(w, 1L << log)).isEqualTo(1);
        assertThat(Q.pow(w, 1L << (log - 1))).isEqualTo(Q.p - 1);
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 1, 2, 12345, 4611681491531857920L, -1L, Long.MIN_VALUE, Long.MAX_VALUE})
    void arithmeticAgreesWithBigInteger(long a) {
        BigInteger p = BigInteger.valueOf(Q.p);
        BigInteger ua = new BigInteger(Long.toUnsignedString(a));
        long reduced = Q.reduceWord(a);
        assertThat(Long.compareUnsigned(reduced, Q.twoP)).isNegative();
        assertThat(BigInteger.valueOf(Q.canonical(reduced))).isEqualTo(ua.mod(p));

        long b = Q.p - 3;
        long r = ua.mod(p).longValueExact();
        assertThat(BigInteger.valueOf(Q.mulMod(r, b)))
                .isEqualTo(ua.multiply(BigInteger.valueOf(b)).mod(p));
        BigInteger twoTo64 = BigInteger.ONE.shiftLeft(64);
        assertThat(BigInteger.valueOf(Q.mont(r, b)))
                .isEqualTo(ua.multiply(BigInteger.valueOf(b)).multiply(twoTo64.modInverse(p)).mod(p));
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 1, 2, 3, 12345, 1L << 40, 4611681491531857919L, 4611681491531857920L})
    void shoupCompanionIsTheFloorOfWTimes2Pow64OverP(long w) {
        BigInteger expected = BigInteger.valueOf(w).shiftLeft(64).divide(BigInteger.valueOf(Q.p));
        assertThat(new BigInteger(Long.toUnsignedString(Q.shoupCompanion(w)))).isEqualTo(expected);
        Random random = new Random(w);
        for (int i = 0; i < 1000; i++) {
            long v = random.nextLong(Q.p);
            assertThat(new BigInteger(Long.toUnsignedString(Q.shoupCompanion(v))))
                    .isEqualTo(BigInteger.valueOf(v).shiftLeft(64).divide(BigInteger.valueOf(Q.p)));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4, 8, 1024, 1 << NttPrime.MAX_TABLE_LOG})
    void inverseUndoesForwardUpToLength(int n) {
        Random random = new Random(n);
        long[] x = random.longs(n, 0, Q.p).toArray();
        long[] y = x.clone();
        Q.forward(y, 0, n);
        Q.inverse(y, 0, n);
        long nInverse = Q.pow(n, Q.p - 2);
        long[] back = Arrays.stream(y).map(v -> Q.mulMod(Q.canonical(v), nInverse)).toArray();
        assertThat(back).isEqualTo(x);
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 8, 64})
    void forwardIsTheDftInBitReversedOrder(int n) {
        Random random = new Random(n);
        long[] x = random.longs(n, 0, Q.p).toArray();
        long[] y = x.clone();
        Q.forward(y, 0, n);
        int log = Integer.numberOfTrailingZeros(n);
        long w = Q.rootOfUnity(log);
        for (int k = 0; k < n; k++) {
            long expected = 0;
            for (int j = 0; j < n; j++) {
                expected = (expected + Q.mulMod(x[j], Q.pow(w, (long) j * k % n))) % Q.p;
            }
            int position = Integer.reverse(k) >>> (32 - log);
            assertThat(Q.canonical(y[position])).as("frequency %d", k).isEqualTo(expected);
        }
    }

    /**
     * Radix and m: every power of two mod the radix, a few triples or quintuples and many, in one
     * block of the transforms and in several.
     */
    static Stream<Arguments> oddPointShapes() {
        return Stream.of(3, 5).flatMap(radix -> IntStream.of(1, 2, 4, 8, 64, 1024, 4096)
                .mapToObj(m -> Arguments.of(radix, m)));
    }

    private static void oddPoint(int radix, long[] a, int m, int from, int to, boolean forward) {
        if (radix == 3) {
            Q.dft3(a, m, from, to, forward);
        } else {
            Q.dft5(a, m, from, to, forward);
        }
    }

    /**
     * Against the definition, with the root 7^((p-1)/radix) the constructor derives from its
     * generator: the tuple at n, n+m, ..., taken in the order of each index mod radix, goes to
     * frequencies at n, n+m, ...
     */
    @ParameterizedTest
    @MethodSource("oddPointShapes")
    void oddPointTransformsMatchTheDefinition(int radix, int m) {
        Random random = new Random(m);
        long[] x = random.longs((long) radix * m, 0, 2 * Q.p).toArray();
        long[] y = x.clone();
        oddPoint(radix, y, m, 0, m, true);
        long root = Q.pow(GENERATOR, (Q.p - 1) / radix);
        assertThat(Q.pow(root, radix)).isEqualTo(1);
        assertThat(root).isNotEqualTo(1);
        for (int n = 0; n < m; n++) {
            long[] byResidue = new long[radix];
            for (int t = 0; t < radix; t++) {
                byResidue[(n + t * m) % radix] = x[n + t * m] % Q.p;
            }
            for (int f = 0; f < radix; f++) {
                long expected = 0;
                for (int c = 0; c < radix; c++) {
                    expected = (expected + Q.mulMod(byResidue[c], Q.pow(root, (long) c * f))) % Q.p;
                }
                assertThat(y[n + f * m]).as("output %d of tuple %d in [0, 2p)", f, n).isBetween(0L, 2 * Q.p - 1);
                assertThat(Q.canonical(y[n + f * m])).as("output %d of tuple %d", f, n).isEqualTo(expected);
            }
        }
    }

    /** The inverse in two uneven ranges, so a range may start at any n mod radix. */
    @ParameterizedTest
    @MethodSource("oddPointShapes")
    void oddPointInverseUndoesForwardTimesRadix(int radix, int m) {
        Random random = new Random(m);
        long[] x = random.longs((long) radix * m, 0, Q.p).toArray();
        long[] y = x.clone();
        oddPoint(radix, y, m, 0, m, true);
        oddPoint(radix, y, m, 0, m / 3, false);
        oddPoint(radix, y, m, m / 3, m, false);
        long inverse = Q.pow(radix, Q.p - 2);
        long[] back = Arrays.stream(y).map(v -> Q.mulMod(Q.canonical(v), inverse)).toArray();
        assertThat(back).isEqualTo(x);
    }
}
