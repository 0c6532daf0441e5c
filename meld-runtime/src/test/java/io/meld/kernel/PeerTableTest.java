package io.meld.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meld.MeldException;
import io.meld.NodeFailedException;
import io.meld.config.MeldConfig;
import io.meld.transport.FrameHandlers;
import io.meld.transport.InMemoryNetwork;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PeerTableTest {
    /** Records what it is told, in order. */
    private static final class Recorder implements NodeService {
        final List<String> events = new ArrayList<>();

        @Override
        public void start(NodeContext node) {
            events.add("start");
        }

        @Override
        public void onPeerFailed(int peer, Throwable cause) {
            events.add("failed " + peer + ": " + cause.getMessage());
        }

        @Override
        public void onPeerClosed(int peer) {
            events.add("closed " + peer);
        }

        @Override
        public void close() {
            events.add("close");
        }
    }

    @Test
    void shouldTellEveryServiceOfAFailureOnceWithItsFirstCause() {
        PeerTable peers = new PeerTable(3);
        Recorder first = new Recorder();
        Recorder second = new Recorder();
        peers.register(first);
        peers.register(second);

        assertThat(peers.failed(2, new MeldException("the connection to node 2 closed")))
                .isTrue();
        assertThat(peers.failed(2, new MeldException("node 2 left the view")))
                .as("heard again")
                .isFalse();

        assertThat(first.events).containsExactly("failed 2: the connection to node 2 closed");
        assertThat(second.events).isEqualTo(first.events);
        assertThat(peers.isFailed(2)).isTrue();
        assertThat(peers.failure(2)).hasMessage("the connection to node 2 closed");
        assertThat(peers.isFailed(1)).isFalse();
    }

    @Test
    void shouldNameAPeerThatIsGoneWithoutACause() {
        PeerTable peers = new PeerTable(2);

        peers.failed(1, null);

        assertThat(peers.failure(1)).hasMessage("node 1 is gone");
    }

    @Test
    void shouldKnowWhenEveryOtherNodeSaidGoodbye() {
        PeerTable peers = new PeerTable(3);
        Recorder service = new Recorder();
        peers.register(service);
        peers.rank(1);

        assertThat(peers.closed(0)).isTrue();
        assertThat(peers.everyOtherClosed()).isFalse();
        assertThat(peers.closed(0)).isFalse();
        peers.closed(2);

        assertThat(peers.everyOtherClosed()).isTrue();
        assertThat(service.events).containsExactly("closed 0", "closed 2");
    }

    @Test
    void shouldKeepTheOrderOfAGoodbyeAndAFailure() {
        PeerTable peers = new PeerTable(3);
        Recorder service = new Recorder();
        peers.register(service);

        peers.closed(1);
        peers.failed(1, new MeldException("its connection closed"));
        peers.failed(2, new MeldException("it left the view"));
        assertThat(peers.closed(2)).as("a goodbye after the failure").isFalse();

        assertThat(peers.isClosed(1)).isTrue();
        assertThat(peers.failure(1)).as("failed for what waits on it").isNotNull();
        assertThat(peers.failureBeforeGoodbye(1)).as("not for what it sends").isNull();
        assertThat(peers.isClosed(2)).isFalse();
        assertThat(peers.failureBeforeGoodbye(2)).hasMessage("it left the view");
        assertThat(service.events)
                .containsExactly("closed 1", "failed 1: its connection closed", "failed 2: it left the view");
    }

    @Test
    void shouldNeverCallAClusterOfOneClosed() {
        PeerTable peers = new PeerTable(1);
        peers.rank(0);

        assertThat(peers.everyOtherClosed()).isFalse();
    }

    @Test
    void shouldGiveTheLinkASendNeedsOrSayWhyThereIsNone() {
        PeerTable peers = new PeerTable(3);
        assertThatThrownBy(() -> peers.require(1, 0))
                .isInstanceOf(NodeFailedException.class)
                .hasMessage("node 1 is not connected");
        try (InMemoryNetwork net = new InMemoryNetwork(3, MeldConfig.defaults())) {
            InMemoryNetwork.Endpoint self = net.attach(0, new FrameHandlers());
            InMemoryNetwork.Endpoint one = net.attach(1, new FrameHandlers());
            peers.connect(self);
            assertThat(peers.require(1, 0).rank()).isEqualTo(1);
            assertThat(peers.incarnation(1)).isEqualTo(one.incarnation());
            assertThat(peers.incarnation(2)).as("not attached").isZero();
            assertThatThrownBy(() -> peers.require(2, 0)).hasMessage("node 2 is not connected");

            peers.failed(1, new MeldException("it stopped answering"));
            assertThatThrownBy(() -> peers.require(1, 0))
                    .isInstanceOf(NodeFailedException.class)
                    .hasMessage("node 1 has failed: it stopped answering")
                    .extracting(e -> ((NodeFailedException) e).node())
                    .isEqualTo(1);
        }
    }
}
