package io.meld.cluster;

import io.meld.transport.RefusalLog;
import java.util.Locale;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import org.jgroups.logging.CustomLogFactory;
import org.jgroups.logging.Log;
import org.jgroups.logging.LogFactory;
import org.jgroups.logging.Slf4jLogImpl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JGroups' logs as a Meld node wants them: through SLF4J under JGroups' own logger names, with what JGroups
 * says at INFO (its addresses, "I'm the first member") at DEBUG, and its TCP transport's warnings and errors
 * at DEBUG too, and so is the membership service's note of a late message to a node that has left.
 *
 * <p>Why the TCP transport is quiet: it reports every connection a peer closes as a failure ("failed
 * handling message: Stream closed", "failed sending graceful close: Socket closed"), which is what every
 * node sees when a cluster shuts down, since the nodes close their channels at nearly the same time. Meld
 * carries no data over JGroups and reports a lost peer itself, from the cluster's views and its own data
 * connections, naming the node; so these lines say nothing a user must act on. The rest of JGroups keeps
 * its warnings and errors.
 *
 * <p>{@link #install()} sets the factory JVM-wide ({@link LogFactory#setCustomLogFactory}), unless the
 * program set one of its own first; it must run before JGroups creates a logger, which the cluster layer
 * does when it first builds a channel.
 */
final class JGroupsLogging implements CustomLogFactory {
    /**
     * What the group membership service says of a message that reaches a node in a role it no longer has
     * ("handleCoordLeave() should not be invoked on an instance of ClientGmsImpl"): a node that has left
     * hearing that its coordinator leaves too, as the nodes of a cluster close together. It ignores it.
     */
    static final String LATE_GMS_MESSAGE = "should not be invoked on an instance of";

    /** The logger of JGroups' TCP transport, which its connections' server logs through too. */
    static final String TCP_LOGGER = "org.jgroups.protocols.TCP";

    /**
     * Connections the cluster port refused in their TLS handshake (a stranger, or a node of another
     * secret): the one thing the TCP transport says that a user must see, at most once per interval.
     */
    private static final RefusalLog REFUSALS = new RefusalLog(LoggerFactory.getLogger(TCP_LOGGER));

    private JGroupsLogging() {}

    /** Makes JGroups log through {@link QuietLog}, unless a factory is set already. */
    static synchronized void install() {
        if (LogFactory.getCustomLogFactory() == null) {
            LogFactory.setCustomLogFactory(new JGroupsLogging());
        }
    }

    @Override
    public Log getLog(Class<?> type) {
        return getLog(type.getName());
    }

    @Override
    public Log getLog(String name) {
        return new QuietLog(LoggerFactory.getLogger(name), name.equals(TCP_LOGGER));
    }

    /** JGroups' SLF4J log with INFO, and for the TCP transport also WARN and ERROR, moved to DEBUG. */
    static final class QuietLog extends Slf4jLogImpl {
        private final Logger logger;
        private final boolean failuresAtDebug;

        QuietLog(Logger logger, boolean failuresAtDebug) {
            super(Locale.ROOT, logger);
            this.logger = logger;
            this.failuresAtDebug = failuresAtDebug;
        }

        @Override
        public boolean isInfoEnabled() {
            return logger.isDebugEnabled();
        }

        @Override
        public void info(String msg) {
            debug(msg);
        }

        @Override
        public void info(String msg, Object... args) {
            debug(msg, args);
        }

        @Override
        public boolean isWarnEnabled() {
            return failuresAtDebug ? logger.isDebugEnabled() : super.isWarnEnabled();
        }

        @Override
        public void warn(String msg) {
            if (failuresAtDebug) {
                debug(msg);
            } else {
                super.warn(msg);
            }
        }

        @Override
        public void warn(String msg, Object... args) {
            if (failuresAtDebug && refusedTls(args)) {
                return;
            }
            if (failuresAtDebug || msg.contains(LATE_GMS_MESSAGE)) {
                debug(msg, args);
            } else {
                super.warn(msg, args);
            }
        }

        @Override
        public void warn(String msg, Throwable t) {
            if (failuresAtDebug && refusedTls(t)) {
                return;
            }
            if (failuresAtDebug) {
                debug(msg, t);
            } else {
                super.warn(msg, t);
            }
        }

        @Override
        public boolean isErrorEnabled() {
            return failuresAtDebug ? logger.isDebugEnabled() : super.isErrorEnabled();
        }

        @Override
        public void error(String msg) {
            if (failuresAtDebug) {
                debug(msg);
            } else {
                super.error(msg);
            }
        }

        @Override
        public void error(String msg, Object... args) {
            if (failuresAtDebug && refusedTls(args)) {
                return;
            }
            if (failuresAtDebug) {
                debug(msg, args);
            } else {
                super.error(msg, args);
            }
        }

        @Override
        public void error(String msg, Throwable t) {
            if (failuresAtDebug && refusedTls(t)) {
                return;
            }
            if (failuresAtDebug) {
                debug(msg, t);
            } else {
                super.error(msg, t);
            }
        }

        /** Reports a failed TLS handshake among {@code args} as a refusal; @return whether there was one */
        private static boolean refusedTls(Object... args) {
            for (Object a : args) {
                if (a instanceof Throwable t && refusedTls(t)) {
                    return true;
                }
            }
            return false;
        }

        private static boolean refusedTls(Throwable t) {
            for (Throwable c = t; c != null; c = c.getCause()) {
                // A handshake that failed, or plain text where TLS was due; not the errors of connections
                // that members close as a cluster ends.
                if (c instanceof SSLHandshakeException
                        || (c instanceof SSLException
                                && String.valueOf(c.getMessage())
                                        .contains("Unsupported or unrecognized SSL message"))) {
                    REFUSALS.refused(
                            "a TLS connection of the cluster layer",
                            "its peer is not a member of this node's cluster (" + c + ")");
                    return true;
                }
            }
            return false;
        }
    }
}
