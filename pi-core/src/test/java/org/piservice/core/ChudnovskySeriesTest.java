package org.piservice.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.piservice.core.mul.ArithmeticFault;

/**
 * The series against plain binary splitting, and its last merge, cut to a precision, against the
 * same sums computed in full.
 */
class ChudnovskySeriesTest {

    private static final Computation QUIET = new Computation((fraction, phase) -> { }, () -> false);
    private static final BigInteger C3_OVER_24 = BigInteger.valueOf(640320L * 640320L * 640320L / 24);

    /**
     * The sums leave out the factors P and Q share, which changes Q and T but not T/Q, and makes
     * them shorter: sizes below, at and above the ranges that are factored, up to several of them.
     */
    @ParameterizedTest
    @CsvSource({"1", "9", "100", "1024", "1025", "3000", "9000"})
    void qOverTIsPlainBinarySplittingsWithShorterNumbers(int terms) {
        ChudnovskySeries.Sums sums = ChudnovskySeries.sum(terms, Integer.MAX_VALUE / 2, Multiplier.DEFAULT, QUIET, 0, 1);
        BigInteger[] plain = plainSplit(0, terms);

        BigInteger q = sums.q().toBigInteger();
        BigInteger t = sums.t().toBigInteger();
        assertThat(q.multiply(plain[2])).isEqualTo(plain[1].multiply(t));
        if (terms >= 100) {
            assertThat(q.bitLength()).isLessThan(plain[1].bitLength() * 9 / 10);
        }
    }

    @Test
    void aCommonFactorThatDoesNotDivideStopsTheComputation() {
        assertThat(ChudnovskySeries.exactQuotient(BigInteger.valueOf(12), BigInteger.valueOf(3))).isEqualTo(4);
        assertThatThrownBy(() -> ChudnovskySeries.exactQuotient(BigInteger.valueOf(13), BigInteger.valueOf(3)))
                .isInstanceOf(ArithmeticFault.class).hasMessageContaining("the factor lists are wrong");
    }

    /** {P, Q, T} of terms a..b-1, nothing divided out. */
    private static BigInteger[] plainSplit(int a, int b) {
        if (b - a == 1) {
            if (a == 0) {
                return new BigInteger[] {BigInteger.ONE, BigInteger.ONE, BigInteger.valueOf(13591409)};
            }
            long k = a;
            BigInteger p = BigInteger.valueOf(-(6 * k - 5) * (2 * k - 1)).multiply(BigInteger.valueOf(6 * k - 1));
            BigInteger q = BigInteger.valueOf(k).pow(3).multiply(C3_OVER_24);
            return new BigInteger[] {p, q, p.multiply(BigInteger.valueOf(13591409 + 545140134 * k))};
        }
        int m = (a + b) >>> 1;
        BigInteger[] l = plainSplit(a, m);
        BigInteger[] r = plainSplit(m, b);
        return new BigInteger[] {l[0].multiply(r[0]), l[1].multiply(r[1]), l[2].multiply(r[1]).add(l[0].multiply(r[2]))};
    }

    /**
     * With the common factors divided out, Q and T grow by about 33 + 3·log2(k) bits per term, π by
     * 47.1, so the halves of the last merge are longer than π needs only from about 7 million terms
     * (10^8 digits) on; below that, lower precisions force a cut.
     */
    @ParameterizedTest
    @CsvSource({"20, 600", "300, 9000", "1000, 30000", "4000, 120000", "30000, 700000", "20000, 400000"})
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
