package org.piservice.core.mul;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
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

        long[] offByOne = product.clone();
        offByOne[100]++;
        long[] swapped = product.clone();
        swapped[7] = product[9];
        swapped[9] = product[7];
        long[] shifted = new long[product.length];
        System.arraycopy(product, 0, shifted, 1, product.length - 1);
        long[] lostWord = product.clone();
        lostWord[1000] = 0;
        for (long[] wrong : new long[][] {offByOne, swapped, shifted, lostWord}) {
            assertThatThrownBy(() -> ProductCheck.verify(expected, LongInteger.of(1, wrong)))
                    .isInstanceOf(ArithmeticFault.class)
                    .hasMessageContaining("failed its check modulo 2^61 - 1");
        }
    }
}
