package io.meld.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.meld.cluster.ClusterSettings;
import io.meld.config.MeldConfig;
import io.meld.config.Setting;
import io.meld.runtime.RuntimeSettings;
import io.meld.runtime.SettingsCatalog;
import io.meld.transport.TransportSettings;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The files users copy — {@code deploy/slurm}, {@code deploy/kubernetes} and the recipes of {@code
 * docs/deploy.md} — set only settings Meld has ({@link SettingsCatalog}), with values it accepts, so that
 * a misspelt or renamed setting fails the build instead of being ignored on a cluster; and the Kubernetes
 * manifests agree with each other and with the image.
 */
class DeployFilesTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path KUBERNETES = ROOT.resolve("deploy/kubernetes");

    /** A setting's environment variable, wherever it appears: set, exported, or in a comment. */
    private static final Pattern ENV_NAME = Pattern.compile("\\bMELD_[A-Z0-9_]+\\b");
    /** A setting's system property on a java command line. */
    private static final Pattern PROPERTY = Pattern.compile("-D(meld\\.[a-z0-9.-]+)=");
    /** {@code MELD_X=value} in a shell line, with the value unquoted, single- or double-quoted. */
    private static final Pattern ASSIGNMENT = Pattern.compile("\\b(MELD_[A-Z0-9_]+)=(\"[^\"]*\"|'[^']*'|[^\\s;'\"`]*)");
    /** A Kubernetes reference to another variable of the container, {@code $(NAME)}. */
    private static final Pattern KUBERNETES_REFERENCE = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");

    /** Variables in the recipes that are not settings: the properties file's name. */
    private static final Set<String> NOT_SETTINGS = Set.of("MELD_CONFIG_FILE");

    @Test
    void shouldNameOnlySettingsMeldHasInTheDeploymentFilesAndTheRecipes() throws IOException {
        List<String> unknown = new ArrayList<>();
        Set<String> named = new TreeSet<>();
        for (Path file : deploymentFiles()) {
            List<String> lines = Files.readAllLines(file);
            for (int i = 0; i < lines.size(); i++) {
                String where = ROOT.relativize(file) + ":" + (i + 1);
                unknownNames(lines.get(i)).forEach(u -> unknown.add(where + ": " + u));
                Matcher m = ENV_NAME.matcher(lines.get(i));
                while (m.find()) {
                    named.add(m.group());
                }
            }
        }

        assertThat(unknown).as("names that are not Meld settings").isEmpty();
        assertThat(named)
                .as("settings the files name")
                .contains(
                        ClusterSettings.DNS_QUERY.envName(),
                        ClusterSettings.DISCOVERY.envName(),
                        ClusterSettings.PORT.envName(),
                        ClusterSettings.FAILURE_TIMEOUT.envName(),
                        RuntimeSettings.SIZE.envName());
    }

    @Test
    void shouldReportAMisspeltSettingWithTheOneItResembles() {
        assertThat(unknownNames("export MELD_CLUSTER_DNS_QUERRY=meld.default.svc.cluster.local"))
                .containsExactly("MELD_CLUSTER_DNS_QUERRY (did you mean MELD_CLUSTER_DNS_QUERY?)");
        assertThat(unknownNames("java -Dmeld.cluster.prot=7800 -cp app.jar Main"))
                .containsExactly("meld.cluster.prot (did you mean meld.cluster.port?)");
        assertThat(unknownNames("- name: MELD_CLUSTER_DISCOVERY")).isEmpty();
    }

    @Test
    void shouldGiveEverySettingAValueMeldAccepts() throws IOException {
        List<String> checked = new ArrayList<>();
        for (Path file : deploymentFiles()) {
            Matcher m = ASSIGNMENT.matcher(Files.readString(file));
            while (m.find()) {
                String value = unquote(m.group(2));
                if (value.contains("$") || value.contains("<") || NOT_SETTINGS.contains(m.group(1))) {
                    continue; // a shell expansion or a placeholder, filled in by whoever copies it
                }
                checkValues(ROOT.relativize(file).toString(), Map.of(m.group(1), value));
                checked.add(m.group(1));
            }
        }
        checkValues("deploy/kubernetes/meld-statefulset.yaml", containerEnvironment(statefulSet()));

        assertThat(checked)
                .as("assignments in the Slurm script and the recipes")
                .isNotEmpty();
    }

    @Test
    void shouldLetThePodsOfTheStatefulSetFindEachOtherThroughTheHeadlessService() throws IOException {
        Map<String, Object> service = manifest("meld-service.yaml", "Service");
        Map<String, Object> statefulSet = statefulSet();
        Map<String, Object> serviceSpec = map(service, "spec");
        Map<String, Object> spec = map(statefulSet, "spec");
        Map<String, Object> pod = map(map(spec, "template"), "spec");
        Map<String, Object> container = only(list(pod, "containers"));
        Map<String, String> env = containerEnvironment(statefulSet);
        MeldConfig config = MeldConfig.load(Map.of(), env);
        String serviceName = (String) map(service, "metadata").get("name");
        Map<String, Object> podLabels = map(map(map(spec, "template"), "metadata"), "labels");

        assertThat(serviceSpec.get("clusterIP")).as("a headless Service").isEqualTo("None");
        assertThat(serviceSpec.get("publishNotReadyAddresses"))
                .as("pods are listed before they are ready: they must find each other to become ready")
                .isEqualTo(true);
        assertThat(podLabels).containsAllEntriesOf(map(serviceSpec, "selector"));
        assertThat(podLabels).containsAllEntriesOf(map(map(spec, "selector"), "matchLabels"));
        assertThat(spec.get("serviceName")).isEqualTo(serviceName);
        assertThat(spec.get("podManagementPolicy"))
                .as("every pod starts at once; formation waits for all of them")
                .isEqualTo("Parallel");

        assertThat(config.get(RuntimeSettings.SCHEDULER)).isEqualTo(RuntimeSettings.Scheduler.KUBERNETES);
        assertThat(config.get(RuntimeSettings.SIZE))
                .as("meld.size is the replicas")
                .isEqualTo(spec.get("replicas"));
        assertThat(config.isSet(RuntimeSettings.RANK))
                .as("the rank comes from the pod's ordinal")
                .isFalse();
        assertThat(config.get(ClusterSettings.DISCOVERY)).isEqualTo(ClusterSettings.Discovery.DNS);
        assertThat(config.get(ClusterSettings.DNS_RECORD_TYPE)).isEqualTo(ClusterSettings.DnsRecordType.A);
        assertThat(config.get(ClusterSettings.DNS_QUERY))
                .as("the headless Service's name in the pod's namespace")
                .isEqualTo(serviceName + ".default.svc.cluster.local");

        Map<String, Integer> containerPorts = new LinkedHashMap<>();
        for (Map<String, Object> p : maps(list(container, "ports"))) {
            containerPorts.put((String) p.get("name"), (Integer) p.get("containerPort"));
        }
        assertThat(containerPorts)
                .containsEntry("cluster", config.get(ClusterSettings.PORT))
                .containsEntry("data", config.get(TransportSettings.PORT));
        for (Map<String, Object> p : maps(list(serviceSpec, "ports"))) {
            assertThat(containerPorts).containsKey((String) p.get("targetPort"));
            assertThat(p.get("port")).isEqualTo(containerPorts.get((String) p.get("targetPort")));
        }

        assertThat(list(container, "args")).isNotEmpty();
        assertIsAMainClass((String) list(container, "args").get(0));
    }

    @Test
    void shouldBuildAnImageWhoseDefaultProgramExists() throws IOException {
        String containerfile = Files.readString(KUBERNETES.resolve("Containerfile"));
        Matcher cmd = Pattern.compile("(?m)^CMD \\[\"([^\"]+)\"").matcher(containerfile);
        assertThat(cmd.find()).as("a CMD naming the main class").isTrue();
        assertIsAMainClass(cmd.group(1));
        Matcher image = Pattern.compile("-t (\\S+) \\.").matcher(containerfile);
        assertThat(image.find()).as("the build command in the Containerfile").isTrue();
        Map<String, Object> container =
                only(list(map(map(map(statefulSet(), "spec"), "template"), "spec"), "containers"));
        assertThat(container.get("image"))
                .as("the StatefulSet runs the image the Containerfile's command builds")
                .isEqualTo(image.group(1));
    }

    /** @return the names in a line that look like Meld settings but are not, each with a suggestion */
    static List<String> unknownNames(String line) {
        Map<String, String> envNames = new LinkedHashMap<>();
        Set<String> names = new TreeSet<>();
        for (Setting<?> s : SettingsCatalog.all()) {
            envNames.put(s.envName(), s.name());
            names.add(s.name());
        }
        List<String> unknown = new ArrayList<>();
        Matcher env = ENV_NAME.matcher(line);
        while (env.find()) {
            if (!envNames.containsKey(env.group()) && !NOT_SETTINGS.contains(env.group())) {
                unknown.add(env.group() + suggestion(env.group(), envNames.keySet()));
            }
        }
        Matcher property = PROPERTY.matcher(line);
        while (property.find()) {
            if (!names.contains(property.group(1))) {
                unknown.add(property.group(1) + suggestion(property.group(1), names));
            }
        }
        return unknown;
    }

    private static void checkValues(String where, Map<String, String> env) {
        MeldConfig config = MeldConfig.load(Map.of(), env);
        List<String> warnings;
        try {
            warnings = config.check(SettingsCatalog.all());
            ClusterSettings.checkConsistent(config);
        } catch (RuntimeException e) {
            throw new AssertionError(where + ": " + e.getMessage(), e);
        }
        assertThat(warnings).as(where).isEmpty();
    }

    /** Every variable the container sets with a value, with {@code $(...)} references resolved. */
    private static Map<String, String> containerEnvironment(Map<String, Object> statefulSet) {
        Map<String, Object> container =
                only(list(map(map(map(statefulSet, "spec"), "template"), "spec"), "containers"));
        Map<String, String> env = new LinkedHashMap<>();
        for (Map<String, Object> e : maps(list(container, "env"))) {
            String name = (String) e.get("name");
            if (e.get("value") != null) {
                String value = String.valueOf(e.get("value"));
                env.put(name, KUBERNETES_REFERENCE.matcher(value).replaceAll(r -> {
                    assertThat(env)
                            .as(name + " refers to $(" + r.group(1) + "), set before it")
                            .containsKey(r.group(1));
                    return Matcher.quoteReplacement(env.get(r.group(1)));
                }));
            } else if (map(map(e, "valueFrom"), "fieldRef").get("fieldPath").equals("metadata.namespace")) {
                env.put(name, "default");
            }
        }
        return env;
    }

    private static Map<String, Object> statefulSet() throws IOException {
        return manifest("meld-statefulset.yaml", "StatefulSet");
    }

    private static Map<String, Object> manifest(String file, String kind) throws IOException {
        Yaml yaml = new Yaml(new SafeConstructor(new LoaderOptions()));
        List<Map<String, Object>> documents = new ArrayList<>();
        for (Object d : yaml.loadAll(Files.readString(KUBERNETES.resolve(file)))) {
            documents.add(cast(d));
        }
        List<Map<String, Object>> ofKind =
                documents.stream().filter(d -> kind.equals(d.get("kind"))).toList();
        assertThat(ofKind).as("one " + kind + " in " + file).hasSize(1);
        return ofKind.get(0);
    }

    private static void assertIsAMainClass(String className) {
        try {
            Method main = Class.forName(className).getMethod("main", String[].class);
            assertThat(Modifier.isStatic(main.getModifiers()))
                    .as(className + ".main is static")
                    .isTrue();
        } catch (ClassNotFoundException | NoSuchMethodException e) {
            throw new AssertionError(className + " is not a main class on Meld's class path: " + e, e);
        }
    }

    private static List<Path> deploymentFiles() throws IOException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(ROOT.resolve("deploy"))) {
            files = new ArrayList<>(walk.filter(Files::isRegularFile).sorted().toList());
        }
        files.add(ROOT.resolve("docs/deploy.md"));
        assertThat(files.stream().map(f -> ROOT.relativize(f).toString()).collect(Collectors.toList()))
                .contains(
                        "deploy/slurm/meld.sbatch",
                        "deploy/kubernetes/meld-statefulset.yaml",
                        "deploy/kubernetes/meld-service.yaml",
                        "deploy/kubernetes/Containerfile");
        return files;
    }

    private static String suggestion(String name, Set<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : known) {
            int d = distance(name, k);
            if (d < bestDistance) {
                best = k;
                bestDistance = d;
            }
        }
        return best != null && bestDistance <= Math.max(2, name.length() / 4) ? " (did you mean " + best + "?)" : "";
    }

    /** Levenshtein distance. */
    private static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] t = previous;
            previous = current;
            current = t;
        }
        return previous[b.length()];
    }

    private static String unquote(String value) {
        if (value.length() >= 2
                && (value.startsWith("\"") && value.endsWith("\"") || value.startsWith("'") && value.endsWith("'"))) {
            return value.substring(1, value.length() - 1);
        }
        return value;
    }

    private static Map<String, Object> map(Map<String, Object> parent, String key) {
        assertThat(parent).as("has " + key).containsKey(key);
        return cast(parent.get(key));
    }

    private static List<Object> list(Map<String, Object> parent, String key) {
        assertThat(parent).as("has " + key).containsKey(key);
        assertThat(parent.get(key)).as(key).isInstanceOf(List.class);
        List<Object> l = new ArrayList<>();
        for (Object o : (List<?>) parent.get(key)) {
            l.add(o);
        }
        return l;
    }

    private static List<Map<String, Object>> maps(List<Object> list) {
        return list.stream().map(DeployFilesTest::cast).toList();
    }

    private static Map<String, Object> only(List<Object> list) {
        assertThat(list).hasSize(1);
        return cast(list.get(0));
    }

    private static Map<String, Object> cast(Object o) {
        assertThat(o).isInstanceOf(Map.class);
        Map<String, Object> m = new LinkedHashMap<>();
        ((Map<?, ?>) o).forEach((k, v) -> m.put(String.valueOf(k), v));
        return m;
    }
}
