package io.meld.runtime;

import io.meld.Meld;
import io.meld.MeldFunction;
import io.meld.config.MeldConfig;
import io.meld.spi.MeldProvider;
import java.util.List;

/** The runtime behind {@link Meld}'s static methods, registered in {@code META-INF/services}. */
public final class MeldRuntimeProvider implements MeldProvider {
    /** Called by {@link java.util.ServiceLoader}. */
    public MeldRuntimeProvider() {}

    /** Starts a node with {@code config} and what the engine that started it tells ({@link LaunchEnvironment}). */
    @Override
    public Meld join(MeldConfig config) {
        return MeldNode.start(LaunchEnvironment.adapt(config, System.getenv(), MeldNode.hostName()));
    }

    @Override
    public <T> List<T> local(int nodes, MeldConfig config, MeldFunction<T> function) {
        return LocalCluster.run(nodes, config, function);
    }
}
