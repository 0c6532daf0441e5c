package io.meld.runtime;

import io.meld.cluster.ClusterSettings;
import io.meld.codec.CodecSettings;
import io.meld.config.Setting;
import io.meld.memory.MemorySettings;
import io.meld.messaging.MessagingSettings;
import io.meld.security.SecuritySettings;
import io.meld.transport.TransportSettings;
import java.util.ArrayList;
import java.util.List;

/**
 * Every setting of every component, for checking a configuration at start and for the documentation
 * ({@code docs/configuration.md} must list exactly these; a test holds it to that).
 */
public final class SettingsCatalog {
    private SettingsCatalog() {}

    /**
     * Prints the settings table of {@code docs/configuration.md}.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        System.out.print(markdownTable());
    }

    /** @return one Markdown table row per setting: name, environment variable, type, default, meaning */
    public static String markdownTable() {
        StringBuilder sb = new StringBuilder();
        sb.append("| setting | environment | type | default | what it does |\n");
        sb.append("| --- | --- | --- | --- | --- |\n");
        for (Setting<?> s : all()) {
            sb.append("| `")
                    .append(s.name())
                    .append("` | `")
                    .append(s.envName())
                    .append("` | ")
                    .append(s.type())
                    .append(" | ")
                    .append(s.defaultText())
                    .append(" | ")
                    .append(s.description().replace("|", "\\|"))
                    .append(" |\n");
        }
        return sb.toString();
    }

    /** @return every setting, grouped by component */
    public static List<Setting<?>> all() {
        List<Setting<?>> all = new ArrayList<>();
        all.addAll(RuntimeSettings.all());
        all.addAll(ClusterSettings.all());
        all.addAll(TransportSettings.all());
        all.addAll(SecuritySettings.all());
        all.addAll(MemorySettings.all());
        all.addAll(CodecSettings.all());
        all.addAll(MessagingSettings.all());
        return List.copyOf(all);
    }
}
