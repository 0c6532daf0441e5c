package io.meld.bench;

import com.hazelcast.aggregation.Aggregators;
import com.hazelcast.config.Config;
import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.Pipelining;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import io.meld.config.MeldConfig;
import io.meld.runtime.LauncherProgress;
import io.meld.runtime.RuntimeSettings;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The peer baseline of GUPS: the same random increments on Hazelcast 5 (open source), a peer-to-peer
 * data grid, with 2 or more members on this machine, each member's threads incrementing random keys of
 * one {@code IMap<Long, Long>} the three usual ways:
 *
 * <ul>
 *   <li>{@code sync}: {@code map.executeOnKey(key, increment)}, one blocking call per update;
 *   <li>{@code async}: {@code map.submitToKey(key, increment)} through Hazelcast's {@link Pipelining}
 *       (at most {@value #PIPELINE_DEPTH} in flight per thread);
 *   <li>{@code batch}: {@code map.executeOnKeys(keys, increment)} on sets of {@value #BATCH} random keys.
 * </ul>
 *
 * The increment is an {@link EntryProcessor} that runs at the key's owner, as Meld's add runs at the
 * element's home, serialized as {@link IdentifiedDataSerializable} (Hazelcast's fastest form); the map
 * keeps values as objects ({@code OBJECT} format, recommended for entry processors) and has no backups,
 * like Meld's arrays. Entries are created by their first increment, so the key space can be Meld's
 * table without filling 2^24 entries first. After each way, the values are summed at the members and
 * must equal the increments the members counted.
 *
 * <p>Members find each other by TCP join on 127.0.0.1 only (no multicast, no auto-detection), and
 * phone-home is off. Each member is a process started by {@code bin/meld bench gups} with the launcher's
 * rank and size; member 0 prints one JSON line, {@code "benchmark":"gups_hazelcast"}.
 */
public final class HazelcastGups {
    /** Keys per {@code executeOnKeys} call. */
    static final int BATCH = 128;

    /** Operations in flight per thread in the pipelined way. */
    static final int PIPELINE_DEPTH = 64;

    /** The ways of calling Hazelcast, in the order they run. */
    public static final List<String> WAYS = List.of("sync", "async", "batch");

    private static final int FACTORY_ID = 7301;

    private HazelcastGups() {}

    /**
     * @param args {@code PORTS CLUSTER_NAME TABLE_LOG2 SECONDS}: every member's port (comma-separated, by
     *     rank), a cluster name of this run, the key space, how long each way is measured
     */
    public static void main(String[] args) {
        String[] ports = args[0].split(",");
        String clusterName = args[1];
        int tableLog2 = Integer.parseInt(args[2]);
        double seconds = Double.parseDouble(args[3]);
        MeldConfig settings = MeldConfig.load();
        int rank = settings.get(RuntimeSettings.RANK);
        int members = settings.get(RuntimeSettings.SIZE);
        int threads = Math.max(1, settings.get(RuntimeSettings.THREADS));
        HazelcastInstance hz = Hazelcast.newHazelcastInstance(config(clusterName, ports, rank));
        boolean verified = false;
        try {
            long deadline = System.currentTimeMillis() + 120_000;
            while (hz.getCluster().getMembers().size() < members) {
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException(
                            "only " + hz.getCluster().getMembers().size() + " of " + members
                                    + " Hazelcast members joined in 120 s");
                }
                sleep(20);
            }
            IMap<String, long[]> results = hz.getMap("bench-results");
            List<Way> ways = new ArrayList<>();
            boolean allVerified = true;
            double best = 0;
            String bestWay = null;
            double totalSeconds = 0;
            for (String way : WAYS) {
                IMap<Long, Long> map = hz.getMap("gups-" + way);
                barrier(hz, way + "-start", rank, members);
                LauncherProgress.phase(way + ": warming up");
                long[] warm = phase(map, way, rank, threads, tableLog2, Warmup.fixedSeconds(seconds) / 2);
                barrier(hz, way + "-measure", rank, members);
                LauncherProgress.phase(way + ": measuring");
                long[] measured = phase(map, way, rank, threads, tableLog2, seconds);
                results.put(way + "/" + rank, new long[] {measured[0], warm[0] + measured[0], measured[1]});
                barrier(hz, way + "-done", rank, members);
                if (rank == 0) {
                    long updates = 0;
                    long all = 0;
                    long nanos = 0;
                    for (int r = 0; r < members; r++) {
                        long[] m = results.get(way + "/" + r);
                        updates += m[0];
                        all += m[1];
                        nanos = Math.max(nanos, m[2]);
                    }
                    Long sum = map.aggregate(Aggregators.longSum());
                    boolean ok = sum != null && sum == all && updates > 0;
                    double rate = updates / (nanos / 1e9);
                    totalSeconds += nanos / 1e9;
                    ways.add(new Way(updates, rate, sum, ok));
                    allVerified &= ok;
                    if (rate > best) {
                        best = rate;
                        bestWay = way;
                    }
                }
                // Member 0 sums the map before anybody destroys it.
                barrier(hz, way + "-checked", rank, members);
                map.destroy();
            }
            if (rank == 0) {
                Way sync = ways.get(0);
                Way async = ways.get(1);
                Way batch = ways.get(2);
                System.out.println(ResultCodec.encode(new Result(
                        members,
                        threads,
                        tableLog2,
                        BATCH,
                        PIPELINE_DEPTH,
                        com.hazelcast.instance.BuildInfoProvider.getBuildInfo().getVersion(),
                        sync.updates(),
                        sync.updatesPerSec(),
                        sync.sum(),
                        sync.verified(),
                        async.updates(),
                        async.updatesPerSec(),
                        async.sum(),
                        async.verified(),
                        batch.updates(),
                        batch.updatesPerSec(),
                        batch.sum(),
                        batch.verified(),
                        bestWay,
                        best,
                        totalSeconds,
                        allVerified)));
            }
            verified = allVerified;
            barrier(hz, "end", rank, members);
        } finally {
            hz.shutdown();
        }
        System.exit(verified ? 0 : 1);
    }

    static Config config(String clusterName, String[] ports, int rank) {
        Config config = new Config();
        config.setClusterName(clusterName);
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.setProperty("hazelcast.logging.type", "slf4j");
        config.setProperty("hazelcast.socket.bind.any", "false");
        config.setProperty("hazelcast.health.monitoring.level", "OFF");
        config.getJetConfig().setEnabled(false);
        NetworkConfig network = config.getNetworkConfig();
        network.setPort(Integer.parseInt(ports[rank])).setPortAutoIncrement(false);
        network.getInterfaces().setEnabled(true).addInterface("127.0.0.1");
        JoinConfig join = network.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true);
        for (String port : ports) {
            join.getTcpIpConfig().addMember("127.0.0.1:" + port);
        }
        config.addMapConfig(new MapConfig("gups-*")
                .setBackupCount(0)
                .setAsyncBackupCount(0)
                .setInMemoryFormat(InMemoryFormat.OBJECT));
        config.getSerializationConfig()
                .addDataSerializableFactory(FACTORY_ID, id -> id == Increment.CLASS_ID ? new Increment() : null);
        return config;
    }

    /** Every member's threads update for {@code seconds}; returns the updates made and the nanoseconds taken. */
    private static long[] phase(
            IMap<Long, Long> map, String way, int rank, int threads, int tableLog2, double seconds) {
        long mask = (1L << tableLog2) - 1;
        AtomicLong updates = new AtomicLong();
        List<Thread> workers = new ArrayList<>();
        List<Throwable> failures = new ArrayList<>();
        long start = System.nanoTime();
        long deadline = start + (long) (seconds * 1e9);
        for (int t = 0; t < threads; t++) {
            long seed = XorShift.seed(rank, t) ^ way.hashCode();
            Thread w = new Thread(
                    () -> {
                        try {
                            updates.addAndGet(run(map, way, seed == 0 ? 1 : seed, mask, deadline));
                        } catch (Exception | Error e) {
                            synchronized (failures) {
                                failures.add(e);
                            }
                        }
                    },
                    "gups-hz-" + way + "-" + t);
            w.start();
            workers.add(w);
        }
        for (Thread w : workers) {
            try {
                w.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
        if (!failures.isEmpty()) {
            throw new IllegalStateException(
                    "Hazelcast " + way + " updates failed: " + failures.get(0), failures.get(0));
        }
        return new long[] {updates.get(), System.nanoTime() - start};
    }

    private static long run(IMap<Long, Long> map, String way, long x, long mask, long deadline) throws Exception {
        Increment increment = new Increment();
        long count = 0;
        switch (way) {
            case "sync" -> {
                do {
                    x = XorShift.next(x);
                    map.executeOnKey(x & mask, increment);
                    count++;
                } while (System.nanoTime() < deadline);
            }
            case "async" -> {
                // A Pipelining keeps every future until results(): a fresh one every 4096 updates.
                do {
                    Pipelining<Object> pipelining = new Pipelining<>(PIPELINE_DEPTH);
                    for (int i = 0; i < 4096 && System.nanoTime() < deadline; i++) {
                        x = XorShift.next(x);
                        pipelining.add(map.submitToKey(x & mask, increment));
                        count++;
                    }
                    pipelining.results();
                } while (System.nanoTime() < deadline);
            }
            case "batch" -> {
                Set<Long> keys = new HashSet<>();
                do {
                    keys.clear();
                    while (keys.size() < BATCH) {
                        x = XorShift.next(x);
                        keys.add(x & mask);
                    }
                    map.executeOnKeys(keys, increment); // answers only non-null results: none here
                    count += keys.size();
                } while (System.nanoTime() < deadline);
            }
            default -> throw new IllegalArgumentException("unknown way " + way);
        }
        return count;
    }

    /** Waits until every member has reached the point {@code name}, through a map. */
    private static void barrier(HazelcastInstance hz, String name, int rank, int members) {
        IMap<String, Integer> sync = hz.getMap("bench-sync");
        sync.put(name + "/" + rank, 1);
        long deadline = System.currentTimeMillis() + 120_000;
        for (int r = 0; r < members; r++) {
            while (!sync.containsKey(name + "/" + r)) {
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("member " + r + " did not reach " + name + " in 120 s");
                }
                sleep(5);
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Adds 1 to an entry's value, creating it at 1; answers nothing. */
    static final class Increment implements EntryProcessor<Long, Long, Object>, IdentifiedDataSerializable {
        static final int CLASS_ID = 1;

        @Override
        public Object process(Map.Entry<Long, Long> entry) {
            Long v = entry.getValue();
            entry.setValue(v == null ? 1L : v + 1);
            return null;
        }

        @Override
        public int getFactoryId() {
            return FACTORY_ID;
        }

        @Override
        public int getClassId() {
            return CLASS_ID;
        }

        @Override
        public void writeData(ObjectDataOutput out) {}

        @Override
        public void readData(ObjectDataInput in) {}
    }

    /**
     * One way's outcome, at member 0.
     *
     * @param updates the increments counted by the members
     * @param updatesPerSec {@code updates} over the slowest member's time
     * @param sum the sum of the map's values, or {@code null} when the map had none
     * @param verified whether the sum equals every increment made, warm-up included
     */
    private record Way(long updates, double updatesPerSec, Long sum, boolean verified) {}

    /**
     * Member 0's line: each of {@link #WAYS} in turn, then the quickest.
     *
     * @param members the members
     * @param threadsPerMember the updating threads of each
     * @param tableLog2 log2 of the key space
     * @param batchSize the keys of one {@code batch} call
     * @param pipelineDepth the {@code async} calls in flight per thread
     * @param hazelcastVersion Hazelcast's version
     * @param syncUpdates {@link Way#updates()} of {@code sync}
     * @param syncUpdatesPerSec {@link Way#updatesPerSec()} of {@code sync}
     * @param syncSum {@link Way#sum()} of {@code sync}
     * @param syncVerified {@link Way#verified()} of {@code sync}
     * @param asyncUpdates the same of {@code async}
     * @param asyncUpdatesPerSec the same of {@code async}
     * @param asyncSum the same of {@code async}
     * @param asyncVerified the same of {@code async}
     * @param batchUpdates the same of {@code batch}
     * @param batchUpdatesPerSec the same of {@code batch}
     * @param batchSum the same of {@code batch}
     * @param batchVerified the same of {@code batch}
     * @param best the quickest way, or {@code null} when none made an update
     * @param updatesPerSec the quickest way's rate
     * @param seconds the timed windows of the three, together
     * @param verified whether every way verified
     */
    record Result(
            int members,
            int threadsPerMember,
            int tableLog2,
            int batchSize,
            int pipelineDepth,
            String hazelcastVersion,
            long syncUpdates,
            double syncUpdatesPerSec,
            Long syncSum,
            boolean syncVerified,
            long asyncUpdates,
            double asyncUpdatesPerSec,
            Long asyncSum,
            boolean asyncVerified,
            long batchUpdates,
            double batchUpdatesPerSec,
            Long batchSum,
            boolean batchVerified,
            String best,
            double updatesPerSec,
            double seconds,
            boolean verified)
            implements BenchmarkResult {
        @Override
        public String benchmark() {
            return "gups_hazelcast";
        }
    }
}
