package io.meld.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.jgroups.Address;
import org.jgroups.BytesMessage;
import org.jgroups.EmptyMessage;
import org.jgroups.Message;
import org.jgroups.conf.ClassConfigurator;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.protocols.pbcast.JoinRsp;
import org.jgroups.stack.Protocol;
import org.jgroups.util.MessageBatch;
import org.jgroups.util.UUID;
import org.jgroups.util.Util;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The guard in a stack of its own, between two protocols that record what passes: which requests it
 * lets up to GMS, which it answers, and what it hands on when it is itself the one turned away.
 */
class LateJoinGuardTest {
    private static final short GMS_ID = ClassConfigurator.getProtocolId(GMS.class);

    private final Address member = UUID.randomUUID();
    private final Address stranger = UUID.randomUUID();
    private final Recorder above = new Recorder();
    private final Recorder below = new Recorder();
    private final List<String> toldWhy = new ArrayList<>();
    private final LateJoinGuard guard = new LateJoinGuard();

    @BeforeEach
    void stack() {
        guard.setUpProtocol(above);
        guard.setDownProtocol(below);
        guard.onTurnedAway(toldWhy::add);
    }

    private void form() {
        guard.formed(a -> Set.of(member).contains(a) ? null : "no room for " + a);
    }

    @Test
    void shouldLetEveryRequestThroughBeforeTheClusterHasFormed() {
        for (byte type : new byte[] {GMS.GmsHeader.JOIN_REQ, GMS.GmsHeader.MERGE_REQ, GMS.GmsHeader.MERGE_RSP}) {
            guard.up(gms(type, stranger));
        }

        assertThat(above.ups).hasSize(3);
        assertThat(below.downs).isEmpty();
    }

    @Test
    void shouldAnswerAStrangersJoinWithAJoinResponseThatCarriesTheReason() throws Exception {
        form();

        assertThat(guard.up(gms(GMS.GmsHeader.JOIN_REQ, stranger))).isNull();
        assertThat(guard.up(gms(GMS.GmsHeader.JOIN_REQ_WITH_STATE_TRANSFER, stranger)))
                .isNull();

        assertThat(above.ups).isEmpty();
        assertThat(below.downs).hasSize(2).allSatisfy(m -> {
            assertThat(m.getDest()).isEqualTo(stranger);
            GMS.GmsHeader header = m.getHeader(GMS_ID);
            assertThat(header.getType()).isEqualTo(GMS.GmsHeader.JOIN_RSP);
            JoinRsp response = Util.streamableFromBuffer(JoinRsp::new, m.getArray(), m.getOffset(), m.getLength());
            assertThat(response.getFailReason()).isEqualTo("no room for " + stranger);
        });
    }

    @Test
    void shouldDropAStrangersMergeRequestOrResponseAndTellItWhy() {
        form();

        guard.up(gms(GMS.GmsHeader.MERGE_REQ, stranger));
        guard.up(gms(GMS.GmsHeader.MERGE_RSP, stranger));

        assertThat(above.ups).isEmpty();
        assertThat(below.downs).hasSize(2).allSatisfy(m -> {
            assertThat(m.getDest()).isEqualTo(stranger);
            assertThat((Object) m.getHeader(GMS_ID)).as("a GMS header").isNull();
            assertThat(new String(m.getArray(), m.getOffset(), m.getLength(), StandardCharsets.UTF_8))
                    .isEqualTo("no room for " + stranger);
        });
    }

    @Test
    void shouldLetMembersAndEverythingButJoinsAndMergesThrough() {
        form();

        guard.up(gms(GMS.GmsHeader.JOIN_REQ, member));
        guard.up(gms(GMS.GmsHeader.MERGE_REQ, member));
        guard.up(gms(GMS.GmsHeader.VIEW, stranger));
        guard.up(gms(GMS.GmsHeader.LEAVE_REQ, stranger));
        guard.up(new BytesMessage(null, new byte[] {1, 2, 3}).setSrc(stranger));

        assertThat(above.ups).hasSize(5);
        assertThat(below.downs).isEmpty();
    }

    @Test
    void shouldHandOnTheReasonWhenThisNodeIsTheOneTurnedAway() {
        // What a formed node's guard sends, arriving at the stranger's guard: not formed, so it only listens.
        LateJoinGuard formed = new LateJoinGuard();
        Recorder wire = new Recorder();
        formed.setUpProtocol(new Recorder());
        formed.setDownProtocol(wire);
        formed.formed(a -> "no room for " + a);
        formed.up(gms(GMS.GmsHeader.MERGE_REQ, stranger));
        Message told = wire.downs.get(0).setSrc(member);

        assertThat(guard.up(told)).isNull();

        assertThat(toldWhy).containsExactly("no room for " + stranger);
        assertThat(above.ups).isEmpty();
    }

    @Test
    void shouldRemoveOnlyTheRefusedRequestsFromABatch() {
        form();
        MessageBatch batch = new MessageBatch(3)
                .add(gms(GMS.GmsHeader.JOIN_REQ, stranger))
                .add(gms(GMS.GmsHeader.JOIN_REQ, member))
                .add(gms(GMS.GmsHeader.VIEW, stranger));

        guard.up(batch);

        assertThat(above.ups)
                .extracting(m -> ((GMS.GmsHeader) m.getHeader(GMS_ID)).getType(), Message::getSrc)
                .containsExactly(tuple(GMS.GmsHeader.JOIN_REQ, member), tuple(GMS.GmsHeader.VIEW, stranger));
        assertThat(below.downs)
                .singleElement()
                .satisfies(m -> assertThat(m.getDest()).isEqualTo(stranger));
    }

    private static Message gms(byte type, Address from) {
        return new EmptyMessage(null).setSrc(from).putHeader(GMS_ID, new GMS.GmsHeader(type, from));
    }

    /** Records what passes it, in either direction, and passes nothing on. */
    private static final class Recorder extends Protocol {
        final List<Message> ups = new ArrayList<>();
        final List<Message> downs = new ArrayList<>();

        @Override
        public Object up(Message msg) {
            ups.add(msg);
            return null;
        }

        @Override
        public void up(MessageBatch batch) {
            batch.forEach(ups::add);
        }

        @Override
        public Object down(Message msg) {
            downs.add(msg);
            return null;
        }
    }
}
