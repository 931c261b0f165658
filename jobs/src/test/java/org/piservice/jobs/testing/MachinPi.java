package org.piservice.jobs.testing;

import java.math.BigInteger;

/**
 * An independent reference for tests of the digit store and what serves from it: π from Machin's
 * formula π = 16 atan(1/5) - 4 atan(1/239), in decimal fixed point with the JDK's BigInteger. No
 * code is shared with the engine, and it is quick up to some ten thousand digits.
 */
public final class MachinPi {

    private static final int GUARD_DIGITS = 10;

    private MachinPi() {
    }

    /** {@code 3.} and {@code digits} decimals, truncated, as a job's result is. */
    public static String text(int digits) {
        BigInteger unit = BigInteger.TEN.pow(digits + GUARD_DIGITS);
        BigInteger pi = atanInverse(5, unit).multiply(BigInteger.valueOf(16))
                .subtract(atanInverse(239, unit).multiply(BigInteger.valueOf(4)));
        String text = pi.divide(BigInteger.TEN.pow(GUARD_DIGITS)).toString();
        return text.charAt(0) + "." + text.substring(1);
    }

    /** Pi Delivery's positions: the {@code 3} at 0, then the decimals, no point. */
    public static String positions(int digits) {
        String text = text(digits);
        return text.charAt(0) + text.substring(2);
    }

    private static BigInteger atanInverse(int x, BigInteger unit) {
        BigInteger x2 = BigInteger.valueOf((long) x * x);
        BigInteger term = unit.divide(BigInteger.valueOf(x));
        BigInteger sum = term;
        for (int n = 3, sign = -1; term.signum() != 0; n += 2, sign = -sign) {
            term = term.divide(x2);
            sum = sum.add(BigInteger.valueOf(sign).multiply(term.divide(BigInteger.valueOf(n))));
        }
        return sum;
    }
}
