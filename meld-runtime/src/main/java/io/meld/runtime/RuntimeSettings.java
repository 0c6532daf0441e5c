package io.meld.runtime;

import io.meld.config.Setting;
import java.time.Duration;
import java.util.List;

/** Settings of a node as a whole; see {@code docs/configuration.md}. */
public final class RuntimeSettings {
    /** This node's rank. */
    public static final Setting<Integer> RANK = Setting.intSetting(
                    "meld.rank",
                    -1,
                    -1,
                    65535,
                    "This node's rank, from 0 to meld.size - 1, as the launcher gives it (bin/meld run, Slurm,"
                            + " Kubernetes). Unset (-1) on every node: ranks are assigned from the cluster view.")
            .withDefaultText("-1 (assigned when the cluster forms)");

    /** The number of nodes. */
    public static final Setting<Integer> SIZE = Setting.intSetting(
            "meld.size", 1, 1, 65536, "Number of nodes in the cluster; formation waits for all of them.");

    /** Threads per node. */
    public static final Setting<Integer> THREADS = Setting.intSetting(
                    "meld.threads",
                    0,
                    0,
                    4096,
                    "Threads a node runs its own work on (Meld.threads()). 0 chooses this machine's cores"
                            + " divided by the nodes of the cluster on it, at least 1.")
            .withDefaultText("0 (max(1, cores / nodes on this machine))");

    /** How long close() waits for the other nodes. */
    public static final Setting<Duration> SHUTDOWN_TIMEOUT = Setting.durationSetting(
            "meld.shutdown.timeout",
            Duration.ofSeconds(10),
            Duration.ZERO,
            Duration.ofHours(1),
            "How long close() waits for every other node to close too before it leaves anyway.");

    /** The launcher process to outlive no longer than. */
    public static final Setting<Long> LAUNCHER_PID = Setting.longSetting(
            "meld.launcher.pid",
            0,
            0,
            Long.MAX_VALUE,
            "Process id of the bin/meld launcher that started this node; the node stops when that process is"
                    + " gone, so no node outlives its launcher. Set by the launcher; 0 for none.");

    /** The engine that started the node, whose environment gives rank, size and peers. */
    public enum Scheduler {
        /** Slurm when {@code SLURM_PROCID} and {@code SLURM_JOB_ID} are set, Kubernetes when a pod's, else none. */
        AUTO,
        /** Only Meld's own settings count. */
        NONE,
        /** Slurm's {@code srun}: {@code SLURM_PROCID}, {@code SLURM_STEP_NUM_TASKS}, the step's node list... */
        SLURM,
        /** A Kubernetes StatefulSet: the rank is the pod's ordinal, the end of its host name. */
        KUBERNETES
    }

    /** Where rank, size and peers come from when no setting gives them. */
    public static final Setting<Scheduler> SCHEDULER = Setting.enumSetting(
            "meld.scheduler",
            Scheduler.class,
            Scheduler.AUTO,
            "The engine that started this node, whose environment gives what no setting does: slurm"
                    + " (rank, size, cluster name, hosts, port and threads from srun's SLURM_* variables),"
                    + " kubernetes (rank from the pod's ordinal, bind address from its host name), none, or auto"
                    + " (slurm when SLURM_PROCID and SLURM_JOB_ID are set, kubernetes when"
                    + " KUBERNETES_SERVICE_HOST is set and the host name ends in -<ordinal>). See"
                    + " docs/deploy.md.");

    private RuntimeSettings() {}

    /** @return every setting of this class */
    public static List<Setting<?>> all() {
        return List.of(RANK, SIZE, THREADS, SHUTDOWN_TIMEOUT, LAUNCHER_PID, SCHEDULER);
    }
}
