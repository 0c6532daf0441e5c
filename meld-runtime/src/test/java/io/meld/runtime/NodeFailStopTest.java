package io.meld.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meld.GlobalLongArray;
import io.meld.Meld;
import io.meld.NodeFailedException;
import io.meld.config.MeldConfig;
import io.meld.transport.FailStop;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A node of a {@code Meld.local} cluster whose flusher or JGroups thread dies fails as a whole: its
 * peers' waits end with a {@link NodeFailedException} naming it, its own program's next call fails with
 * one too, and the JVM and the run go on. The threads are the node's real ones; the test hands the error
 * to each thread's own uncaught-exception handler, as the JVM does when an error ends a thread. (An error
 * on an I/O thread takes Netty's route: {@code LinkFailureTest}.)
 */
@Timeout(90)
class NodeFailStopTest {
    private static final int NODES = 3;
    private static final MeldConfig CONFIG = MeldConfig.defaults().with("meld.shutdown.timeout", "2s");

    @Test
    void shouldFailTheNodeWhoseFlusherDies() {
        assertNodeFailsWhenItsThreadDies(1, t -> t.getName().equals("meld-flusher-1"));
    }

    @Test
    void shouldFailTheNodeWhoseJGroupsThreadDies() {
        assertNodeFailsWhenItsThreadDies(
                2, t -> t.getName().startsWith("jgroups") && t.getName().contains("node-2"));
    }

    @Test
    void shouldGiveEveryThreadOfANodeItsFailStop() {
        Meld.local(2, CONFIG, meld -> {
            meld.barrier();
            if (meld.rank() == 0) {
                List<Thread> ofNode = Thread.getAllStackTraces().keySet().stream()
                        .filter(Thread::isAlive)
                        .filter(t -> t.getName().equals("meld-flusher-0")
                                || t.getName().startsWith("meld-io-node-0")
                                || (t.getName().startsWith("jgroups")
                                        && t.getName().contains("node-0"))
                                || t.getName().startsWith("meld-tls-accept-"))
                        .toList();
                assertThat(ofNode)
                        .extracting(Thread::getName)
                        .anyMatch(n -> n.equals("meld-flusher-0"))
                        .anyMatch(n -> n.startsWith("meld-io-node-0"))
                        .anyMatch(n -> n.startsWith("jgroups"))
                        .anyMatch(n -> n.startsWith("meld-tls-accept-"));
                assertThat(ofNode)
                        .allSatisfy(t -> assertThat(t.getUncaughtExceptionHandler())
                                .as(t.getName())
                                .isInstanceOf(FailStop.class));
            }
            meld.barrier();
        });
    }

    private static void assertNodeFailsWhenItsThreadDies(int victim, Predicate<Thread> itsThread) {
        Map<Integer, Throwable> seen = new ConcurrentHashMap<>();
        Map<Integer, Long> seenAt = new ConcurrentHashMap<>();
        AtomicLong injectedAt = new AtomicLong();
        assertThatThrownBy(() -> Meld.local(NODES, CONFIG, meld -> {
                    GlobalLongArray a = meld.longArray("fail-stop", 3000);
                    meld.forall(a, i -> a.set(i, i));
                    meld.barrier();
                    if (meld.rank() == victim) {
                        Thread thread = Thread.getAllStackTraces().keySet().stream()
                                .filter(Thread::isAlive)
                                .filter(itsThread)
                                .findFirst()
                                .orElseThrow(() -> new AssertionError("no such thread of node " + victim));
                        injectedAt.set(System.nanoTime());
                        thread.getUncaughtExceptionHandler()
                                .uncaughtException(thread, new OutOfMemoryError("injected by the test"));
                    }
                    try {
                        // The survivors wait on the victim; the victim's own call fails at once.
                        while (true) {
                            meld.barrier();
                            Thread.sleep(10);
                        }
                    } catch (NodeFailedException e) {
                        seenAt.put(meld.rank(), System.nanoTime());
                        seen.put(meld.rank(), e);
                        throw e;
                    }
                }))
                .hasMessageContaining("node " + victim);
        assertThat(seen).as("every node's wait ended").containsOnlyKeys(0, 1, 2);
        seen.forEach((rank, e) -> assertThat(((NodeFailedException) e).node())
                .as("the node %d's exception names", rank)
                .isEqualTo(victim));
        assertThat(seen.get(victim))
                .hasMessageContaining("node " + victim + " failed: its thread")
                .hasMessageContaining("died of java.lang.OutOfMemoryError: injected by the test");
        // For docs/reliability.md: how long each node took to learn of the failure (not asserted).
        seenAt.forEach((rank, at) -> System.out.printf(
                "node %d saw node %d fail %.1f ms after the error%n", rank, victim, (at - injectedAt.get()) / 1e6));
        // The JVM goes on, and so do later clusters in it.
        Meld.local(2, CONFIG, Meld::barrier);
    }
}
