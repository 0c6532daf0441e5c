package io.meld.cluster;

import java.util.List;
import org.jgroups.Address;
import org.jgroups.Event;
import org.jgroups.PhysicalAddress;
import org.jgroups.View;
import org.jgroups.conf.ClassConfigurator;
import org.jgroups.protocols.LOCAL_PING;
import org.jgroups.protocols.PingData;
import org.jgroups.util.Tuple;

/**
 * JGroups' LOCAL_PING (discovery among the channels of this JVM) that tells the transport where every
 * member of a new view listens <em>before</em> the view reaches it, not after.
 *
 * <p>A joiner finds the coordinator in LOCAL_PING's table without sending it anything, so the
 * coordinator does not yet know the joiner's TCP address when it installs the view that adds it. On a
 * view, JGroups' TCP closes every connection whose far end is not the address of a member it knows:
 * LOCAL_PING fills those addresses in only once the view has passed, so the coordinator first closed
 * the connection the joiner had opened to send its JOIN, then opened one of its own to send the new view
 * and the join response, which the joiner refused while its side of the first one was still open. Both
 * messages were lost until JGroups' retransmission timers sent them again, 1 to 2 s later, and the
 * member that missed the view learned of the next view only when that was sent again too (traced in a
 * loop of 3-node clusters). This is the likely cause of the rare test runs in which one node of a 3-node
 * in-JVM cluster kept a 2-member view for the whole formation timeout. With the addresses known first,
 * the joiner's connection is kept and used.
 *
 * <p>Discovery across processes ({@code TCPPING}, {@code DNS_PING}) does not have this problem: the
 * joiner's discovery request reaches the coordinator and carries its address.
 */
final class JvmPing extends LOCAL_PING {
    JvmPing() {
        // Registered as LOCAL_PING: this class only changes when the addresses reach the transport.
        setId(ClassConfigurator.getProtocolId(LOCAL_PING.class));
    }

    @Override
    public Object down(Event evt) {
        if (evt.type() == Event.VIEW_CHANGE && cluster_name != null) {
            List<Address> members = evt.<View>getArg().getMembers();
            synchronized (discovery) {
                List<PingData> known = discovery.get(cluster_name);
                if (known != null) {
                    for (PingData d : known) {
                        Address member = d.getAddress();
                        PhysicalAddress physical = d.getPhysicalAddr();
                        if (physical != null
                                && members.contains(member)
                                && down_prot.down(new Event(Event.GET_PHYSICAL_ADDRESS, member)) == null) {
                            down_prot.down(new Event(Event.ADD_PHYSICAL_ADDRESS, new Tuple<>(member, physical)));
                        }
                    }
                }
            }
        }
        return super.down(evt);
    }
}
