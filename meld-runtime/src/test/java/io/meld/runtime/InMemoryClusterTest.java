package io.meld.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.meld.config.MeldConfig;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class InMemoryClusterTest {
    @Test
    void shouldRunCollectivesOnPumpedNodes() throws Exception {
        try (InMemoryCluster c = InMemoryCluster.start(3, MeldConfig.defaults())) {
            c.network().startPump();
            CompletableFuture<?>[] f = new CompletableFuture<?>[3];
            for (int r = 0; r < 3; r++) {
                int rank = r;
                f[r] = CompletableFuture.supplyAsync(() -> c.node(rank).allReduce(rank + 1L, Long::sum));
            }
            for (CompletableFuture<?> x : f) {
                assertThat(x.get(10, TimeUnit.SECONDS)).isEqualTo(6L);
            }
        }
    }
}
