package io.meld.cluster;

import io.meld.config.ConfigException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Hashtable;
import java.util.List;
import java.util.Locale;
import javax.naming.Context;
import javax.naming.NameNotFoundException;
import javax.naming.NamingEnumeration;
import javax.naming.NamingException;
import javax.naming.directory.Attribute;
import javax.naming.directory.Attributes;
import javax.naming.directory.DirContext;
import javax.naming.directory.InitialDirContext;
import org.jgroups.Address;
import org.jgroups.protocols.dns.DNSResolver;
import org.jgroups.stack.IpAddress;

/**
 * The nodes a DNS name lists, for {@code dns} discovery: what JGroups' DNS_PING asks before each
 * discovery round, and what a formation error reports.
 *
 * <ul>
 *   <li><b>A records</b>: one address per node; the node listens on {@code meld.cluster.port} there (the
 *       port is returned as 0, and DNS_PING probes its own cluster port at each address). A Kubernetes
 *       headless service has one A record per pod.
 *   <li><b>SRV records</b>: {@code priority weight port target} per node; the target's address with the
 *       record's port. Kubernetes publishes {@code _port-name._tcp.service...} for each named port.
 * </ul>
 *
 * <p>With a DNS server given ({@code meld.cluster.dns-server}), every question goes to it, the targets of
 * SRV records included (JGroups' own resolver would ask the system's resolvers for those). Without one,
 * A records and SRV targets come from the system's resolvers ({@code /etc/hosts}, then the servers and
 * search domains of {@code /etc/resolv.conf}, as in a pod), SRV records from the servers of {@code
 * /etc/resolv.conf}.
 *
 * <p>Questions time out after {@value #TIMEOUT_MILLIS} ms and are asked {@value #RETRIES} times, so that an
 * unreachable server delays a discovery round by seconds, not the JNDI provider's default half minute.
 *
 * <p><b>Concurrency</b>: thread-safe; JGroups asks from its discovery thread, formation errors from the
 * node's starting thread. The JNDI context is safe to share for lookups.
 */
final class DnsNodes implements DNSResolver {
    private static final String FACTORY = "com.sun.jndi.dns.DnsContextFactory";
    private static final int TIMEOUT_MILLIS = 500;
    private static final int RETRIES = 2;
    private static final int DNS_PORT = 53;

    private final String server;
    private final DirContext context;

    /**
     * @param server {@code host}, {@code host:port} or empty for the system's resolvers
     * @throws ConfigException when the server is not {@code host[:port]} or the DNS provider is missing
     */
    DnsNodes(String server) {
        this.server = server;
        Hashtable<String, String> env = new Hashtable<>();
        env.put(Context.INITIAL_CONTEXT_FACTORY, FACTORY);
        env.put(Context.PROVIDER_URL, server.isEmpty() ? "dns:" : "dns://" + checkedServer(server));
        env.put("com.sun.jndi.dns.timeout.initial", Integer.toString(TIMEOUT_MILLIS));
        env.put("com.sun.jndi.dns.timeout.retries", Integer.toString(RETRIES));
        try {
            this.context = new InitialDirContext(env);
        } catch (NamingException e) {
            throw new ConfigException(ClusterSettings.DNS_SERVER.name() + "=" + server + ": cannot set up DNS lookups: "
                    + e.getMessage());
        }
    }

    /**
     * For DNS_PING: the nodes' addresses, an empty list when the name has no records or the server does
     * not answer (discovery tries again in its next round).
     */
    @Override
    public List<Address> resolveIps(String query, DNSRecordType type) {
        List<Address> addresses = new ArrayList<>();
        try {
            for (InetSocketAddress a : lookup(query, type == DNSRecordType.SRV)) {
                addresses.add(new IpAddress(a.getAddress(), a.getPort()));
            }
        } catch (NamingException | UnknownHostException e) {
            // reported by the formation error, which asks again with describe()
        }
        return addresses;
    }

    /**
     * @param query the name
     * @param srv SRV records rather than A records
     * @return the nodes it lists; for A records with port 0
     * @throws NamingException when the server does not answer or refuses
     * @throws UnknownHostException when the target of an SRV record has no address
     */
    List<InetSocketAddress> lookup(String query, boolean srv) throws NamingException, UnknownHostException {
        List<InetSocketAddress> nodes = new ArrayList<>();
        if (!srv) {
            for (InetAddress a : addresses(query)) {
                nodes.add(new InetSocketAddress(a, 0));
            }
            return nodes;
        }
        for (String record : records(query, "SRV")) {
            String[] parts = record.trim().split("\\s+");
            if (parts.length != 4) {
                continue; // not "priority weight port target"
            }
            int port = Integer.parseInt(parts[2]);
            for (InetAddress a : addresses(parts[3])) {
                nodes.add(new InetSocketAddress(a, port));
            }
        }
        return nodes;
    }

    /**
     * @return what the name lists now, or why it lists nothing, for formation errors: e.g. {@code the DNS
     *     name 'meld.test' (A records, server 127.0.0.1:5353) lists 127.0.0.2, 127.0.0.3}
     */
    String describe(String query, boolean srv) {
        String what = "the DNS name '" + query + "' (" + (srv ? "SRV" : "A") + " records, "
                + (server.isEmpty() ? "system resolver" : "server " + server) + ")";
        try {
            List<InetSocketAddress> nodes = lookup(query, srv);
            if (nodes.isEmpty()) {
                return what + " lists no nodes";
            }
            // Sorted: servers rotate the order of their answers, and a message should not.
            return what + " lists "
                    + String.join(
                            ", ",
                            nodes.stream()
                                    .sorted(Comparator.comparing((InetSocketAddress a) -> new BigInteger(
                                                    1, a.getAddress().getAddress()))
                                            .thenComparingInt(InetSocketAddress::getPort))
                                    .map(a -> a.getAddress().getHostAddress()
                                            + (a.getPort() > 0 ? ":" + a.getPort() : ""))
                                    .toList());
        } catch (NamingException e) {
            return what + " could not be looked up: " + e.getMessage();
        } catch (UnknownHostException e) {
            return what + (srv ? " names a target without an address: " : " does not resolve: ") + e.getMessage();
        }
    }

    @Override
    public void close() {
        try {
            context.close();
        } catch (NamingException e) {
            // nothing held that outlives the context
        }
    }

    private List<InetAddress> addresses(String name) throws NamingException, UnknownHostException {
        String host = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        if (server.isEmpty()) {
            return List.of(InetAddress.getAllByName(host));
        }
        List<InetAddress> addresses = new ArrayList<>();
        for (String a : records(host, "A")) {
            addresses.add(InetAddress.getByName(a.trim()));
        }
        return addresses;
    }

    private List<String> records(String name, String type) throws NamingException {
        List<String> values = new ArrayList<>();
        try {
            Attributes attributes = context.getAttributes(name, new String[] {type});
            Attribute attribute = attributes.get(type);
            if (attribute == null) {
                return values;
            }
            NamingEnumeration<?> all = attribute.getAll();
            while (all.hasMore()) {
                values.add(String.valueOf(all.next()));
            }
        } catch (NameNotFoundException e) {
            return values;
        }
        return values;
    }

    /** @return {@code host:port}, the port defaulted to 53, after checking the form */
    private static String checkedServer(String server) {
        String host = server;
        int port = DNS_PORT;
        int colon = server.lastIndexOf(':');
        if (colon >= 0 && server.indexOf(':') == colon) {
            host = server.substring(0, colon);
            try {
                port = Integer.parseInt(server.substring(colon + 1));
            } catch (NumberFormatException e) {
                port = -1;
            }
        }
        if (host.isEmpty() || port < 1 || port > 65535 || host.contains("/")) {
            throw new ConfigException(ClusterSettings.DNS_SERVER.name() + "=" + server
                    + ": not host or host:port (e.g. 10.96.0.10 or 127.0.0.1:5353)");
        }
        return host.toLowerCase(Locale.ROOT) + ":" + port;
    }
}
