package io.meld.cluster;

import java.io.DataInput;
import java.io.DataOutput;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jgroups.Address;
import org.jgroups.BytesMessage;
import org.jgroups.Header;
import org.jgroups.Message;
import org.jgroups.conf.ClassConfigurator;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.protocols.pbcast.JoinRsp;
import org.jgroups.stack.Protocol;
import org.jgroups.util.MessageBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns away a node that asks to join once the cluster has formed: a node started again in the place of
 * one that failed (a scheduler restarting it), or one of another run given the same cluster name. It
 * would otherwise become a member of the JGroups view that Meld's ranks know nothing of, take its
 * formation for done, and wait on a data path nobody opens to it. Turned away, it gets a JOIN response
 * that carries the reason, and its {@code connect} fails with it at once.
 *
 * <p>Sits right below GMS, as JGroups' AUTH does, and looks only at join requests and merge requests and
 * responses, which reach coordinators; every member has one, so whoever is the coordinator when one
 * comes answers it. Those of members of the formed cluster pass, and before formation all pass.
 *
 * <p>A node started again as node 0 usually finds nobody within its short join timeout and starts a
 * cluster of its own, which JGroups then tries to merge with the running one: the node asks for the
 * merge, or answers the running cluster's coordinator that asked. Its request or answer is dropped, so
 * the merge never happens, and the guard tells the node why in a message of its own ({@link
 * TurnedAway}); the node's guard hands the reason to {@link #onTurnedAway}'s callback, and its
 * formation fails with it.
 *
 * <p><b>Concurrency</b>: {@link #formed} and {@link #onTurnedAway} are called once by the forming thread;
 * messages arrive on JGroups threads and read what they published.
 */
final class LateJoinGuard extends Protocol {
    private static final Logger LOG = LoggerFactory.getLogger(LateJoinGuard.class);
    private static final short GMS_ID = ClassConfigurator.getProtocolId(GMS.class);
    /** Outside JGroups' own ids (below 512 for protocols, 1024 for headers). */
    private static final short PROTOCOL_ID = 3301;

    private static final short HEADER_MAGIC = 3302;

    static {
        ClassConfigurator.addProtocol(PROTOCOL_ID, LateJoinGuard.class);
        ClassConfigurator.add(HEADER_MAGIC, TurnedAway.class);
    }

    /** Why a node may not join, by its address ({@code null}: it may); {@code null} until formation. */
    private volatile Function<Address, String> refusal;
    /** Told why this node was turned away, once it is. */
    private volatile Consumer<String> turnedAway = reason -> {};

    /**
     * From now on, turns away every node {@code refusal} gives a reason for.
     *
     * @param refusal why a node may not join, or {@code null} when it may (a member of the formed cluster)
     */
    void formed(Function<Address, String> refusal) {
        this.refusal = refusal;
    }

    /** @param callback told, on a JGroups thread, why a running cluster turned this node away */
    void onTurnedAway(Consumer<String> callback) {
        this.turnedAway = callback;
    }

    @Override
    public Object up(Message msg) {
        return consumed(msg) ? null : up_prot.up(msg);
    }

    @Override
    public void up(MessageBatch batch) {
        for (Iterator<Message> it = batch.iterator(); it.hasNext(); ) {
            if (consumed(it.next())) {
                it.remove();
            }
        }
        if (!batch.isEmpty()) {
            up_prot.up(batch);
        }
    }

    /** @return whether {@code msg} was for this guard: why this node was turned away, or a request it refused */
    private boolean consumed(Message msg) {
        if (msg.getHeader(PROTOCOL_ID) instanceof TurnedAway) {
            turnedAway.accept(new String(msg.getArray(), msg.getOffset(), msg.getLength(), StandardCharsets.UTF_8));
            return true;
        }
        return refused(msg);
    }

    /** @return whether {@code msg} is a request of a node that may not join, now answered */
    private boolean refused(Message msg) {
        Function<Address, String> why = refusal;
        if (why == null || !(msg.getHeader(GMS_ID) instanceof GMS.GmsHeader header)) {
            return false;
        }
        byte type = header.getType();
        boolean join = type == GMS.GmsHeader.JOIN_REQ || type == GMS.GmsHeader.JOIN_REQ_WITH_STATE_TRANSFER;
        if (!join && type != GMS.GmsHeader.MERGE_REQ && type != GMS.GmsHeader.MERGE_RSP) {
            return false;
        }
        Address from = msg.getSrc();
        String reason = from == null ? null : why.apply(from);
        if (reason == null) {
            return false;
        }
        LOG.warn("turned away {}: {}", join ? "a join" : "a merge", reason);
        if (join) {
            Header response = new GMS.GmsHeader(GMS.GmsHeader.JOIN_RSP);
            down_prot.down(
                    new BytesMessage(from).putHeader(GMS_ID, response).setArray(GMS.marshal(new JoinRsp(reason))));
        } else {
            byte[] text = reason.getBytes(StandardCharsets.UTF_8);
            down_prot.down(new BytesMessage(from, text).putHeader(PROTOCOL_ID, new TurnedAway()));
        }
        return true;
    }

    /** Marks a message whose payload says why a running cluster turned the receiver away. */
    public static final class TurnedAway extends Header {
        /** For JGroups, which creates headers by their magic number. */
        public TurnedAway() {}

        @Override
        public short getMagicId() {
            return HEADER_MAGIC;
        }

        @Override
        public Supplier<? extends Header> create() {
            return TurnedAway::new;
        }

        @Override
        public int serializedSize() {
            return 0;
        }

        @Override
        public void writeTo(DataOutput out) {}

        @Override
        public void readFrom(DataInput in) {}
    }
}
