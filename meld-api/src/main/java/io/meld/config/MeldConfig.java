package io.meld.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

/**
 * An immutable snapshot of a node's configuration: the values set in code, the {@code meld.*} system
 * properties, the {@code MELD_*} environment variables and the {@code meld.properties} file, read once
 * when it is created. See {@linkplain io.meld.config the package} for the order in which they win.
 *
 * <pre>{@code
 * MeldConfig config = MeldConfig.load()
 *         .with("meld.cluster.formation-timeout", "10s");
 * Duration timeout = config.get(ClusterSettings.FORMATION_TIMEOUT);
 * }</pre>
 */
public final class MeldConfig {
    /** The system property that names the properties file. */
    public static final String CONFIG_FILE_PROPERTY = "meld.config-file";

    private static final String PREFIX = "meld.";
    private static final String ENV_PREFIX = "MELD_";
    private static final String DEFAULT_FILE = "meld.properties";

    private final Map<String, String> code;
    private final Map<String, String> systemProperties;
    private final Map<String, String> environment;
    private final Map<String, String> file;
    private final String fileName;
    /** Values a launch adapter derived from the node's environment (Slurm, Kubernetes), with their source. */
    private final Map<String, Derived> derived;

    private MeldConfig(
            Map<String, String> code,
            Map<String, String> systemProperties,
            Map<String, String> environment,
            Map<String, String> file,
            String fileName,
            Map<String, Derived> derived) {
        this.code = code;
        this.systemProperties = systemProperties;
        this.environment = environment;
        this.file = file;
        this.fileName = fileName;
        this.derived = derived;
    }

    /**
     * Reads this process's {@code meld.*} system properties, {@code MELD_*} environment variables and
     * {@code meld.properties} file.
     *
     * @return the configuration
     * @throws ConfigException when a named properties file cannot be read
     */
    public static MeldConfig load() {
        Map<String, String> props = new TreeMap<>();
        System.getProperties().forEach((k, v) -> props.put(String.valueOf(k), String.valueOf(v)));
        return load(props, System.getenv());
    }

    /**
     * Reads the configuration from the given system properties and environment instead of this
     * process's, for launchers that prepare a child's configuration and for tests.
     *
     * @param systemProperties the properties; only {@code meld.*} keys are kept
     * @param environment the environment; only {@code MELD_*} variables are kept
     * @return the configuration
     * @throws ConfigException when a named properties file cannot be read
     */
    public static MeldConfig load(Map<String, String> systemProperties, Map<String, String> environment) {
        Map<String, String> props = filter(systemProperties, PREFIX);
        Map<String, String> env = filter(environment, ENV_PREFIX);
        String named = props.get(CONFIG_FILE_PROPERTY);
        String source = "system property " + CONFIG_FILE_PROPERTY;
        if (named == null) {
            named = env.get(Setting.envName(CONFIG_FILE_PROPERTY));
            source = "environment variable " + Setting.envName(CONFIG_FILE_PROPERTY);
        }
        Map<String, String> file = Map.of();
        String fileName = null;
        if (named != null && !named.isBlank()) {
            Path path = Path.of(named.trim());
            if (!Files.isRegularFile(path)) {
                throw new ConfigException(CONFIG_FILE_PROPERTY + "=" + named + " (from " + source + "): no such file");
            }
            file = readFile(path);
            fileName = path.toString();
        } else if (Files.isRegularFile(Path.of(DEFAULT_FILE))) {
            file = readFile(Path.of(DEFAULT_FILE));
            fileName = Path.of(DEFAULT_FILE).toAbsolutePath().toString();
        }
        return new MeldConfig(Map.of(), Map.copyOf(props), Map.copyOf(env), file, fileName, Map.of());
    }

    /** @return a configuration of defaults only, ignoring this process's properties and environment */
    public static MeldConfig defaults() {
        return new MeldConfig(Map.of(), Map.of(), Map.of(), Map.of(), null, Map.of());
    }

    /**
     * Returns a copy with one value set in code, which wins over every other source.
     *
     * @param name a setting name, {@code meld.*}
     * @param value its value as text; checked when the node starts
     * @return the new configuration
     * @throws IllegalArgumentException when the name does not start with {@code meld.}
     */
    public MeldConfig with(String name, String value) {
        Objects.requireNonNull(value, "value");
        if (!name.startsWith(PREFIX)) {
            throw new IllegalArgumentException("setting name '" + name + "' does not start with 'meld.'");
        }
        Map<String, String> copy = new LinkedHashMap<>(code);
        copy.put(name, value);
        return new MeldConfig(Map.copyOf(copy), systemProperties, environment, file, fileName, derived);
    }

    /**
     * Returns a copy in which a setting takes a value that a launch adapter derived from the node's
     * environment: Slurm's {@code SLURM_PROCID} for {@code meld.rank}, a Kubernetes pod's ordinal, and
     * so on. A derived value wins over every other source; the adapter decides what to derive, and by
     * its rules leaves alone what the user set (see {@code docs/deploy.md}). {@link #source(Setting)}
     * reports {@code source}, so that an error names where the value came from.
     *
     * @param name a setting name, {@code meld.*}
     * @param value its value as text; checked when the node starts
     * @param source where it was derived from, e.g. {@code Slurm: SLURM_PROCID=2}
     * @return the new configuration
     * @throws IllegalArgumentException when the name does not start with {@code meld.}
     */
    public MeldConfig withDerived(String name, String value, String source) {
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(source, "source");
        if (!name.startsWith(PREFIX)) {
            throw new IllegalArgumentException("setting name '" + name + "' does not start with 'meld.'");
        }
        Map<String, Derived> copy = new LinkedHashMap<>(derived);
        copy.put(name, new Derived(value, source));
        return new MeldConfig(code, systemProperties, environment, file, fileName, Map.copyOf(copy));
    }

    /**
     * Returns a copy with one value set in code, which wins over every other source.
     *
     * @param setting the setting
     * @param value its value
     * @param <T> the setting's type
     * @return the new configuration
     */
    public <T> MeldConfig with(Setting<T> setting, T value) {
        return with(setting.name(), setting.format(value));
    }

    /**
     * Returns the value of a setting, from the first source that has it, or its default.
     *
     * @param setting the setting
     * @param <T> its type
     * @return the value
     * @throws ConfigException when the value is not valid; the message names the setting, the value and
     *     its source
     */
    public <T> T get(Setting<T> setting) {
        String raw = raw(setting);
        if (raw == null) {
            return setting.defaultValue();
        }
        try {
            return setting.parse(raw);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(
                    setting.name() + "=" + raw + " (from " + source(setting) + "): " + e.getMessage());
        }
    }

    /**
     * @param setting the setting
     * @return whether any source sets it (otherwise its default applies)
     */
    public boolean isSet(Setting<?> setting) {
        return raw(setting) != null;
    }

    /**
     * @param setting the setting
     * @return where its value comes from: the source of a {@linkplain #withDerived derived} value,
     *     {@code set in code}, {@code system property ...}, {@code environment variable ...}, {@code file
     *     ...} or {@code default}
     */
    public String source(Setting<?> setting) {
        Derived d = derived.get(setting.name());
        if (d != null) {
            return d.source();
        }
        if (code.containsKey(setting.name())) {
            return "set in code";
        }
        if (systemProperties.containsKey(setting.name())) {
            return "system property " + setting.name();
        }
        if (environment.containsKey(setting.envName())) {
            return "environment variable " + setting.envName();
        }
        if (file.containsKey(setting.name())) {
            return "file " + fileName;
        }
        return "default";
    }

    /**
     * Checks every value against the settings that exist: each must parse, and a {@code meld.*} name set
     * in code, as a system property or in the file must be one of them (a misspelt name is an error, not
     * a silently ignored value). Unknown {@code MELD_*} environment variables are only reported, since
     * scripts use that prefix for their own variables too.
     *
     * @param known every setting of every component
     * @return one warning per unknown environment variable
     * @throws ConfigException for the first bad value or unknown name
     */
    public List<String> check(Collection<? extends Setting<?>> known) {
        Set<String> names = new HashSet<>();
        Set<String> envNames = new HashSet<>();
        for (Setting<?> s : known) {
            names.add(s.name());
            envNames.add(s.envName());
            get(s);
        }
        names.add(CONFIG_FILE_PROPERTY);
        envNames.add(Setting.envName(CONFIG_FILE_PROPERTY));
        rejectUnknown(derived.keySet(), names, "derived from the launch environment", known);
        rejectUnknown(code.keySet(), names, "set in code", known);
        rejectUnknown(systemProperties.keySet(), names, "system property", known);
        rejectUnknown(file.keySet(), names, "file " + fileName, known);
        List<String> warnings = new ArrayList<>();
        for (String env : environment.keySet()) {
            if (!envNames.contains(env)) {
                warnings.add("environment variable " + env + " is not a Meld setting; ignored");
            }
        }
        return warnings;
    }

    /**
     * @param known every setting of every component
     * @return every setting that is set by some source, with its value as text, for handing a
     *     configuration on to another process
     */
    public Map<String, String> explicitValues(Collection<? extends Setting<?>> known) {
        Map<String, String> values = new TreeMap<>();
        for (Setting<?> s : known) {
            String raw = raw(s);
            if (raw != null) {
                values.put(s.name(), raw);
            }
        }
        return values;
    }

    @Override
    public String toString() {
        Map<String, String> all = new TreeMap<>(file);
        environment.forEach((k, v) -> all.put(k, v));
        all.putAll(systemProperties);
        all.putAll(code);
        derived.forEach((k, d) -> all.put(k, d.value()));
        return "MeldConfig" + all;
    }

    private String raw(Setting<?> setting) {
        Derived d = derived.get(setting.name());
        if (d != null) {
            return d.value();
        }
        String v = code.get(setting.name());
        if (v == null) {
            v = systemProperties.get(setting.name());
        }
        if (v == null) {
            v = environment.get(setting.envName());
        }
        if (v == null) {
            v = file.get(setting.name());
        }
        return v;
    }

    private record Derived(String value, String source) {}

    private static void rejectUnknown(
            Set<String> keys, Set<String> names, String source, Collection<? extends Setting<?>> known) {
        for (String key : keys) {
            if (!names.contains(key)) {
                throw new ConfigException(key + " (" + source + ") is not a Meld setting" + suggestion(key, known)
                        + "; docs/configuration.md lists them all");
            }
        }
    }

    private static String suggestion(String key, Collection<? extends Setting<?>> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (Setting<?> s : known) {
            int d = distance(key, s.name());
            if (d < bestDistance) {
                bestDistance = d;
                best = s.name();
            }
        }
        return best != null && bestDistance <= Math.max(2, key.length() / 4) ? " (did you mean " + best + "?)" : "";
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    private static Map<String, String> filter(Map<String, String> source, String prefix) {
        Map<String, String> out = new TreeMap<>();
        source.forEach((k, v) -> {
            if (k.startsWith(prefix) && v != null) {
                out.put(k, v);
            }
        });
        return out;
    }

    private static Map<String, String> readFile(Path path) {
        Properties p = new Properties();
        // UTF-8, not the ISO-8859-1 of Properties.load(InputStream): names of clusters and hosts may be
        // written in any language, and every other configuration source is read as Unicode.
        try (Reader in = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            p.load(in);
        } catch (IOException | IllegalArgumentException e) {
            throw new ConfigException("cannot read configuration file " + path + ": " + e.getMessage());
        }
        Map<String, String> out = new TreeMap<>();
        p.forEach((k, v) -> out.put(String.valueOf(k).trim(), String.valueOf(v).trim()));
        return Map.copyOf(out);
    }
}
