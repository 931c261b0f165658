package org.piservice.contract;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.piservice.core.HeapModel;

/** Plain unit test: at every memory size Lambda offers, the JVMs a worker runs fit in its function. */
class WorkerMemoryTest {

    private static final long MB = 1024L * 1024L;

    /** A size at which the worker computes no digit is one infra-cdk's settings refuse. */
    @Test
    void theWorkersJvmsFitInTheFunctionsMemoryAtEverySizeWhereItComputes() {
        int computing = 0;
        for (int memoryMb = WorkerMemory.LAMBDA_MIN_MB; memoryMb <= WorkerMemory.LAMBDA_MAX_MB; memoryMb++) {
            long memory = memoryMb * MB;
            long heap = WorkerMemory.heapBytes(memoryMb);
            if (WorkerMemory.maxDigits(memory, heap) == 0) {
                continue;
            }
            long child = WorkerMemory.childHeapBytes(memory, heap);
            long used = heap + WorkerMemory.WORKER_NON_HEAP_MB * MB + (child > 0 ? HeapModel.NON_HEAP_BYTES + child : 0);

            assertThat(used).as("%d MB: the worker's heap, what its JVM holds beside it, and a child's", memoryMb)
                    .isLessThanOrEqualTo(memory);
            assertThat(heap % MB).as("%d MB: a heap -Xmx can give", memoryMb).isZero();
            computing++;
        }
        // every size from a gigabyte up computes, at least: the loop checked them
        assertThat(computing).isGreaterThan(WorkerMemory.LAMBDA_MAX_MB - 1024);
    }

    @Test
    void aFunctionOfAGigabyteOrMoreGivesItsWorkerTheUsualShareOrTheSmallHeap() {
        assertThat(WorkerMemory.heapBytes(1024)).isEqualTo(1024 * WorkerMemory.HEAP_PERCENT / 100 * MB);
        assertThat(WorkerMemory.heapBytes(5120)).isEqualTo(WorkerMemory.WORKER_HEAP_MB * MB);
    }

    @Test
    void aSmallFunctionGivesItsWorkerWhatLeavesRoomBesideTheHeap() {
        assertThat(WorkerMemory.heapBytes(768)).isEqualTo((768 - WorkerMemory.WORKER_NON_HEAP_MB) * MB);
        assertThat(WorkerMemory.heapBytes(WorkerMemory.LAMBDA_MIN_MB)).isZero();
        assertThat(WorkerMemory.maxDigits(WorkerMemory.LAMBDA_MIN_MB * MB, 0)).isZero();
    }
}
