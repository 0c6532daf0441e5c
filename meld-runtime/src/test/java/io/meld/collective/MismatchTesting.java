package io.meld.collective;

import static org.assertj.core.api.Assertions.assertThat;

import io.meld.CollectiveMismatchException;
import io.meld.Meld;
import io.meld.config.MeldConfig;
import io.meld.runtime.InMemoryCluster;
import io.meld.testing.Stepping;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/** Runs collectives that nodes call differently, and checks how every node fails. */
final class MismatchTesting {
    private MismatchTesting() {}

    /** What a node's collective threw, and what its next collective (a barrier) threw. */
    record Outcome(Throwable first, Throwable later) {}

    /** A node's call of a collective. */
    @FunctionalInterface
    interface Collective {
        void call(Meld meld);
    }

    /**
     * Runs {@code collective} on every node of an in-memory cluster, delivering frames as they come; each
     * node records what it and a later barrier threw.
     */
    static List<Outcome> mismatch(int nodes, Collective collective) throws Exception {
        try (InMemoryCluster cluster = InMemoryCluster.start(nodes, MeldConfig.defaults())) {
            cluster.network().startPump();
            List<CompletableFuture<Outcome>> calls = new ArrayList<>();
            for (int r = 0; r < nodes; r++) {
                Meld node = cluster.node(r);
                calls.add(Stepping.call("node-" + r, () -> attempt(node, collective)));
            }
            List<Outcome> outcomes = new ArrayList<>();
            for (CompletableFuture<Outcome> c : calls) {
                outcomes.add(Stepping.result(c));
            }
            return outcomes;
        }
    }

    /** Runs {@code collective} on this node, then a barrier, and records what each threw. */
    static Outcome attempt(Meld meld, Collective collective) {
        Throwable first = null;
        try {
            collective.call(meld);
        } catch (RuntimeException e) {
            first = e;
        }
        Throwable later = null;
        try {
            meld.barrier();
        } catch (RuntimeException e) {
            later = e;
        }
        return new Outcome(first, later);
    }

    static void assertEveryNodeFailed(List<Outcome> outcomes, String... named) {
        assertEveryNodeFailed(outcomes, Set.of(), named);
    }

    /**
     * Every node's collective failed with one message naming both versions, and so did its next one.
     *
     * @param mayComplete nodes whose call matched the root's: they may fail only in the next collective
     * @param named what every message must name
     */
    static void assertEveryNodeFailed(List<Outcome> outcomes, Set<Integer> mayComplete, String... named) {
        for (int node = 0; node < outcomes.size(); node++) {
            Outcome o = outcomes.get(node);
            if (o.first() == null && mayComplete.contains(node)) {
                o = new Outcome(o.later(), o.later());
            }
            assertThat(o.first())
                    .as("node %d's mismatched collective", node)
                    .isInstanceOf(CollectiveMismatchException.class)
                    .hasMessageContaining("nodes called different collectives as their collective #")
                    .hasMessageMatching("(?s).*node \\d called .*, node \\d called .*");
            for (String s : named) {
                assertThat(o.first().getMessage()).as("node %d's message", node).contains(s);
            }
            assertThat(o.later())
                    .as("node %d's next collective", node)
                    .isInstanceOf(CollectiveMismatchException.class)
                    .hasMessage(o.first().getMessage());
        }
    }
}
