package io.meld.runtime;

import io.meld.cluster.ClusterSettings;
import io.meld.config.ConfigException;
import io.meld.config.MeldConfig;
import io.meld.config.Setting;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a node started by Slurm or Kubernetes learns from that engine's environment: the settings that
 * {@code bin/meld run} would have set, derived ({@link MeldConfig#withDerived}) for those that no source
 * sets. A value the user set always wins, with one exception: under Slurm, the port.
 *
 * <h2>Slurm ({@code srun})</h2>
 *
 * <table>
 *   <caption>Settings derived from a Slurm task's environment</caption>
 *   <tr><th>setting</th><th>from</th></tr>
 *   <tr><td>{@code meld.rank}</td><td>{@code SLURM_PROCID}</td></tr>
 *   <tr><td>{@code meld.size}</td><td>{@code SLURM_STEP_NUM_TASKS}, else {@code SLURM_NTASKS}</td></tr>
 *   <tr><td>{@code meld.threads}</td><td>{@code SLURM_CPUS_PER_TASK}, when set</td></tr>
 *   <tr><td>{@code meld.cluster.name}</td><td>{@code slurm-JOBID.STEPID}</td></tr>
 *   <tr><td>{@code meld.cluster.discovery}</td><td>{@code static}</td></tr>
 *   <tr><td>{@code meld.cluster.bind-address}</td><td>{@code SLURMD_NODENAME}: the node's name must
 *       resolve to an address the other nodes reach</td></tr>
 *   <tr><td>{@code meld.cluster.port}</td><td>{@code meld.cluster.port + SLURM_LOCALID}, so that tasks
 *       sharing a node do not share a port; the configured port (or its default) is the first task's
 *       </td></tr>
 *   <tr><td>{@code meld.cluster.hosts}</td><td>every task's {@code node:port}, in rank order, from
 *       {@code SLURM_STEP_NODELIST} (else {@code SLURM_JOB_NODELIST}), {@code
 *       SLURM_STEP_TASKS_PER_NODE} (else {@code SLURM_TASKS_PER_NODE}) and {@code SLURM_DISTRIBUTION}:
 *       {@code cyclic} deals ranks to the nodes in turn, anything else (block, the default) fills each
 *       node before the next</td></tr>
 * </table>
 *
 * <h2>Kubernetes (a StatefulSet)</h2>
 *
 * {@code meld.rank} is the pod's ordinal, the number after the last {@code -} of its host name ({@code
 * meld-3} is rank 3), and {@code meld.cluster.bind-address} the host name itself, which resolves to the
 * pod's address. Size, discovery and the DNS name come from the manifest ({@code deploy/kubernetes/}).
 *
 * <p>Stateless; called once, on the thread that starts the node.
 */
final class LaunchEnvironment {
    private static final Pattern ORDINAL = Pattern.compile("(?:.*-)?(\\d{1,5})");

    private LaunchEnvironment() {}

    /**
     * @param config the node's configuration
     * @param env the process environment
     * @param hostName this machine's host name
     * @return {@code config} with what the engine that started the node tells, where no setting says
     * @throws ConfigException when the engine is named ({@code meld.scheduler}) but its environment lacks
     *     what Meld needs, or holds values that do not parse; the message names the variable
     */
    static MeldConfig adapt(MeldConfig config, Map<String, String> env, String hostName) {
        RuntimeSettings.Scheduler scheduler = config.get(RuntimeSettings.SCHEDULER);
        if (scheduler == RuntimeSettings.Scheduler.AUTO) {
            scheduler = detect(env, hostName);
        }
        return switch (scheduler) {
            case SLURM -> slurm(config, env);
            case KUBERNETES -> kubernetes(config, hostName);
            case NONE, AUTO -> config;
        };
    }

    /** @return the engine whose environment this process has, or {@code NONE} */
    static RuntimeSettings.Scheduler detect(Map<String, String> env, String hostName) {
        if (env.containsKey("SLURM_PROCID") && (env.containsKey("SLURM_JOB_ID") || env.containsKey("SLURM_JOBID"))) {
            return RuntimeSettings.Scheduler.SLURM;
        }
        if (env.containsKey("KUBERNETES_SERVICE_HOST")
                && ORDINAL.matcher(hostName).matches()
                && hostName.contains("-")) {
            return RuntimeSettings.Scheduler.KUBERNETES;
        }
        return RuntimeSettings.Scheduler.NONE;
    }

    private static MeldConfig slurm(MeldConfig config, Map<String, String> env) {
        Slurm s = new Slurm(env);
        int rank = s.number("SLURM_PROCID");
        Var size = s.first("SLURM_STEP_NUM_TASKS", "SLURM_NTASKS", "SLURM_NPROCS");
        int tasks = s.number(size.name);
        int localId = s.number("SLURM_LOCALID");
        Var nodeList = s.first("SLURM_STEP_NODELIST", "SLURM_JOB_NODELIST", "SLURM_NODELIST");
        Var counts = s.first("SLURM_STEP_TASKS_PER_NODE", "SLURM_TASKS_PER_NODE");
        Var job = s.first("SLURM_JOB_ID", "SLURM_JOBID");
        String step = env.getOrDefault("SLURM_STEP_ID", env.getOrDefault("SLURM_STEPID", "0"));
        String nodeName = s.value("SLURMD_NODENAME");

        List<String> nodes;
        List<Integer> perNode;
        try {
            nodes = SlurmHostlist.expand(nodeList.value);
            perNode = SlurmHostlist.expandCounts(counts.value);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(RuntimeSettings.SCHEDULER.name() + "=slurm: " + e.getMessage());
        }
        if (nodes.size() != perNode.size()
                || perNode.stream().mapToLong(Integer::longValue).sum() != tasks) {
            throw new ConfigException(RuntimeSettings.SCHEDULER.name() + "=slurm: " + nodeList + " and " + counts
                    + " do not describe the " + tasks + " tasks of " + size);
        }
        int base = config.get(ClusterSettings.PORT);
        int maxPerNode = perNode.stream().mapToInt(Integer::intValue).max().orElse(1);
        if (base < 1 || base + maxPerNode - 1 > 65535) {
            throw new ConfigException(ClusterSettings.PORT.name() + "=" + base + " (from "
                    + config.source(ClusterSettings.PORT) + "): under Slurm the tasks of a node listen on"
                    + " this port + SLURM_LOCALID, from " + base + " to " + (base + maxPerNode - 1)
                    + "; choose a port from 1 to " + (65536 - maxPerNode));
        }
        boolean cyclic = env.getOrDefault("SLURM_DISTRIBUTION", "block").startsWith("cyclic");
        List<String> hosts = hostsByRank(nodes, perNode, base, cyclic);

        String from = "Slurm: ";
        MeldConfig c = config;
        c = derive(c, RuntimeSettings.RANK, Integer.toString(rank), from + "SLURM_PROCID=" + rank);
        c = derive(c, RuntimeSettings.SIZE, Integer.toString(tasks), from + size);
        String cpus = env.get("SLURM_CPUS_PER_TASK");
        if (cpus != null && !cpus.isBlank()) {
            c = derive(c, RuntimeSettings.THREADS, cpus.trim(), from + "SLURM_CPUS_PER_TASK=" + cpus.trim());
        }
        String cluster = "slurm-" + job.value + "." + step;
        c = derive(c, ClusterSettings.NAME, cluster, from + job + ", SLURM_STEP_ID=" + step);
        c = derive(c, ClusterSettings.DISCOVERY, "static", from + "srun started the tasks");
        c = derive(c, ClusterSettings.BIND_ADDRESS, nodeName, from + "SLURMD_NODENAME=" + nodeName);
        c = derive(c, ClusterSettings.HOSTS, String.join(",", hosts), from + nodeList + ", " + counts);
        // Not only where unset: a configured port is the first task's, as for every node of the step.
        return c.withDerived(
                ClusterSettings.PORT.name(),
                Integer.toString(base + localId),
                from + ClusterSettings.PORT.name() + "=" + base + " (from " + config.source(ClusterSettings.PORT)
                        + ") + SLURM_LOCALID=" + localId);
    }

    /** Every task's {@code node:port} in rank order; a node's k-th task listens on {@code base + k}. */
    static List<String> hostsByRank(List<String> nodes, List<Integer> perNode, int base, boolean cyclic) {
        List<String> hosts = new ArrayList<>();
        if (!cyclic) {
            for (int n = 0; n < nodes.size(); n++) {
                for (int k = 0; k < perNode.get(n); k++) {
                    hosts.add(nodes.get(n) + ":" + (base + k));
                }
            }
            return hosts;
        }
        int[] dealt = new int[nodes.size()];
        int total = perNode.stream().mapToInt(Integer::intValue).sum();
        while (hosts.size() < total) {
            for (int n = 0; n < nodes.size(); n++) {
                if (dealt[n] < perNode.get(n)) {
                    hosts.add(nodes.get(n) + ":" + (base + dealt[n]++));
                }
            }
        }
        return hosts;
    }

    private static MeldConfig kubernetes(MeldConfig config, String hostName) {
        Matcher m = ORDINAL.matcher(hostName);
        if (!m.matches() || !hostName.contains("-")) {
            throw new ConfigException(RuntimeSettings.SCHEDULER.name() + "=kubernetes (from "
                    + config.source(RuntimeSettings.SCHEDULER) + "): the host name '" + hostName
                    + "' does not end in -<ordinal>, as the pods of a StatefulSet do; set meld.rank instead");
        }
        String from = "Kubernetes: ";
        MeldConfig c = derive(
                config,
                RuntimeSettings.RANK,
                Integer.toString(Integer.parseInt(m.group(1))),
                from + "the ordinal of pod " + hostName);
        return derive(c, ClusterSettings.BIND_ADDRESS, hostName, from + "the host name of pod " + hostName);
    }

    private static MeldConfig derive(MeldConfig config, Setting<?> setting, String value, String source) {
        return config.isSet(setting) ? config : config.withDerived(setting.name(), value, source);
    }

    /** A variable and its value, printed as {@code NAME=value}. */
    private record Var(String name, String value) {
        @Override
        public String toString() {
            return name + "=" + value;
        }
    }

    /** Reads the variables Meld needs, failing with the name of the one that is missing or malformed. */
    private record Slurm(Map<String, String> env) {
        String value(String name) {
            String v = env.get(name);
            if (v == null || v.isBlank()) {
                throw new ConfigException(RuntimeSettings.SCHEDULER.name() + "=slurm: " + name
                        + " is not set; start every task with srun (inside sbatch or salloc)");
            }
            return v.trim();
        }

        Var first(String... names) {
            for (String n : names) {
                String v = env.get(n);
                if (v != null && !v.isBlank()) {
                    return new Var(n, v.trim());
                }
            }
            throw new ConfigException(RuntimeSettings.SCHEDULER.name() + "=slurm: none of " + String.join(", ", names)
                    + " is set; start every task with srun (inside sbatch or salloc)");
        }

        int number(String name) {
            String v = value(name);
            try {
                int n = Integer.parseInt(v);
                if (n >= 0) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // below
            }
            throw new ConfigException(
                    RuntimeSettings.SCHEDULER.name() + "=slurm: " + name + "=" + v + " is not a whole number from 0");
        }
    }
}
