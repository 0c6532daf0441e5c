package io.meld.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meld.cluster.ClusterSettings;
import io.meld.config.ConfigException;
import io.meld.config.MeldConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What a node takes from Slurm's and Kubernetes' environments: the variables srun sets for a task (as a
 * real srun set them in a two-node step), a pod's host name; and that a setting the user gave wins.
 */
@Timeout(10)
class LaunchEnvironmentTest {
    /** Task 3 of 4, the second task on node02 of a block-distributed step over node[01-02]. */
    private static Map<String, String> srunTask() {
        Map<String, String> env = new HashMap<>();
        env.put("SLURM_JOB_ID", "4711");
        env.put("SLURM_STEP_ID", "2");
        env.put("SLURM_PROCID", "3");
        env.put("SLURM_LOCALID", "1");
        env.put("SLURM_NODEID", "1");
        env.put("SLURM_NTASKS", "4");
        env.put("SLURM_STEP_NUM_TASKS", "4");
        env.put("SLURM_STEP_NODELIST", "node[01-02]");
        env.put("SLURM_JOB_NODELIST", "node[01-02]");
        env.put("SLURM_STEP_TASKS_PER_NODE", "2(x2)");
        env.put("SLURMD_NODENAME", "node02");
        return env;
    }

    @Test
    void shouldTakeRankSizeHostsAndAPerTaskPortFromSrun() {
        MeldConfig config = LaunchEnvironment.adapt(MeldConfig.defaults(), srunTask(), "node02");

        assertThat(config.get(RuntimeSettings.RANK)).isEqualTo(3);
        assertThat(config.get(RuntimeSettings.SIZE)).isEqualTo(4);
        assertThat(config.get(ClusterSettings.NAME)).isEqualTo("slurm-4711.2");
        assertThat(config.get(ClusterSettings.DISCOVERY)).isEqualTo(ClusterSettings.Discovery.STATIC);
        assertThat(config.get(ClusterSettings.BIND_ADDRESS)).isEqualTo("node02");
        assertThat(config.get(ClusterSettings.PORT)).isEqualTo(7801);
        assertThat(config.get(ClusterSettings.HOSTS))
                .containsExactly("node01:7800", "node01:7801", "node02:7800", "node02:7801");
        assertThat(config.source(RuntimeSettings.RANK)).isEqualTo("Slurm: SLURM_PROCID=3");
        assertThat(config.source(ClusterSettings.PORT))
                .isEqualTo("Slurm: meld.cluster.port=7800 (from default) + SLURM_LOCALID=1");
        assertThat(config.isSet(RuntimeSettings.THREADS)).isFalse();
    }

    @Test
    void shouldDealRanksToTheNodesInTurnUnderACyclicDistribution() {
        Map<String, String> env = srunTask();
        env.put("SLURM_DISTRIBUTION", "cyclic");

        MeldConfig config = LaunchEnvironment.adapt(MeldConfig.defaults(), env, "node02");

        assertThat(config.get(ClusterSettings.HOSTS))
                .containsExactly("node01:7800", "node02:7800", "node01:7801", "node02:7801");
    }

    @Test
    void shouldTakeTheThreadsFromTheCpusPerTask() {
        Map<String, String> env = srunTask();
        env.put("SLURM_CPUS_PER_TASK", "8");

        MeldConfig config = LaunchEnvironment.adapt(MeldConfig.defaults(), env, "node02");

        assertThat(config.get(RuntimeSettings.THREADS)).isEqualTo(8);
    }

    @Test
    void shouldLetEverySettingTheUserGaveWinExceptThatThePortIsTheFirstTasks() {
        MeldConfig user = MeldConfig.load(
                Map.of("meld.cluster.bind-address", "10.0.0.2"),
                Map.of("MELD_RANK", "0", "MELD_CLUSTER_NAME", "mine", "MELD_CLUSTER_PORT", "9000"));

        MeldConfig config = LaunchEnvironment.adapt(user, srunTask(), "node02");

        assertThat(config.get(RuntimeSettings.RANK)).isZero();
        assertThat(config.get(ClusterSettings.NAME)).isEqualTo("mine");
        assertThat(config.get(ClusterSettings.BIND_ADDRESS)).isEqualTo("10.0.0.2");
        assertThat(config.get(ClusterSettings.PORT)).isEqualTo(9001);
        assertThat(config.get(ClusterSettings.HOSTS)).startsWith("node01:9000", "node01:9001");
        assertThat(config.source(ClusterSettings.PORT))
                .isEqualTo(
                        "Slurm: meld.cluster.port=9000 (from environment variable MELD_CLUSTER_PORT) + SLURM_LOCALID=1");
    }

    @Test
    void shouldIgnoreSlurmWhenTheSchedulerIsNone() {
        MeldConfig none = MeldConfig.defaults().with(RuntimeSettings.SCHEDULER, RuntimeSettings.Scheduler.NONE);

        MeldConfig config = LaunchEnvironment.adapt(none, srunTask(), "node02");

        assertThat(config.isSet(RuntimeSettings.RANK)).isFalse();
        assertThat(config.get(ClusterSettings.PORT)).isEqualTo(7800);
    }

    @Test
    void shouldNameTheMissingVariableWhenSlurmIsAskedForOutsideSrun() {
        MeldConfig slurm = MeldConfig.defaults().with(RuntimeSettings.SCHEDULER, RuntimeSettings.Scheduler.SLURM);

        assertThatThrownBy(() -> LaunchEnvironment.adapt(slurm, Map.of(), "login1"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("meld.scheduler=slurm: SLURM_PROCID is not set; start every task with srun (inside"
                        + " sbatch or salloc)");
    }

    @Test
    void shouldRejectANodeListThatDoesNotHoldTheTasks() {
        Map<String, String> env = srunTask();
        env.put("SLURM_STEP_TASKS_PER_NODE", "2(x3)");

        assertThatThrownBy(() -> LaunchEnvironment.adapt(MeldConfig.defaults(), env, "node02"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("meld.scheduler=slurm: SLURM_STEP_NODELIST=node[01-02] and"
                        + " SLURM_STEP_TASKS_PER_NODE=2(x3) do not describe the 4 tasks of SLURM_STEP_NUM_TASKS=4");
    }

    @Test
    void shouldRejectAMalformedNodeListQuotingIt() {
        Map<String, String> env = srunTask();
        env.put("SLURM_STEP_NODELIST", "node[01-02");

        assertThatThrownBy(() -> LaunchEnvironment.adapt(MeldConfig.defaults(), env, "node02"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("unmatched '[' in Slurm host list 'node[01-02'");
    }

    @Test
    void shouldRejectAPortWhoseTasksWouldRunPastTheLastPort() {
        MeldConfig config = MeldConfig.defaults().with(ClusterSettings.PORT, 65535);

        assertThatThrownBy(() -> LaunchEnvironment.adapt(config, srunTask(), "node02"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("meld.cluster.port=65535 (from set in code): under Slurm the tasks of a"
                        + " node listen on this port + SLURM_LOCALID, from 65535 to 65536");
    }

    @Test
    void shouldTakeTheRankFromThePodOrdinalAndBindToThePodsName() {
        Map<String, String> env = Map.of("KUBERNETES_SERVICE_HOST", "10.96.0.1");

        MeldConfig config = LaunchEnvironment.adapt(MeldConfig.defaults(), env, "meld-12");

        assertThat(config.get(RuntimeSettings.RANK)).isEqualTo(12);
        assertThat(config.get(ClusterSettings.BIND_ADDRESS)).isEqualTo("meld-12");
        assertThat(config.source(RuntimeSettings.RANK)).isEqualTo("Kubernetes: the ordinal of pod meld-12");
    }

    @Test
    void shouldLeaveAPodWithoutAnOrdinalAloneUnlessKubernetesIsAskedFor() {
        Map<String, String> env = Map.of("KUBERNETES_SERVICE_HOST", "10.96.0.1");

        assertThat(LaunchEnvironment.detect(env, "web-5d8f7c-abxyz")).isEqualTo(RuntimeSettings.Scheduler.NONE);
        MeldConfig asked = MeldConfig.defaults().with(RuntimeSettings.SCHEDULER, RuntimeSettings.Scheduler.KUBERNETES);
        assertThatThrownBy(() -> LaunchEnvironment.adapt(asked, env, "web-5d8f7c-abxyz"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("meld.scheduler=kubernetes (from set in code): the host name 'web-5d8f7c-abxyz' does"
                        + " not end in -<ordinal>, as the pods of a StatefulSet do; set meld.rank instead");
    }

    @Test
    void shouldDetectNothingOnAPlainMachine() {
        assertThat(LaunchEnvironment.detect(Map.of("HOME", "/root"), "vm")).isEqualTo(RuntimeSettings.Scheduler.NONE);
        assertThat(LaunchEnvironment.adapt(MeldConfig.defaults(), Map.of(), "node-1")
                        .isSet(RuntimeSettings.RANK))
                .isFalse();
    }

    @Test
    void shouldReportADerivedValueThatIsOutOfRangeWithItsSlurmSource() {
        Map<String, String> env = srunTask();
        env.put("SLURM_CPUS_PER_TASK", "99999");

        MeldConfig config = LaunchEnvironment.adapt(MeldConfig.defaults(), env, "node02");

        assertThatThrownBy(() -> config.check(SettingsCatalog.all()))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("meld.threads=99999 (from Slurm: SLURM_CPUS_PER_TASK=99999): out of range");
        assertThat(List.of(config.get(RuntimeSettings.RANK))).containsExactly(3);
    }
}
