package io.meld.collective;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meld.collective.CollectiveCodec.Kind;
import io.meld.config.MeldConfig;
import io.meld.transport.FrameHandlers;
import io.meld.transport.InMemoryNetwork;
import io.meld.transport.Link;
import io.meld.transport.ProtocolException;
import io.meld.wire.Elements;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A peer's stream of collective chunks as the keeper of a node takes them, frame by frame and without a
 * cluster: the chunks fill the peer's array, which is complete with the last one, and a chunk that does
 * not continue the stream is refused with the peer and the offsets in the message.
 */
class RoundKeeperStreamTest {
    private static final Signature BROADCAST_FROM_1 = new Signature(Kind.BROADCAST_LONGS, CollectiveCodec.OP_NONE, 1);

    private InMemoryNetwork net;
    /** Node 0's link to node 1, on which node 1's frames arrive. */
    private Link fromNode1;

    private final RoundKeeper keeper = new RoundKeeper(2);

    @BeforeEach
    void connect() {
        net = new InMemoryNetwork(2, MeldConfig.defaults().with("meld.transport.lanes", "1"));
        net.attach(1, new FrameHandlers());
        fromNode1 = net.attach(0, new FrameHandlers()).link(1, 0);
    }

    @AfterEach
    void close() {
        net.close();
    }

    @Test
    void shouldCompleteAPeersArrayWithItsLastChunk() {
        keeper.onFrame(fromNode1, chunk(0, 24, 1, 2));
        assertThat(keeper.holds(1, 1)).isTrue();

        keeper.onFrame(fromNode1, chunk(16, 24, 3));

        Round round = keeper.await(keeper.begin(BROADCAST_FROM_1), BROADCAST_FROM_1, 1);
        keeper.end();
        assertThat(round.complete[1]).isTrue();
        assertThat(round.arrays(Elements.LONGS)[1]).containsExactly(1, 2, 3);
        assertThat(round.arrays(Elements.DOUBLES)[1])
                .as("an array of another type")
                .isNull();
    }

    @Test
    void shouldRefuseAChunkThatSkipsAnOffset() {
        keeper.onFrame(fromNode1, chunk(0, 24, 1));

        assertThatThrownBy(() -> keeper.onFrame(fromNode1, chunk(16, 24, 3)))
                .isInstanceOf(ProtocolException.class)
                .hasMessage("collective chunk from node 1 at offset 16 of 24 bytes, expected offset 8 of 24");
    }

    @Test
    void shouldRefuseAFirstChunkThatDoesNotStartTheStream() {
        assertThatThrownBy(() -> keeper.onFrame(fromNode1, chunk(8, 24, 2)))
                .isInstanceOf(ProtocolException.class)
                .hasMessage("collective chunk from node 1 at offset 8 of 24 bytes, expected offset 0 of 24");
    }

    @Test
    void shouldRefuseAChunkThatAnnouncesAnotherTotal() {
        keeper.onFrame(fromNode1, chunk(0, 24, 1));

        assertThatThrownBy(() -> keeper.onFrame(fromNode1, chunk(8, 32, 2)))
                .isInstanceOf(ProtocolException.class)
                .hasMessage("collective chunk from node 1 at offset 8 of 32 bytes, expected offset 8 of 24");
    }

    /** A frame of node 1's broadcast of longs: {@code values} from byte {@code offset} of {@code total}. */
    private static ByteBuf chunk(long offset, long total, long... values) {
        ByteBuf b = Unpooled.buffer(CollectiveCodec.HEADER_LENGTH + 8 * values.length);
        CollectiveCodec.encode(b, 1, Kind.BROADCAST_LONGS, CollectiveCodec.OP_NONE, 1, total, offset);
        for (long v : values) {
            b.writeLongLE(v);
        }
        return b;
    }
}
