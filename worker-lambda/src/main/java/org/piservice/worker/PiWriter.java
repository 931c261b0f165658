package org.piservice.worker;

import java.io.IOException;
import java.io.OutputStream;
import java.util.function.BooleanSupplier;
import org.piservice.core.PiDigits;
import org.piservice.core.PiProgress;

/** The computation, as the worker calls it: {@link PiDigits#write} unless a test stands in. */
@FunctionalInterface
public interface PiWriter {

    PiWriter PI_CORE = PiDigits::write;

    void write(int digits, OutputStream out, PiProgress progress, BooleanSupplier cancelled) throws IOException;
}
