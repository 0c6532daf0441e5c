package io.meld.spi;

import io.meld.Meld;
import io.meld.MeldFunction;
import io.meld.config.MeldConfig;
import java.util.List;

/**
 * A Meld runtime, found by {@link java.util.ServiceLoader}. When several are on the class path, the one
 * with the highest {@link #priority()} is used.
 */
public interface MeldProvider {
    /**
     * Joins the cluster described by {@code config}; see {@link Meld#join(MeldConfig)}.
     *
     * @param config the node's configuration
     * @return the node's handle
     */
    Meld join(MeldConfig config);

    /**
     * Runs {@code function} on {@code nodes} nodes in this JVM; see {@link Meld#localResults(int,
     * MeldConfig, MeldFunction)}.
     *
     * @param nodes how many nodes
     * @param config the configuration shared by the nodes
     * @param function what each node runs
     * @param <T> the result type
     * @return the results by rank
     */
    <T> List<T> local(int nodes, MeldConfig config, MeldFunction<T> function);

    /** @return this provider's priority; the default runtime has 0 */
    default int priority() {
        return 0;
    }
}
