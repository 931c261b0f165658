package org.piservice.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.piservice.contract.WorkerMemory;
import org.piservice.core.HeapModel;
import org.piservice.core.PiDigits;
import org.piservice.core.PiProcess;

/** Where the worker computes: in its own JVM what its heap holds, in a child JVM sized for the digits beyond. */
class PiWriterTest {

    private static final long MB = 1024L * 1024L;

    @Test
    void aComputationBeyondWhatThisJvmHoldsRunsInAChildWithTheSameDigits() throws IOException {
        WorkerSettings small = WorkerFixture.withMemory(WorkerSettings.DEFAULT, WorkerMemory.SERVICE_HEAP_MB * MB + HeapModel.DEFAULT.heapBytes(1_000), 5_120 * MB);

        assertThat(computedInAChild(small, 1_000)).as("1,000 digits").isFalse();
        assertThat(computedInAChild(small, 20_000)).as("20,000 digits").isTrue();
    }

    @Test
    void besideAChildJvmTheWorkersOwnJvmTakesJobsUpToItsLimitOnly() {
        long heap = WorkerMemory.heapBytes(5_120);
        WorkerSettings lambda = WorkerFixture.withMemory(WorkerSettings.DEFAULT, heap, 5_120 * MB);

        assertThat(heap).isEqualTo(WorkerMemory.WORKER_HEAP_MB * MB);
        assertThat(lambda.inProcess(WorkerMemory.IN_PROCESS_DIGITS)).isTrue();
        assertThat(lambda.inProcess(WorkerMemory.IN_PROCESS_DIGITS + 1)).isFalse();
        assertThat(lambda.memoryDigits())
                .isEqualTo(HeapModel.DEFAULT.maxDigits(WorkerMemory.childHeapBytes(5_120 * MB, heap)))
                .isGreaterThan(500_000_000);
    }

    @Test
    void whereNoChildHoldsMoreTheWorkersJvmHasMostOfTheMemoryAndComputesEveryJob() {
        long heap = WorkerMemory.heapBytes(1_024);
        WorkerSettings small = WorkerFixture.withMemory(WorkerSettings.DEFAULT, heap, 1_024 * MB);

        assertThat(heap).isEqualTo(1_024 * WorkerMemory.HEAP_PERCENT / 100 * MB);
        assertThat(small.memoryDigits())
                .isEqualTo(HeapModel.DEFAULT.maxDigits(WorkerMemory.engineHeapBytes(heap)))
                .isGreaterThan(HeapModel.DEFAULT.maxDigits(WorkerMemory.childHeapBytes(1_024 * MB, WorkerMemory.WORKER_HEAP_MB * MB)));
        assertThat(small.inProcess(small.memoryDigits())).isTrue();
    }

    /** Computes through the worker's writer; answers whether this process had a child computing π meanwhile. */
    private static boolean computedInAChild(WorkerSettings settings, int digits) throws IOException {
        AtomicBoolean child = new AtomicBoolean();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PiWriter.sizedFor(settings).write(digits, out,
                (fraction, phase) -> child.compareAndSet(false, ProcessHandle.current().children()
                        .anyMatch(process -> process.info().commandLine().orElse("").contains(PiProcess.class.getName()))),
                () -> false);

        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        PiDigits.write(digits, expected);
        assertThat(out.toByteArray()).isEqualTo(expected.toByteArray());
        return child.get();
    }
}
