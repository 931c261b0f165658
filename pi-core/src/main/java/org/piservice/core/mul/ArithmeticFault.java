package org.piservice.core.mul;

/**
 * A check of the engine's own arithmetic failed: a product or an exact division came out wrong, so
 * no digit of the computation can be trusted. Its own type, with no constructor a fork/join join
 * could call, so that one thrown on a pool thread reaches the caller as it is, message and all,
 * rather than as a copy without it.
 */
public final class ArithmeticFault extends ArithmeticException {

    private static final long serialVersionUID = 1L;

    public ArithmeticFault(String message) {
        super(message);
    }
}
