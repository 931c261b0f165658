package org.piservice.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.util.Random;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;

/**
 * Products and common factors of factor lists against BigInteger's products and gcd of their values;
 * repetition k draws its lists from seed k, so a failure replays.
 */
class FactorizationTest {

    private static final int[] PRIMES = {2, 3, 5, 7, 11, 13, 23, 29, 101, 65_521, 2_147_483_647};

    @RepeatedTest(50)
    void commonFactorsAreTheGcdAndWhatIsLeftAreTheQuotients(RepetitionInfo repetition) {
        Random random = new Random(repetition.getCurrentRepetition());
        Factorization x = randomFactorization(random);
        Factorization y = randomFactorization(random);

        Factorization[] split = Factorization.withoutCommonFactors(x, y);

        BigInteger gcd = x.value().gcd(y.value());
        assertThat(split[0].value()).isEqualTo(gcd);
        assertThat(split[0].isOne()).isEqualTo(gcd.equals(BigInteger.ONE));
        assertThat(split[1].value()).isEqualTo(x.value().divide(gcd));
        assertThat(split[2].value()).isEqualTo(y.value().divide(gcd));
        assertThat(split[1].value().gcd(split[2].value())).isEqualTo(BigInteger.ONE);
    }

    @RepeatedTest(50)
    void aProductOfFactorListsIsTheProductOfTheirValues(RepetitionInfo repetition) {
        Random random = new Random(repetition.getCurrentRepetition());
        Factorization x = randomFactorization(random);
        Factorization y = randomFactorization(random);

        assertThat(x.times(y).value()).isEqualTo(x.value().multiply(y.value()));
    }

    @Test
    void primePowersMayComeInAnyOrderAndMoreThanOnce() {
        long[] packed = {pack(7, 1), pack(2, 3), pack(7, 2), pack(3, 1)};

        Factorization f = Factorization.ofPrimePowers(packed, packed.length);

        assertThat(f.value()).isEqualTo(BigInteger.valueOf(8L * 3 * 343));
        assertThat(Factorization.ofPrimePowers(new long[0], 0).isOne()).isTrue();
    }

    private static Factorization randomFactorization(Random random) {
        int count = random.nextInt(12);
        long[] packed = new long[count];
        for (int i = 0; i < count; i++) {
            packed[i] = pack(PRIMES[random.nextInt(PRIMES.length)], 1 + random.nextInt(4));
        }
        return Factorization.ofPrimePowers(packed, count);
    }

    private static long pack(int prime, int exponent) {
        return (long) prime << 32 | exponent;
    }
}
