package io.meld.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.meld.LongOp;
import io.meld.Meld;
import java.util.List;
import org.junit.jupiter.api.Test;

class SmokeTest {
    @Test
    void threeNodesReduce() {
        long t0 = System.nanoTime();
        List<Long> r = Meld.localResults(3, meld -> {
            meld.barrier();
            return meld.allReduce(meld.rank() + 1, LongOp.SUM);
        });
        System.out.println("took " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        assertThat(r).containsExactly(6L, 6L, 6L);
    }
}
