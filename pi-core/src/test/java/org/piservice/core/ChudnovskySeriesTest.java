package org.piservice.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The series' last merge, cut to a precision, against the same sums computed in full. */
class ChudnovskySeriesTest {

    private static final Computation QUIET = new Computation((fraction, phase) -> { }, () -> false);

    /**
     * Q and T grow by about 53 + 3·log2(k) bits per term, π by 47.1, so a merge of the two halves
     * has operands longer than π needs only from about 20,000 terms on (942,300 bits is what
     * 280,000 digits need); below that, lower precisions force a cut.
     */
    @ParameterizedTest
    @CsvSource({"20, 600", "300, 9000", "1000, 30000", "4000, 120000", "20000, 942300", "20000, 400000"})
    void theCutLastMergeKeepsQOverTWithinTheRelativePrecision(int terms, int precision) {
        ChudnovskySeries.Sums full = ChudnovskySeries.sum(terms, Integer.MAX_VALUE / 2, Multiplier.JDK, QUIET, 0, 1);
        ChudnovskySeries.Sums cut = ChudnovskySeries.sum(terms, precision, Multiplier.FAST, QUIET, 0, 1);

        assertThat(cut.t().bitLength()).as("the last merge was cut").isLessThan(full.t().bitLength());
        assertThat(cut.t().bitLength()).as("and kept the precision").isGreaterThan(precision);
        // |q'/t' - q/t| < 2^-precision · q/t, multiplied out: |q'·t - q·t'| · 2^precision < q·t'.
        BigInteger cutQ = cut.q().toBigInteger();
        BigInteger cutT = cut.t().toBigInteger();
        BigInteger fullQ = full.q().toBigInteger();
        BigInteger fullT = full.t().toBigInteger();
        BigInteger difference = cutQ.multiply(fullT).subtract(fullQ.multiply(cutT)).abs();
        assertThat(difference.shiftLeft(precision)).isLessThan(fullQ.multiply(cutT).abs());
    }
}
