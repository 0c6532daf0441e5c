package io.meld.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jgroups.Address;
import org.jgroups.Event;
import org.jgroups.JChannel;
import org.jgroups.View;
import org.jgroups.protocols.LOCAL_PING;
import org.jgroups.protocols.TCP;
import org.jgroups.protocols.UNICAST3;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.protocols.pbcast.NAKACK2;
import org.jgroups.protocols.pbcast.STABLE;
import org.jgroups.stack.Protocol;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link JvmPing} against JGroups' LOCAL_PING, on channels of this JVM with a probe between the
 * discovery protocol and the transport: when a view reaches the transport (which then closes the
 * connections of every address it does not know as a member's), does it know every member's address?
 */
@Timeout(60)
class JvmPingTest {
    @Test
    void shouldTellTheTransportEveryMembersAddressBeforeTheView() throws Exception {
        assertThat(membersUnknownToTheTransport(new JvmPing())).isEmpty();
    }

    /**
     * Why {@link JvmPing} exists: with LOCAL_PING the coordinator's transport gets the view that adds a
     * member before that member's address. Should a JGroups release change this, JvmPing can go.
     */
    @Test
    void shouldShowThatLocalPingLetsTheViewReachTheTransportFirst() throws Exception {
        assertThat(membersUnknownToTheTransport(new LOCAL_PING())).isNotEmpty();
    }

    /**
     * Starts a coordinator and then a second member.
     *
     * @param first the coordinator's discovery protocol; the second member gets a new one of its class
     * @return the members of views whose address the transport did not know when the view reached it
     */
    private static List<String> membersUnknownToTheTransport(Protocol first) throws Exception {
        List<String> unknown = new CopyOnWriteArrayList<>();
        String cluster = "jvm-ping-" + UUID.randomUUID();
        List<JChannel> channels = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) {
                Protocol ping = i == 0
                        ? first
                        : first.getClass().getDeclaredConstructor().newInstance();
                JChannel channel = new JChannel(stack(ping, unknown)).name("member-" + i);
                channels.add(channel);
                channel.connect(cluster);
            }
            assertThat(channels.get(0).getView().size()).isEqualTo(2);
            return unknown;
        } finally {
            channels.forEach(JChannel::close);
        }
    }

    private static List<Protocol> stack(Protocol ping, List<String> unknown) throws Exception {
        TCP tcp = new TCP();
        tcp.setBindAddress(InetAddress.getLoopbackAddress());
        tcp.setBindPort(0);
        tcp.setDiagnosticsHandler(tcp.createDiagnosticsHandler().setEnabled(false));
        return List.of(
                tcp,
                new Probe(unknown),
                ping,
                new NAKACK2(),
                new UNICAST3(),
                new STABLE(),
                new GMS().setJoinTimeout(1000).printLocalAddress(false));
    }

    /** Records each view member whose physical address the transport below does not know. */
    private static final class Probe extends Protocol {
        private final List<String> unknown;

        Probe(List<String> unknown) {
            this.unknown = unknown;
        }

        @Override
        public Object down(Event evt) {
            if (evt.type() == Event.VIEW_CHANGE) {
                View view = evt.getArg();
                for (Address member : view.getMembers()) {
                    if (down_prot.down(new Event(Event.GET_PHYSICAL_ADDRESS, member)) == null) {
                        unknown.add(member + " in " + view);
                    }
                }
            }
            return down_prot.down(evt);
        }
    }
}
