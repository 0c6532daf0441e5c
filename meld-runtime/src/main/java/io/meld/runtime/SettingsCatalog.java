package io.meld.runtime;

import io.meld.cluster.ClusterSettings;
import io.meld.config.Setting;
import io.meld.transport.TransportSettings;
import java.util.ArrayList;
import java.util.List;

/**
 * Every setting of every component, for checking a configuration at start and for the documentation
 * ({@code docs/configuration.md} must list exactly these; a test holds it to that).
 */
public final class SettingsCatalog {
    private SettingsCatalog() {}

    /** @return every setting, grouped by component */
    public static List<Setting<?>> all() {
        List<Setting<?>> all = new ArrayList<>();
        all.addAll(RuntimeSettings.all());
        all.addAll(ClusterSettings.all());
        all.addAll(TransportSettings.all());
        return List.copyOf(all);
    }
}
