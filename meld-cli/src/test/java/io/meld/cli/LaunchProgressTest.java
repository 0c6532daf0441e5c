package io.meld.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.meld.runtime.LauncherProgress;
import io.meld.runtime.LauncherProgress.Event;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LaunchProgressTest {
    private static final long S = TimeUnit.SECONDS.toNanos(1);

    private static Event event(String line) {
        return Event.parse(LauncherProgress.MARKER + line);
    }

    @Test
    void shouldSayWhichNodesTheClusterWaitsForThenWhatNodeZeroDoes() {
        LaunchProgress progress = new LaunchProgress("gups (1 of 7), Meld", 4, 0);

        assertThat(progress.describe(2 * S)).isEqualTo("[meld] gups (1 of 7), Meld: started 4 JVMs (2 s)");

        progress.report(1, event("phase not node 0's"), 3 * S);
        progress.report(0, event("view 0,1,3"), 3 * S);
        assertThat(progress.describe(3 * S))
                .isEqualTo("[meld] gups (1 of 7), Meld: forming the cluster: 3 of 4 nodes, waiting for node 2 (3 s)");

        progress.report(2, event("view 0,1,2,3"), 4 * S);
        for (int r = 0; r < 3; r++) {
            progress.report(r, event("ready"), 4 * S);
        }
        assertThat(progress.describe(4 * S)).endsWith("connecting the nodes: 3 of 4 ready (4 s)");

        progress.report(3, event("ready"), 5 * S);
        assertThat(progress.describe(5 * S)).endsWith(": running (5 s)");

        progress.report(0, event("phase timed updates, 10 s"), 6 * S);
        assertThat(progress.describe(70 * S)).endsWith(": timed updates, 10 s (1 min 04 s, 1 min 10 s in all)");
    }

    @Test
    void shouldNameAFewMissingNodesAndCountTheRest() {
        LaunchProgress progress = new LaunchProgress("", 8, 0);

        progress.report(0, event("view 0,2"), S);

        assertThat(progress.describe(S))
                .isEqualTo("[meld] forming the cluster: 2 of 8 nodes, waiting for nodes 1, 3, 4 and 3 more (1 s)");
    }

    @Test
    void shouldReadOnlyWellFormedProgressLines() {
        assertThat(event("view 0,1").ranks()).containsExactly(0, 1);
        assertThat(event("ready").kind()).isEqualTo(Event.Kind.READY);
        assertThat(event("phase warm-up").text()).isEqualTo("warm-up");
        assertThat(event("view 0,x")).isNull();
        assertThat(event("something else")).isNull();
        assertThat(Event.parse("ready")).as("no marker").isNull();
    }
}
