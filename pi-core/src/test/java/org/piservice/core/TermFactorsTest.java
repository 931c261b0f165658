package org.piservice.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The sieved factors of the series' terms against the terms multiplied out. */
class TermFactorsTest {

    private static final BigInteger C3_OVER_24 = BigInteger.valueOf(640320L * 640320L * 640320L / 24);

    /**
     * Windows at the start (term 0 is P = Q = 1), in the middle, and at the end of a series of 10^9
     * digits, where 6k-1 is near 4.2·10^8 and has prime factors up to that size.
     */
    @ParameterizedTest
    @CsvSource({"100, 0, 100", "100, 1, 37", "1000000, 524288, 525312", "70548000, 70546976, 70548000"})
    void theFactorsOfARangeOfTermsMultiplyOutToItsPAndQ(int terms, int a, int b) {
        TermFactors.Window window = new TermFactors(terms).window(a, b);

        for (int from = a; from < b; from += 7) {
            int to = Math.min(b, from + 8);
            BigInteger p = BigInteger.ONE;
            BigInteger q = BigInteger.ONE;
            for (long k = Math.max(1, from); k < to; k++) {
                p = p.multiply(BigInteger.valueOf((6 * k - 5) * (2 * k - 1)).multiply(BigInteger.valueOf(6 * k - 1)));
                q = q.multiply(BigInteger.valueOf(k).pow(3)).multiply(C3_OVER_24);
            }
            assertThat(window.p(from, to).value()).as("P of %d..%d", from, to).isEqualTo(p);
            assertThat(window.q(from, to).value()).as("Q of %d..%d", from, to).isEqualTo(q);
        }
    }
}
