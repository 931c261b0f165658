package org.piservice.core;

import java.math.BigInteger;

/**
 * An independent reference for the tests: π from Machin's formula π = 16 atan(1/5) - 4 atan(1/239),
 * in plain decimal fixed point with the JDK's BigInteger. A different algorithm, a different base,
 * no code shared with the engine. Quick up to some ten thousand digits; the modules that store and
 * serve digits use it too (pi-core's test jar).
 */
public final class MachinPi {

    private static final int GUARD_DIGITS = 12;

    private MachinPi() {
    }

    /** The first {@code digits} decimals of π (without "3."). */
    public static String decimals(int digits) {
        BigInteger scale = BigInteger.TEN.pow(digits + GUARD_DIGITS);
        BigInteger pi = atanInverse(5, scale).multiply(BigInteger.valueOf(16))
                .subtract(atanInverse(239, scale).multiply(BigInteger.valueOf(4)));
        // Each truncated term is off by less than one unit; 20 units per term is a generous bound.
        BigInteger bound = BigInteger.valueOf(20L * digits + 1000);
        BigInteger guard = BigInteger.TEN.pow(GUARD_DIGITS);
        BigInteger tail = pi.mod(guard);
        if (tail.compareTo(bound) < 0 || guard.subtract(tail).compareTo(bound) < 0) {
            throw new IllegalStateException("reference not certain at " + digits + " digits");
        }
        String text = pi.divide(guard).toString();
        return text.substring(1);
    }

    /** {@code 3.} and {@code digits} decimals, truncated, as a job's result is. */
    public static String text(int digits) {
        return "3." + decimals(digits);
    }

    /** Pi Delivery's positions: the {@code 3} at 0, then the decimals, no point. */
    public static String positions(int digits) {
        return "3" + decimals(digits);
    }

    /** atan(1/x) · scale, by its Taylor series. */
    private static BigInteger atanInverse(int x, BigInteger scale) {
        BigInteger xSquared = BigInteger.valueOf((long) x * x);
        BigInteger power = scale.divide(BigInteger.valueOf(x));
        BigInteger sum = power;
        for (int k = 1; power.signum() != 0; k++) {
            power = power.divide(xSquared);
            BigInteger term = power.divide(BigInteger.valueOf(2L * k + 1));
            sum = k % 2 == 1 ? sum.subtract(term) : sum.add(term);
        }
        return sum;
    }
}
