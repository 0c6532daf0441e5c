package io.meld.memory;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FastDivisorTest {
    @Test
    void shouldDivideExactlyLikeTheDivideInstruction() {
        SplittableRandom random = new SplittableRandom(42);
        long[] edges = {
            0, 1, 2, 3, 7, 63, 64, 65, (1L << 31) - 1, 1L << 31, (1L << 32) + 1, Long.MAX_VALUE - 1, Long.MAX_VALUE
        };
        for (int trial = 0; trial < 2000; trial++) {
            long d = switch (trial % 4) {
                case 0 -> 1 + random.nextLong(64);
                case 1 -> 1 + random.nextLong(1L << 32);
                case 2 -> 1 + random.nextLong(Long.MAX_VALUE - 1);
                default -> 1L << random.nextInt(63);
            };
            FastDivisor div = new FastDivisor(d);
            for (long n : edges) {
                assertThat(div.divide(n)).as("%d / %d", n, d).isEqualTo(n / d);
                assertThat(div.remainder(n)).as("%d %% %d", n, d).isEqualTo(n % d);
            }
            for (int i = 0; i < 200; i++) {
                long n = switch (i % 3) {
                    case 0 -> random.nextLong(Long.MAX_VALUE);
                    case 1 -> random.nextLong(1L << 40);
                    default -> d * random.nextLong(1, 1000) + random.nextLong(-1, 2);
                };
                if (n < 0) {
                    continue;
                }
                assertThat(div.divide(n)).as("%d / %d", n, d).isEqualTo(n / d);
            }
        }
    }
}
