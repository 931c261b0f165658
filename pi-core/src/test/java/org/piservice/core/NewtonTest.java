package org.piservice.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Newton division and square root against the JDK's, on sizes where the Newton path is taken. */
class NewtonTest {

    private final Newton newton = new Newton(Multiplier.DEFAULT);
    private final Random random = new Random(20261128);

    @Test
    void floorDivisionIsExact() {
        for (int i = 0; i < 40; i++) {
            BigInteger b = operand(2_000 + random.nextInt(60_000));
            BigInteger a = operand(b.bitLength() + random.nextInt(80_000));
            assertThat(newton.floorDiv(a, b)).isEqualTo(a.divide(b));
        }
    }

    @Test
    void floorDivisionAtEdges() {
        BigInteger b = BigInteger.ONE.shiftLeft(20_000).subtract(BigInteger.ONE);
        for (BigInteger a : new BigInteger[] {
                b.multiply(b), b.multiply(b).subtract(BigInteger.ONE), b.multiply(b).add(b).subtract(BigInteger.ONE),
                BigInteger.ONE.shiftLeft(40_000), b.subtract(BigInteger.ONE), BigInteger.ZERO}) {
            assertThat(newton.floorDiv(a, b)).isEqualTo(a.divide(b));
        }
    }

    @Test
    void floorSquareRootIsExact() {
        for (int i = 0; i < 40; i++) {
            BigInteger a = operand(8_000 + random.nextInt(100_000));
            assertThat(newton.floorSqrt(a)).isEqualTo(a.sqrt());
        }
        BigInteger s = BigInteger.ONE.shiftLeft(30_000).add(BigInteger.TWO);
        BigInteger square = s.multiply(s);
        assertThat(newton.floorSqrt(square)).isEqualTo(s);
        assertThat(newton.floorSqrt(square.subtract(BigInteger.ONE))).isEqualTo(s.subtract(BigInteger.ONE));
        assertThat(newton.floorSqrt(BigInteger.valueOf(10005).shiftLeft(60_000))).isEqualTo(BigInteger.valueOf(10005).shiftLeft(60_000).sqrt());
    }

    private BigInteger operand(int bits) {
        return new BigInteger(bits, random).setBit(bits - 1);
    }
}
