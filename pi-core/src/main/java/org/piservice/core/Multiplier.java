package org.piservice.core;

import java.math.BigInteger;

/**
 * The one place every large multiplication of the engine goes through, so the multiplication
 * algorithm can change without touching the series, the Newton iterations or the conversion.
 */
interface Multiplier {

    BigInteger multiply(BigInteger a, BigInteger b);

    default BigInteger square(BigInteger a) {
        return multiply(a, a);
    }

    /** The JDK's own multiplication (Karatsuba and Toom-Cook 3): the simple, independent path. */
    Multiplier JDK = BigInteger::multiply;

    /** The multiplication the engine uses by default. */
    Multiplier DEFAULT = JDK;
}
