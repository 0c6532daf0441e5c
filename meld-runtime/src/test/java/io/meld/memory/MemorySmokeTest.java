package io.meld.memory;

import static org.assertj.core.api.Assertions.assertThat;

import io.meld.GlobalLongArray;
import io.meld.LongOp;
import io.meld.Meld;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class MemorySmokeTest {
    @Test
    void randomIncrementsAreExact() {
        List<Long> totals = Meld.localResults(3, meld -> {
            long n = 1 << 16;
            GlobalLongArray table = meld.longArray("t", n);
            SplittableRandom rnd = new SplittableRandom(meld.rank());
            int updates = 200_000;
            long t0 = System.nanoTime();
            for (int i = 0; i < updates; i++) {
                table.add(rnd.nextLong(n), 1);
            }
            meld.barrier();
            long t1 = System.nanoTime();
            long local = 0;
            for (long j = 0; j < table.localLength(); j++) {
                local += table.get(table.globalIndex(j));
            }
            long total = meld.allReduce(local, LongOp.SUM);
            System.out.println("node " + meld.rank() + ": " + updates * 1e3 / (t1 - t0) + " M/s");
            long g = table.get(5) + table.getAndAdd(n - 1, 0);
            table.close();
            return total;
        });
        assertThat(totals).containsOnly(600_000L);
    }
}
