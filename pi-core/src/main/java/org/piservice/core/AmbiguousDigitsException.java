package org.piservice.core;

/**
 * The approximation of π was not precise enough to decide a digit: the true value lies so close to
 * a digit boundary (a long run of 0s or 9s) that its error bound straddles it. The computation is
 * repeated with more guard bits.
 */
final class AmbiguousDigitsException extends RuntimeException {

    AmbiguousDigitsException(long position) {
        super("digits up to position " + position + " are not certain at this precision", null, false, false);
    }
}
