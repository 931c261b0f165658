package org.piservice.core.mul;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import org.junit.jupiter.api.Test;

/** ProductCheck's residues against BigInteger's, and the faults it must refuse; plain in-memory tests. */
class ProductCheckTest {

    private static final BigInteger P = BigInteger.valueOf(ProductCheck.P);
    private final Random random = new Random(61);

    @Test
    void residuesAreBigIntegersModP() {
        for (int bits : new int[] {1, 60, 61, 62, 64, 65, 127, 128, 1_000, 100_000}) {
            for (int i = 0; i < 20; i++) {
                // every bit set now and then: words whose top bits are set, and residues next to p
                BigInteger x = i % 5 == 0 ? BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE)
                        : new BigInteger(bits, random);
                BigInteger y = new BigInteger(bits, random);
                long rx = ProductCheck.residue(LongInteger.of(x));
                long ry = ProductCheck.residue(LongInteger.of(y.negate()));
                assertThat(rx).as("%d bits", bits).isEqualTo(x.mod(P).longValueExact());
                assertThat(ProductCheck.multiply(rx, ry)).isEqualTo(x.multiply(y).mod(P).longValueExact());
                assertThat(ProductCheck.add(rx, ry)).isEqualTo(x.add(y).mod(P).longValueExact());
            }
        }
        assertThat(ProductCheck.residue(LongInteger.of(P))).isZero();
        assertThat(ProductCheck.multiply(ProductCheck.P - 1, ProductCheck.P - 1)).isEqualTo(1);
    }

    @Test
    void aFailedCheckOnAPoolThreadReachesTheCallerWithItsMessage() {
        // a fork/join join rethrows another thread's exception as a new copy when its type allows one
        ForkJoinPool pool = new ForkJoinPool(2);
        try {
            assertThatThrownBy(() -> pool.invoke(ForkJoinTask.adapt(() -> ProductCheck.verify(2, LongInteger.ONE))))
                    .isInstanceOf(ArithmeticFault.class)
                    .hasMessageContaining("failed its check modulo 2^61 - 1");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aProductPassesAndEveryKindOfWrongOneIsRefused() {
        BigInteger a = new BigInteger(200_000, random);
        BigInteger b = new BigInteger(150_000, random);
        long expected = ProductCheck.multiply(ProductCheck.residue(LongInteger.of(a)), ProductCheck.residue(LongInteger.of(b)));
        long[] product = LongInteger.of(a.multiply(b)).words.clone();
        assertThat(ProductCheck.verify(expected, LongInteger.of(1, product.clone())).toBigInteger()).isEqualTo(a.multiply(b));

        for (long[] wrong : wrongCopies(product)) {
            assertThatThrownBy(() -> ProductCheck.verify(expected, LongInteger.of(1, wrong)))
                    .isInstanceOf(ArithmeticFault.class)
                    .hasMessageContaining("failed its check modulo 2^61 - 1");
        }
    }

    @Test
    void wrappedProductsPassTheirCheck() {
        for (int[] sizes : new int[][] {{20_000, 15_000, 200}, {64_000, 64_000, 400}, {300_000, 100_000, 3_000},
                {40_000, 40_000, 700}}) {
            // every bit set now and then: the block sums' and their product's carries run longest
            BigInteger x = sizes[2] == 700 ? BigInteger.ONE.shiftLeft(sizes[0]).subtract(BigInteger.ONE)
                    : new BigInteger(sizes[0], random);
            BigInteger y = sizes[2] == 700 ? x : new BigInteger(sizes[1], random);
            LongInteger a = LongInteger.of(x);
            LongInteger b = LongInteger.of(y);
            int wrapLimbs = NttConvolution.length(sizes[2]);
            long[] product = NttConvolution.wrapped(a, b, sizes[2]);
            BigInteger modulus = BigInteger.ONE.shiftLeft(128 * wrapLimbs).subtract(BigInteger.ONE);
            assertThat(LongInteger.of(1, product.clone()).toBigInteger().mod(modulus)).as("%d x %d bits", sizes[0], sizes[1])
                    .isEqualTo(x.multiply(y).mod(modulus));
            assertThat(ProductCheck.verifyWrapped(a, b, product, wrapLimbs)).isSameAs(product);
        }
    }

    @Test
    void aWrappedProductPassesAndEveryKindOfWrongOneIsRefused() {
        LongInteger a = LongInteger.of(new BigInteger(150_000, random));
        LongInteger b = LongInteger.of(new BigInteger(120_000, random));
        int minLimbs = 1_500; // below the product's 2,110 limbs: it wraps around
        int wrapLimbs = NttConvolution.length(minLimbs);
        long[] product = NttConvolution.wrapped(a, b, minLimbs);
        assertThat(ProductCheck.verifyWrapped(a, b, product.clone(), wrapLimbs)).isEqualTo(product);

        List<long[]> wrongs = new ArrayList<>(wrongCopies(product));
        // a coefficient of the transform gone wrong: an error of up to about 2^300 at one 128-bit place
        wrongs.add(LongInteger.of(1, product.clone()).add(
                LongInteger.of(new BigInteger(290, random)).shiftLeft(128L * 333)).words);
        long[] carryLost = product.clone();
        carryLost[500] -= 1;
        carryLost[501] += 1;
        wrongs.add(carryLost);
        for (long[] wrong : wrongs) {
            assertThatThrownBy(() -> ProductCheck.verifyWrapped(a, b, wrong, wrapLimbs))
                    .isInstanceOf(ArithmeticFault.class)
                    .hasMessageContaining("wrapped around failed its check modulo 2^1024 - 1");
        }
    }

    @Test
    void theWrappedChecksModulusDividesTheWrappingModulusAtEveryLengthAWrappedProductTakes() {
        // wrapped products start at FastMultiply.THRESHOLD_BITS (112 limbs); 2^1024 - 1 divides
        // 2^(128·L) - 1 when 8 divides L
        for (int limbs = FastMultiply.THRESHOLD_BITS / 128; limbs <= 1 << 22; limbs += 1 + limbs / 64) {
            assertThat(NttConvolution.length(limbs) % 8).as("length for %d limbs", limbs).isZero();
        }
        assertThatThrownBy(() -> ProductCheck.verifyWrapped(LongInteger.ONE, LongInteger.ONE, new long[] {1}, 12))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void blockSumsCarryRoundFromTheLastPlaceToTheFirst() {
        // 2^1024 - 1 (all ones) plus one: the carry runs through every place and comes round to the first
        long[] allOnes = new long[ProductCheck.WRAP_CHECK_WORDS];
        Arrays.fill(allOnes, -1L);
        long[] sum = Arrays.copyOf(allOnes, 2 * ProductCheck.WRAP_CHECK_WORDS);
        sum[ProductCheck.WRAP_CHECK_WORDS] = 1; // (2^1024 - 1) + 2^1024 ≡ 0 + 1
        LongInteger one = LongInteger.ONE;
        assertThat(ProductCheck.verifyWrapped(one, one, sum, 8)).isSameAs(sum);
        assertThat(ProductCheck.verifyWrapped(LongInteger.ZERO, one, allOnes, 8)).isSameAs(allOnes);
    }

    /** Copies of a product of at least 1,001 words, each wrong: a word off by one, two swapped, all shifted, one lost. */
    private static List<long[]> wrongCopies(long[] product) {
        long[] offByOne = product.clone();
        offByOne[100]++;
        long[] swapped = product.clone();
        swapped[7] = product[9];
        swapped[9] = product[7];
        long[] shifted = new long[product.length];
        System.arraycopy(product, 0, shifted, 1, product.length - 1);
        long[] lostWord = product.clone();
        lostWord[1000] = 0;
        return List.of(offByOne, swapped, shifted, lostWord);
    }
}
