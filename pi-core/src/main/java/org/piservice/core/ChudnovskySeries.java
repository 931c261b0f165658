package org.piservice.core;

import java.math.BigInteger;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.RecursiveAction;
import java.util.concurrent.atomic.AtomicLong;
import org.piservice.core.mul.ArithmeticFault;
import org.piservice.core.mul.FastMultiply;
import org.piservice.core.mul.LongInteger;

/**
 * Sums the Chudnovsky series by binary splitting:
 * <pre>
 *   1/π = 12 Σ (-1)^k (6k)! (13591409 + 545140134 k) / ((3k)! (k!)^3 640320^(3k + 3/2))
 *   π   = 426880 √10005 · Q(0, n) / T(0, n)
 * </pre>
 * where, for the range [a, b) of terms, P, Q and T combine as P = P₁P₂, Q = Q₁Q₂, T = T₁Q₂ + P₁T₂.
 * Up to ranges of a thousand terms, P₁ and Q₂ are divided by their common factors before they
 * are multiplied, which leaves every number above about a fifth shorter.
 * The middle of the recursion runs on a fork/join pool (subranges, and P beside Q and T of a merge, in
 * parallel); the bottom is sequential, so only a few ranges are alive at once, and so is the top
 * (ranges of an eighth of the series or more), whose products are split across the cores inside the
 * multiplication: two of them side by side there would hold twice their transforms at once.
 */
final class ChudnovskySeries {

    /** Each term adds log10(640320³ / 12³) ≈ 14.18 decimal digits, i.e. 47.11 bits. */
    static final double BITS_PER_TERM = 47.11;

    private static final long A = 13591409L;
    private static final long B = 545140134L;
    /** Ranges this short are summed term by term. */
    private static final int LEAF_TERMS = 8;
    /**
     * Ranges this short are merged with their common factors divided out (see {@link #factoredSplit}).
     * Longer ones gained nothing measurable: the JDK's divisions grow with them.
     */
    private static final int FACTORED_TERMS = 1024;
    /** Ranges this long are split across threads; below, forking costs more than it gains. */
    private static final int PARALLEL_TERMS = 2048;
    /** Merge products this large (bits) are computed concurrently. */
    private static final int PARALLEL_PRODUCT_BITS = 1 << 16;
    /**
     * Ranges whose merge has a left Q this long (bits) or longer, and that are at least a
     * SEQUENTIAL_SHARE-th of the series, run one product and one range at a time: their products
     * are long enough for the multiplication to spread each one over the cores, and side by side
     * they would hold their transforms at once, near where the series' memory peaks. Below the
     * share, side by side keeps two cores busier than the multiplication alone does
     * (docs/PERFORMANCE.md).
     */
    private static final int SEQUENTIAL_PRODUCT_BITS = 1 << 21;
    private static final int SEQUENTIAL_SHARE = 8;

    private final Multiplier mul;
    private final Computation computation;
    private final TermFactors termFactors;
    private final int terms;
    private final long precision;
    /** Ranges this long or longer run one product and one range at a time. */
    private final int sequentialTerms;
    private final long totalWork;
    private final AtomicLong work = new AtomicLong();
    private final double progressStart;
    private final double progressSpan;

    /** The sums of one range of terms; p is null where no caller needs it (the rightmost ranges). */
    record Sums(LongInteger p, LongInteger q, LongInteger t) { }

    /**
     * A short range's sums, still in BigInteger (the JDK multiplies them, and its exact divisions
     * take them as they are), with the prime factors of |P| (null where P is) and of Q.
     */
    private record FactoredSums(BigInteger p, BigInteger q, BigInteger t, Factorization pFactors,
            Factorization qFactors) {

        Sums sums() {
            return longSums(p, q, t);
        }
    }

    /** The sums as the fast multiplier takes them; p may be null. */
    private static Sums longSums(BigInteger p, BigInteger q, BigInteger t) {
        return new Sums(p == null ? null : LongInteger.of(p), LongInteger.of(q), LongInteger.of(t));
    }

    private ChudnovskySeries(Multiplier mul, Computation computation, int terms, long precision,
            double progressStart, double progressSpan) {
        this.mul = mul;
        this.computation = computation;
        this.termFactors = new TermFactors(terms);
        this.terms = terms;
        this.precision = precision;
        // A range's merge has a left Q of half its terms, each adding at least BITS_PER_TERM bits.
        this.sequentialTerms = Math.max(terms / SEQUENTIAL_SHARE,
                (int) Math.ceil(2 * SEQUENTIAL_PRODUCT_BITS / BITS_PER_TERM));
        // Every level of the recursion multiplies numbers whose sizes add up to about the same total.
        this.totalWork = (long) terms * (1 + 64 - Long.numberOfLeadingZeros(Math.max(1, terms / LEAF_TERMS)));
        this.progressStart = progressStart;
        this.progressSpan = progressSpan;
    }

    /** Number of terms whose sum is within 2^-bits of π (relative). */
    static int termsFor(long bits) {
        return (int) Math.ceil(bits / BITS_PER_TERM) + 2;
    }

    /**
     * Q and T of the first {@code terms} terms, both divided by one power of two, which is harmless
     * where only their ratio matters: the last merge cuts its operands so that Q and T keep a
     * relative error below 2^-precision (π needs about 2.4 times fewer bits than Q and T have).
     * The caller's thread must be a pool thread or not.
     */
    static Sums sum(int terms, long precision, Multiplier mul, Computation computation, double progressStart,
            double progressSpan) {
        ChudnovskySeries series = new ChudnovskySeries(mul, computation, terms, precision, progressStart,
                progressSpan);
        if (terms <= LEAF_TERMS) {
            return series.split(0, terms, false);
        }
        // This runs once, in the interpreter, which keeps a method's locals alive to its end: the
        // uncut halves die with cutHalves' frame instead of staying beside the last merge's transforms.
        Sums[] halves = series.cutHalves();
        Sums sums = series.merge(halves[0], halves[1], false, series.sideBySide(terms));
        series.done(terms);
        return sums;
    }

    private final class Split extends RecursiveAction {
        private final int a;
        private final int b;
        private final boolean needP;
        private Sums result;

        Split(int a, int b, boolean needP) {
            this.a = a;
            this.b = b;
            this.needP = needP;
        }

        @Override
        protected void compute() {
            result = split(a, b, needP);
        }
    }

    private Sums split(int a, int b, boolean needP) {
        computation.checkCancelled();
        if (b - a <= FACTORED_TERMS) {
            return factoredSplit(a, b, needP, termFactors.window(a, b)).sums();
        }
        Sums[] halves = halves(a, b, needP);
        Sums merged = merge(halves[0], halves[1], needP, sideBySide(b - a));
        done(b - a);
        return merged;
    }

    /**
     * Where a..b-1 is cut in two. An even number of terms on the left keeps T₁Q₂ and P₁T₂ of one
     * sign (P of k terms has the sign (-1)^k, T of a range starting at a > 0 is negative), so the
     * fast multiplier can add them as they are formed.
     */
    private static int middle(int a, int b) {
        return a + (((b - a) >>> 1) & ~1);
    }

    /**
     * The sums of a..b-1, each merge dividing P₁ and Q₂ by their greatest common divisor g: that
     * divides P, Q and T of the merge by g, and leaves every ratio the series is made of unchanged.
     * P's factors (6k-5)(2k-1)(6k-1) and Q's k³ share many small primes, so the numbers stay shorter
     * all the way up; g comes from the factor lists, as a product of the primes both share.
     */
    private FactoredSums factoredSplit(int a, int b, boolean needP, TermFactors.Window factors) {
        if (b - a <= LEAF_TERMS) {
            FactoredSums leaf = leaf(a, b, needP, factors);
            done(b - a);
            return leaf;
        }
        int m = middle(a, b);
        FactoredSums left = factoredSplit(a, m, true, factors);
        FactoredSums right = factoredSplit(m, b, needP, factors);
        Factorization[] common = Factorization.withoutCommonFactors(left.pFactors(), right.qFactors());
        BigInteger p1 = left.p();
        BigInteger q2 = right.q();
        if (!common[0].isOne()) {
            BigInteger g = common[0].value();
            p1 = exactQuotient(p1, g);
            q2 = exactQuotient(q2, g);
        }
        Factorization pFactors = needP ? common[1].times(right.pFactors()) : null;
        Factorization qFactors = left.qFactors().times(common[2]);
        long longest = Math.max(Math.max(p1.bitLength(), q2.bitLength()), Math.max(left.q().bitLength(),
                Math.max(left.t().bitLength(), right.t().bitLength())));
        FactoredSums merged;
        if (longest < FastMultiply.THRESHOLD_BITS) {
            // The fast multiplier leaves products this short to the JDK too: here they skip its conversions.
            merged = new FactoredSums(needP ? p1.multiply(right.p()) : null, left.q().multiply(q2),
                    left.t().multiply(q2).add(p1.multiply(right.t())), pFactors, qFactors);
        } else {
            Sums sums = merge(longSums(p1, left.q(), left.t()), longSums(right.p(), q2, right.t()), needP, true);
            merged = new FactoredSums(needP ? sums.p().toBigInteger() : null, sums.q().toBigInteger(),
                    sums.t().toBigInteger(), pFactors, qFactors);
        }
        done(b - a);
        return merged;
    }

    /** The sums of the two halves of a..b-1, side by side where that pays. */
    private Sums[] halves(int a, int b, boolean needP) {
        int m = middle(a, b);
        if (b - a >= PARALLEL_TERMS && sideBySide(b - a)) {
            Split l = new Split(a, m, true);
            Split r = new Split(m, b, needP);
            Split.invokeAll(l, r);
            return new Sums[] {l.result, r.result};
        }
        Sums left = split(a, m, true);
        return new Sums[] {left, split(m, b, needP)};
    }

    /**
     * The halves of the whole series, cut for the top merge to the bits that matter. With
     * T₁Q₂ ≥ 2^L (L = |T₁| + |Q₂| - 2, their bit lengths) and an allowed error of 2^E per cut,
     * E = L - precision - 4: Q₁, T₁ lose a bits and Q₂ loses b bits, the
     * product of two cut numbers erring by less than each one's size times the other's cut; P₁
     * and T₂ lose c + d = a + b bits so that both terms of T keep one scale. The six errors
     * of T stay below 2^(E+3) ≤ T·2^-(precision+1), and Q's three below Q·2^-(precision+2).
     */
    private Sums[] cutHalves() {
        Sums[] halves = halves(0, terms, false);
        Sums left = halves[0];
        Sums right = halves[1];
        long q1 = left.q().bitLength();
        long t1 = left.t().bitLength();
        long p1 = left.p().bitLength();
        long q2 = right.q().bitLength();
        long t2 = right.t().bitLength();
        long e = t1 + q2 - 2 - precision - 4;
        long cutA = Math.max(0, Math.min(e - q2, q1 - precision - 6));
        long cutB = Math.max(0, Math.min(e - t1, q2 - precision - 6));
        long capC = Math.max(0, e - t2);
        long capD = Math.max(0, e - p1);
        long total = Math.min(cutA + cutB, capC + capD);
        cutA = Math.min(cutA, total);
        cutB = total - cutA;
        long cutD = Math.min(total, capD);
        long cutC = total - cutD;
        return new Sums[] {
            new Sums(left.p().shiftRight(cutC), left.q().shiftRight(cutA), left.t().shiftRight(cutA)),
            new Sums(null, right.q().shiftRight(cutB), right.t().shiftRight(cutD)),
        };
    }

    private Sums merge(Sums left, Sums right, boolean needP, boolean sideBySide) {
        if (!needP || !sideBySide || left.q().bitLength() < PARALLEL_PRODUCT_BITS) {
            LongInteger p = needP ? mul.multiply(left.p(), right.p()) : null;
            LongInteger[] qt = qAndT(left, right);
            return new Sums(p, qt[0], qt[1]);
        }
        ForkJoinTask<LongInteger> p = ForkJoinTask.adapt(() -> mul.multiply(left.p(), right.p()));
        ForkJoinTask<LongInteger[]> qt = ForkJoinTask.adapt(() -> qAndT(left, right));
        ForkJoinTask.invokeAll(p, qt);
        return new Sums(p.join(), qt.join()[0], qt.join()[1]);
    }

    /** Q = Q₁Q₂ and T = T₁Q₂ + P₁T₂, in one go so that Q₂ is transformed once. */
    private LongInteger[] qAndT(Sums left, Sums right) {
        computation.checkCancelled();
        return mul.productAndSum(right.q(), left.q(), left.t(), left.p(), right.t());
    }

    /** Whether a range of this many terms may run its halves, and its merge's products, side by side. */
    private boolean sideBySide(int rangeTerms) {
        return rangeTerms < sequentialTerms;
    }

    /**
     * Sums terms a..b-1 directly; term 0 is P = Q = 1, T = 13591409. In BigInteger, whose products of
     * a few hundred bits by one word are the JDK's intrinsics.
     */
    private static FactoredSums leaf(int a, int b, boolean needP, TermFactors.Window factors) {
        BigInteger p = BigInteger.ONE;
        BigInteger q = BigInteger.ONE;
        BigInteger t = BigInteger.ZERO;
        for (int k = a; k < b; k++) {
            BigInteger pk;
            BigInteger qk;
            if (k == 0) {
                pk = BigInteger.ONE;
                qk = BigInteger.ONE;
            } else {
                pk = BigInteger.valueOf(6L * k - 5).multiply(BigInteger.valueOf(2L * k - 1))
                        .multiply(BigInteger.valueOf(6L * k - 1)).negate();
                BigInteger kk = BigInteger.valueOf(k);
                qk = kk.multiply(kk).multiply(kk).multiply(TermFactors.C3_OVER_24);
            }
            BigInteger tk = pk.multiply(BigInteger.valueOf(A).add(BigInteger.valueOf(B).multiply(BigInteger.valueOf(k))));
            // Append term k to the range so far: T = T·Q_k + P·T_k, with P = P·P_k, Q = Q·Q_k.
            t = t.multiply(qk).add(p.multiply(tk));
            p = p.multiply(pk);
            q = q.multiply(qk);
        }
        return new FactoredSums(needP ? p : null, q, t, needP ? factors.p(a, b) : null, factors.q(a, b));
    }

    private void done(int terms) {
        long now = work.addAndGet(terms);
        computation.report(progressStart + progressSpan * Math.min(1.0, (double) now / totalWork), "series");
    }

    /**
     * x / g, which the factorisation says is exact; a remainder would mean a wrong factor list, and
     * a silently truncated quotient wrong digits, so it stops the computation instead.
     */
    static BigInteger exactQuotient(BigInteger x, BigInteger g) {
        BigInteger[] quotientAndRemainder = x.divideAndRemainder(g);
        if (quotientAndRemainder[1].signum() != 0) {
            throw new ArithmeticFault("a common factor of the series' terms does not divide them: the factor"
                    + " lists are wrong, so none of this computation's digits is given");
        }
        return quotientAndRemainder[0];
    }
}
