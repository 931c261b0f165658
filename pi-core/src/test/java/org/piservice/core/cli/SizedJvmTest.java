package org.piservice.core.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.piservice.core.HeapModel;

/** The child JVM the command line starts for a large computation, and when it starts none. */
class SizedJvmTest {

    private static final String JAVA = "/jdk/bin/java";
    private static final String JAR = "pi-core.jar";

    @Test
    void aLargeComputationRunsInAChildWithTheModelsHeapAndTheCallersOptions() {
        List<String> command = SizedJvm.command(new String[] {"100000000", "--out", "pi.txt"},
                List.of("-XX:ActiveProcessorCount=2"), JAVA, JAR);

        long heapMb = (HeapModel.DEFAULT.heapBytes(100_000_000) + (1 << 20) - 1) >> 20;
        assertThat(command).containsExactly(JAVA, "-XX:ActiveProcessorCount=2", "-Xmx" + heapMb + "m",
                "-XX:+UseSerialGC", "-XX:PretenureSizeThreshold=1m", "-cp", JAR, PiCommand.class.getName(),
                "100000000", "--out", "pi.txt");
    }

    @ParameterizedTest
    @ValueSource(strings = {"-Xmx2g", "-XX:MaxHeapSize=2g", "-XX:MaxRAMPercentage=80", "-XX:MaxRAM=4g"})
    void aHeapTheCallerChoseIsKept(String option) {
        assertThat(SizedJvm.command(new String[] {"100000000"}, List.of(option), JAVA, JAR)).isEmpty();
    }

    @Test
    void smallComputationsHelpAndBadArgumentsStayInThisJvm() {
        String below = String.valueOf(SizedJvm.FROM_DIGITS - 1);
        for (String[] args : List.of(new String[] {below}, new String[] {"--help"}, new String[] {"abc"},
                new String[] {"100000000", "--bogus"})) {
            assertThat(SizedJvm.command(args, List.of(), JAVA, JAR)).as(String.join(" ", args)).isEmpty();
        }
    }

    @Test
    void theModelGrowsWithTheDigits() {
        assertThat(HeapModel.DEFAULT.heapBytes(100_000_000)).isGreaterThan(HeapModel.DEFAULT.heapBytes(10_000_000));
        assertThat(HeapModel.DEFAULT.heapBytes(0)).isEqualTo(HeapModel.DEFAULT.fixedBytes());
    }
}
