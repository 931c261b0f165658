package org.piservice.worker;

import java.io.IOException;
import java.io.OutputStream;
import java.util.function.BooleanSupplier;
import org.piservice.core.PiDigits;
import org.piservice.core.PiProcess;
import org.piservice.core.PiProgress;

/** The computation, as the worker calls it: pi-core, unless a test stands in. */
@FunctionalInterface
public interface PiWriter {

    /** pi-core in this JVM. */
    PiWriter PI_CORE = PiDigits::write;

    void write(int digits, OutputStream out, PiProgress progress, BooleanSupplier cancelled) throws IOException;

    /** pi-core in this JVM for what its heap holds, in a child JVM sized for the digits beyond ({@link WorkerSettings#inProcess}). */
    static PiWriter sizedFor(WorkerSettings settings) {
        return (digits, out, progress, cancelled) -> {
            if (settings.inProcess(digits)) {
                PiDigits.write(digits, out, progress, cancelled);
            } else {
                PiProcess.write(digits, out, progress, cancelled);
            }
        };
    }
}
