package io.meld.cluster;

import io.meld.transport.FailStop;
import java.util.Locale;
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
 * <p>Fail-stop: JGroups catches what its message handlers, thread pool tasks and timer tasks throw, errors
 * included, and only logs it; a node whose JGroups thread ran out of memory would go on with its cluster
 * layer in an unknown state. So every error JGroups logs with an {@link Error} attached, on a thread of a
 * node's JGroups (whose uncaught-exception handler is that node's {@link FailStop}), fails that node, at
 * whatever level the line is logged.
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

    /**
     * Fails the node whose JGroups thread this is, when {@code t} is fatal ({@link FailStop#isFatal}): the
     * thread's uncaught-exception handler is the node's {@link FailStop} (JGroupsStack's thread factory).
     */
    static void failStopOn(Throwable t) {
        if (t != null && FailStop.isFatal(t)) {
            Thread thread = Thread.currentThread();
            if (thread.getUncaughtExceptionHandler() instanceof FailStop failStop) {
                failStop.fatal(thread, t);
            }
        }
    }

    /** @return the throwable among a log line's arguments, if any */
    private static Throwable throwableIn(Object... args) {
        if (args != null) {
            for (Object a : args) {
                if (a instanceof Throwable t) {
                    return t;
                }
            }
        }
        return null;
    }

    /**
     * JGroups' SLF4J log with INFO, and for the TCP transport also WARN and ERROR, moved to DEBUG; a fatal
     * error it is handed fails the node ({@link #failStopOn}).
     */
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
            failStopOn(throwableIn(args));
            if (failuresAtDebug || msg.contains(LATE_GMS_MESSAGE)) {
                debug(msg, args);
            } else {
                super.warn(msg, args);
            }
        }

        @Override
        public void warn(String msg, Throwable t) {
            failStopOn(t);
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
            failStopOn(throwableIn(args));
            if (failuresAtDebug) {
                debug(msg, args);
            } else {
                super.error(msg, args);
            }
        }

        @Override
        public void error(String msg, Throwable t) {
            failStopOn(t);
            if (failuresAtDebug) {
                debug(msg, t);
            } else {
                super.error(msg, t);
            }
        }
    }
}
