package io.meld.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meld.Meld;
import io.meld.cluster.ClusterSettings;
import io.meld.config.MeldConfig;
import io.meld.config.Setting;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(30)
class LocalClusterFormationTest {
    /** What a node saw of itself. */
    record Seen(int rank, int size, int threads, int configuredRank, int configuredSize, String discovery) {}

    @ParameterizedTest(name = "{0} nodes")
    @ValueSource(ints = {1, 2, 3, 4})
    void shouldFormAClusterWhoseNodesHaveDistinctRanksFromZeroAndTheRightSize(int nodes) {
        List<Seen> seen = Meld.localResults(
                nodes,
                MeldConfig.defaults(),
                meld -> new Seen(
                        meld.rank(),
                        meld.size(),
                        meld.threads(),
                        meld.config().get(RuntimeSettings.RANK),
                        meld.config().get(RuntimeSettings.SIZE),
                        meld.config().get(ClusterSettings.DISCOVERY).name()));

        assertThat(seen).hasSize(nodes);
        assertThat(seen.stream().map(Seen::rank))
                .containsExactlyElementsOf(IntStream.range(0, nodes).boxed().toList());
        for (Seen s : seen) {
            assertThat(s.size()).isEqualTo(nodes);
            assertThat(s.threads()).isGreaterThanOrEqualTo(1);
            assertThat(s.configuredRank()).isEqualTo(s.rank());
            assertThat(s.configuredSize()).isEqualTo(nodes);
            assertThat(s.discovery()).isEqualTo("JVM");
        }
    }

    @Test
    void shouldGiveEachNodeTheConfiguredNumberOfThreads() {
        List<Integer> threads =
                Meld.localResults(2, MeldConfig.defaults().with(RuntimeSettings.THREADS, 3), Meld::threads);

        assertThat(threads).containsExactly(3, 3);
    }

    @Test
    void shouldSplitTheCoresAmongTheNodesOfThisMachineWhenThreadsAreNotSet() {
        int cores = Runtime.getRuntime().availableProcessors();

        List<Integer> threads = Meld.localResults(2, MeldConfig.defaults(), Meld::threads);

        assertThat(threads).containsOnly(Math.max(1, cores / 2));
    }

    @Test
    void shouldKeepSettingsOfTheSharedConfigurationOnEveryNode() {
        MeldConfig config = MeldConfig.defaults().with("meld.shutdown.timeout", "7s");

        List<String> timeouts = Meld.localResults(
                2, config, meld -> Setting.formatDuration(meld.config().get(RuntimeSettings.SHUTDOWN_TIMEOUT)));

        assertThat(timeouts).containsExactly("7s", "7s");
    }

    @Test
    void shouldReturnNullResultsByRank() {
        List<String> results = Meld.localResults(2, MeldConfig.defaults(), meld -> meld.rank() == 0 ? null : "one");

        assertThat(results).containsExactly(null, "one");
    }

    @Test
    void shouldRefuseALocalClusterOfNoNodes() {
        assertThatThrownBy(() -> Meld.local(0, MeldConfig.defaults(), meld -> {}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a local cluster needs at least 1 node, not 0");
    }

    @Test
    void shouldFailEveryNodeOfALocalClusterOnAMisspeltSetting() {
        MeldConfig config = MeldConfig.defaults().with("meld.cluster.formation-timout", "3s");

        assertThatThrownBy(() -> Meld.local(2, config, meld -> {}))
                .hasRootCauseMessage("meld.cluster.formation-timout (set in code) is not a Meld setting (did you mean"
                        + " meld.cluster.formation-timeout?); docs/configuration.md lists them all");
    }
}
