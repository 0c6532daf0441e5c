package io.meld.sync;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.meld.testing.PeerFrames;
import io.meld.transport.FrameType;
import io.meld.transport.ProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.Arrays;

/**
 * Jazzer fuzz test of the SYNC frames a peer sends ({@link SyncCodec}). The input is the peer's byte
 * stream ({@link PeerFrames}); the corpus in {@code SyncFramesFuzzTestInputs} starts from a frame of every
 * kind. The contract: a frame decodes, to fields that encode to the same bytes but for the reserved
 * ones, or is refused with a {@link ProtocolException}.
 */
class SyncFramesFuzzTest {
    @FuzzTest
    void shouldDecodeOrRefuseAnySyncFrame(byte[] stream) {
        for (PeerFrames.Frame f : PeerFrames.of(stream)) {
            if (f.type() != FrameType.SYNC) {
                continue; // another service's frame
            }
            byte[] original = ByteBufUtil.getBytes(f.payload());
            SyncCodec.Message m;
            try {
                m = SyncCodec.decode(f.payload());
            } catch (ProtocolException e) {
                break; // the connection closes
            }
            ByteBuf again = Unpooled.buffer(SyncCodec.LENGTH);
            SyncCodec.encode(again, m.kind(), m.object(), m.request(), m.value());
            // The three reserved bytes follow the kind.
            Arrays.fill(original, 1, 4, (byte) 0);
            assertThat(ByteBufUtil.getBytes(again))
                    .as("the frame, encoded again")
                    .isEqualTo(original);
        }
    }
}
