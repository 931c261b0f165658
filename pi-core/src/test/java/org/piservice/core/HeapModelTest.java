package org.piservice.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Plain unit test: the heap model and its inverse, which the worker and the deployment bound digits by. */
class HeapModelTest {

    @Test
    void maxDigitsIsTheLargestCountWhoseHeapFits() {
        HeapModel model = HeapModel.DEFAULT;
        for (long digits : new long[] {1, 999, 1_000_000, 123_456_789, 1_000_000_000}) {
            long heap = model.heapBytes(digits);
            assertThat(model.maxDigits(heap)).as("digits in the heap of %d", digits).isEqualTo(digits);
            assertThat(model.maxDigits(heap - 1)).isLessThan(digits);
            assertThat(model.heapBytes(model.maxDigits(heap + 5))).isLessThanOrEqualTo(heap + 5);
        }
        assertThat(model.maxDigits(model.fixedBytes())).isZero();
        assertThat(model.maxDigits(0)).isZero();
    }
}
