package org.piservice.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.piservice.contract.WorkerMemory;
import org.piservice.core.ComputeTimeModel;

/**
 * The worker's JVM gets the heap {@code WorkerMemory} counts on, and the deployed MAX_DIGITS fits
 * it, read from a JVM started as Lambda starts it: the function's memory as the machine's
 * ({@code -XX:MaxRAM}), Lambda's vCPUs for that memory, and the worker's {@code JAVA_TOOL_OPTIONS}.
 * Runs child JVMs; no AWS.
 */
class WorkerHeapTest {

    @ParameterizedTest
    @ValueSource(ints = {768, 1024, 5120, 10_240})
    void theWorkersLimitFitsTheHeapItsJvmGets(int memoryMb) throws Exception {
        long heap = maxHeapOfAWorkerJvm(memoryMb);
        long model = WorkerMemory.heapBytes(memoryMb);

        assertThat(heap).as("the model's heap, rounded up to the heap's alignment").isBetween(model, model + (2 << 20));
        assertThat(WorkerCapacity.maxDigits(memoryMb, 900)).as("the deployment's limit")
                .isLessThanOrEqualTo(workerLimit(memoryMb, heap));
    }

    @ParameterizedTest
    @ValueSource(ints = {5120})
    void theDefaultDeploymentIsSizedForTheWorkersHeapNotItsMemory(int memoryMb) throws Exception {
        ServiceSettings defaults = ServiceSettings.defaults();
        assertThat(defaults.workerMemoryMb()).isEqualTo(memoryMb);

        assertThat((long) defaults.maxDigits()).isLessThanOrEqualTo(workerLimit(memoryMb, maxHeapOfAWorkerJvm(memoryMb)));
    }

    /** The limit the worker applies at run time, from its function's memory and its JVM's real heap. */
    private static long workerLimit(int memoryMb, long heap) {
        return WorkerMemory.maxDigits(memoryMb * 1024L * 1024L, heap);
    }

    /** MaxHeapSize of a JVM that believes it has {@code memoryMb} and Lambda's vCPUs for it. */
    private static long maxHeapOfAWorkerJvm(int memoryMb) throws IOException, InterruptedException {
        int vcpus = Math.max(1, (int) Math.ceil(memoryMb / (double) ComputeTimeModel.LAMBDA_MB_PER_VCPU));
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-XX:MaxRAM=" + memoryMb + "m", "-XX:ActiveProcessorCount=" + Math.min(vcpus, 6), "-XX:TieredStopAtLevel=4"));
        command.addAll(WorkerMemory.jvmOptions(memoryMb));
        command.addAll(List.of("-XX:+PrintFlagsFinal", "-version"));
        Process java = new ProcessBuilder(command)
                .redirectErrorStream(true).start();
        String flags = new String(java.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(java.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return flags.lines().filter(line -> line.contains(" MaxHeapSize "))
                .map(line -> Long.parseLong(line.trim().split("\\s+")[3]))
                .findFirst().orElseThrow(() -> new AssertionError("no MaxHeapSize in " + flags));
    }
}
