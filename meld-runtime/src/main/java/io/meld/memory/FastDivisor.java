package io.meld.memory;

import java.math.BigInteger;

/**
 * Division of non-negative {@code long}s by a divisor fixed in advance, as a multiplication and shifts
 * instead of a hardware divide (tens of cycles on most x86 cores, and every global-array operation
 * needs one or two to find its element's home).
 *
 * <p>The method is the unsigned 64-bit one of libdivide (Ridiculous Fish), after Granlund and
 * Montgomery, "Division by invariant integers using multiplication" (PLDI 1994): with {@code L =
 * floor(log2 d)}, a magic number {@code m ~ 2^(64+L) / d} makes {@code n / d} the high half of {@code n *
 * m}, shifted by {@code L}; when {@code m} needs 65 bits, its top bit is folded back in with one
 * add-and-halve step. Powers of two are a shift.
 *
 * <p>Immutable; {@link #divide(long)} is exact for every {@code 0 <= n < 2^63}.
 */
final class FastDivisor {
    private final long divisor;
    private final long magic;
    private final int shift;
    private final boolean power;
    private final boolean add;

    /**
     * @param divisor the divisor, at least 1
     */
    FastDivisor(long divisor) {
        if (divisor < 1) {
            throw new IllegalArgumentException("divisor " + divisor + " is not positive");
        }
        this.divisor = divisor;
        int log = 63 - Long.numberOfLeadingZeros(divisor);
        if ((divisor & (divisor - 1)) == 0) {
            this.power = true;
            this.shift = log;
            this.magic = 0;
            this.add = false;
            return;
        }
        this.power = false;
        BigInteger d = BigInteger.valueOf(divisor);
        BigInteger[] qr = BigInteger.ONE.shiftLeft(64 + log).divideAndRemainder(d);
        long proposed = qr[0].longValue();
        long rem = qr[1].longValue();
        long e = divisor - rem;
        if (Long.compareUnsigned(e, 1L << log) < 0) {
            // m fits 64 bits: n / d = mulhi(n, m) >> L
            this.shift = log;
            this.add = false;
        } else {
            // m needs 65 bits: use 2m (mod 2^64) with the add-and-halve step
            proposed += proposed;
            long twiceRem = rem + rem;
            if (Long.compareUnsigned(twiceRem, divisor) >= 0 || Long.compareUnsigned(twiceRem, rem) < 0) {
                proposed += 1;
            }
            this.shift = log;
            this.add = true;
        }
        this.magic = proposed + 1;
    }

    /** @return the divisor */
    long divisor() {
        return divisor;
    }

    /**
     * @param n a dividend, {@code 0 <= n < 2^63}
     * @return {@code n / divisor}
     */
    long divide(long n) {
        if (power) {
            return n >>> shift;
        }
        long q = Math.unsignedMultiplyHigh(n, magic);
        if (add) {
            return (((n - q) >>> 1) + q) >>> shift;
        }
        return q >>> shift;
    }

    /**
     * @param n a dividend, {@code 0 <= n < 2^63}
     * @return {@code n % divisor}
     */
    long remainder(long n) {
        return n - divide(n) * divisor;
    }
}
