package org.piservice.core.mul;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.BinaryOperator;

/**
 * Benchmark, not a test: FastMultiply against BigInteger.multiply and BigInteger.parallelMultiply
 * on the same operands in the same run, median wall time of several repetitions each, and the
 * ratios. Run from the repository root after {@code ./mvnw -pl pi-core test-compile}:
 *
 * <pre>
 * java --add-modules=jdk.incubator.vector -cp pi-core/target/classes:pi-core/target/test-classes \
 *     org.piservice.core.mul.FastMultiplyBench [products|crossover] [reps]
 * </pre>
 *
 * {@code products} (default) times balanced products at 10^5..10^8 bits; {@code crossover} times
 * the transform path alone against BigInteger.multiply around
 * {@link FastMultiply#PRODUCT_THRESHOLD_BITS}, and a merge's three products with their shared
 * transform against three BigInteger products around {@link FastMultiply#THRESHOLD_BITS}.
 */
public final class FastMultiplyBench {

    private FastMultiplyBench() {
    }

    public static void main(String[] args) {
        String mode = args.length > 0 ? args[0] : "products";
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        System.out.printf(Locale.ROOT, "java %s, %d cpus, reps %d (fewer at 10^8 bits)%n",
                Runtime.version(), Runtime.getRuntime().availableProcessors(), reps);
        if (mode.equals("crossover")) {
            crossover(reps);
        } else {
            products(reps);
        }
    }

    private static void products(int reps) {
        System.out.println("| bits | FastMultiply ms | BigInteger.multiply ms | parallelMultiply ms "
                + "| multiply / Fast | parallel / Fast |");
        System.out.println("|---|---|---|---|---|---|");
        for (int bits : new int[] {100_000, 1_000_000, 10_000_000, 100_000_000}) {
            int n = bits >= 100_000_000 ? Math.max(1, Math.min(reps, 3)) : reps;
            Random random = new Random(bits);
            BigInteger a = new BigInteger(bits, random).setBit(bits - 1);
            BigInteger b = new BigInteger(bits, random).setBit(bits - 1);
            if (bits < 10_000_000) {
                warmUp(a, b);
            }
            Timing fast = median(a, b, n, FastMultiplyBench::fast);
            Timing jdk = median(a, b, n, BigInteger::multiply);
            Timing parallel = median(a, b, n, BigInteger::parallelMultiply);
            check(fast, jdk);
            check(fast, parallel);
            System.out.printf(Locale.ROOT, "| %,d | %.1f | %.1f | %.1f | %.2f | %.2f |%n", bits, fast.millis,
                    jdk.millis, parallel.millis, jdk.millis / fast.millis, parallel.millis / fast.millis);
        }
    }

    private static void crossover(int reps) {
        List<BigInteger[]> operands = new ArrayList<>();
        for (int bits = 4_096; bits <= 262_144; bits += bits / 4) {
            Random random = new Random(bits);
            operands.add(new BigInteger[] {new BigInteger(bits, random).setBit(bits - 1),
                new BigInteger(bits, random).setBit(bits - 1)});
        }
        // Every size first: BigInteger switches to Karatsuba and Toom-Cook as operands grow, and a
        // method the JIT has not compiled yet would be timed in the interpreter.
        for (int round = 0; round < 10; round++) {
            for (BigInteger[] ab : operands) {
                warmUp(ab[0], ab[1]);
            }
        }
        System.out.println("| bits | transform ms | BigInteger.multiply ms | multiply / transform "
                + "| merge, shared transform ms | merge, 3 × multiply ms | ratio |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (BigInteger[] ab : operands) {
            int n = 20 * reps;
            Timing transform = median(ab[0], ab[1], n, FastMultiplyBench::transform);
            Timing jdk = median(ab[0], ab[1], n, BigInteger::multiply);
            check(transform, jdk);
            Timing shared = median(ab[0], ab[1], n, FastMultiplyBench::sharedMerge);
            Timing separate = median(ab[0], ab[1], n, FastMultiplyBench::jdkMerge);
            check(shared, separate);
            System.out.printf(Locale.ROOT, "| %,d | %.3f | %.3f | %.2f | %.3f | %.3f | %.2f |%n",
                    ab[0].bitLength(), transform.millis, jdk.millis, jdk.millis / transform.millis,
                    shared.millis, separate.millis, separate.millis / shared.millis);
        }
    }

    /** Lets the JIT compile every path before anything is timed. */
    private static void warmUp(BigInteger a, BigInteger b) {
        for (int i = 0; i < 20; i++) {
            transform(a, b);
            a.multiply(b);
            sharedMerge(a, b);
            jdkMerge(a, b);
        }
    }

    /**
     * A merge's three products as {@link FastMultiply#productAndSum} forms them on its transform path
     * (x·y and x·z + u·v with x transformed once), here with x = u = a and y = z = v = b; returns the sum.
     */
    private static BigInteger sharedMerge(BigInteger a, BigInteger b) {
        LongInteger x = LongInteger.of(a);
        LongInteger y = LongInteger.of(b);
        long[][] out = NttConvolution.sumsOfProducts(new LongInteger[] {x, y, y, x, y},
                new int[][] {{0, 1}, {0, 2, 3, 4}});
        return LongInteger.of(1, out[1]).toBigInteger();
    }

    /** The same merge as three products by the JDK, as below {@link FastMultiply#THRESHOLD_BITS}. */
    private static BigInteger jdkMerge(BigInteger a, BigInteger b) {
        a.multiply(b);
        return a.multiply(b).add(a.multiply(b));
    }

    /** FastMultiply on BigIntegers; the two linear conversions are timed with it. */
    private static BigInteger fast(BigInteger a, BigInteger b) {
        return FastMultiply.multiply(LongInteger.of(a), LongInteger.of(b)).toBigInteger();
    }

    private static BigInteger transform(BigInteger a, BigInteger b) {
        return FastMultiply.byTransform(LongInteger.of(a), LongInteger.of(b)).toBigInteger();
    }

    private record Timing(double millis, BigInteger product) {
    }

    private static void check(Timing x, Timing y) {
        if (!x.product.equals(y.product)) {
            throw new AssertionError("products differ");
        }
    }

    private static Timing median(BigInteger a, BigInteger b, int reps, BinaryOperator<BigInteger> multiply) {
        BigInteger expected = null;
        double[] millis = new double[reps];
        for (int i = 0; i < reps; i++) {
            long start = System.nanoTime();
            BigInteger product = multiply.apply(a, b);
            millis[i] = (System.nanoTime() - start) / 1e6;
            if (expected != null && !expected.equals(product)) {
                throw new AssertionError("results differ between repetitions");
            }
            expected = product;
        }
        Arrays.sort(millis);
        double median = reps % 2 == 1 ? millis[reps / 2] : (millis[reps / 2 - 1] + millis[reps / 2]) / 2;
        return new Timing(median, expected);
    }
}
