package io.meld.cli;

import io.meld.bench.BenchmarkResult;
import io.meld.bench.MemoryFootprint;

/**
 * The lines of {@code bin/meld bench --json}, one record per benchmark ({@code docs/performance.md},
 * "JSON fields"): what {@link BenchRunner} composes from the programs' own lines. A figure that a program
 * did not print (it failed) is NaN or {@code null}, written {@code null}; a ratio is always Meld divided
 * by the baseline, NaN when either is missing.
 */
final class BenchResults {
    private BenchResults() {}

    /**
     * GUPS: Meld's block form (the headline), its one-add-per-update form, and the baselines.
     *
     * @param form the headline's form, {@code block}
     * @param block indices per {@code add} call of the block form
     * @param updates the block form's increments, {@code null} when it printed none
     * @param verified whether every part (Meld's forms, the baselines) was verified
     * @param hazelcast Hazelcast's figures, {@code null} when it was left out
     * @param sharedMemoryVerified whether the shared-memory baseline was
     */
    record Gups(
            int nodes,
            int threadsPerNode,
            int tableLog2,
            String form,
            int block,
            Long updates,
            double seconds,
            double warmupSeconds,
            double updatesPerSec,
            boolean verified,
            double sharedMemoryUpdatesPerSec,
            double sharedMemoryWarmupSeconds,
            double ratioToSharedMemory,
            double elementUpdatesPerSec,
            double elementRatioToSharedMemory,
            double rawTcpUpdatesPerSec,
            double ratioToRawTcp,
            double elementRatioToRawTcp,
            double rawTcpRatioToSharedMemory,
            double hazelcastUpdatesPerSec,
            double ratioToHazelcast,
            Hazelcast hazelcast,
            boolean sharedMemoryVerified,
            double noTlsUpdatesPerSec,
            double tlsRatio)
            implements BenchmarkResult {
        @Override
        public String benchmark() {
            return "gups";
        }
    }

    /**
     * The Hazelcast baseline's fields of a GUPS line.
     *
     * @param hazelcastBest the quickest of the three ways
     */
    record Hazelcast(
            int hazelcastMembers,
            int hazelcastThreadsPerMember,
            double hazelcastSeconds,
            double hazelcastSyncUpdatesPerSec,
            double hazelcastAsyncUpdatesPerSec,
            double hazelcastBatchUpdatesPerSec,
            String hazelcastBest,
            String hazelcastVersion) {}

    /**
     * One point of the GUPS sweep behind the report's scaling charts: Meld's block form and shared memory.
     *
     * @param sweep always true: what tells a sweep point from a GUPS result when a report is read back
     */
    record GupsPoint(
            boolean sweep,
            int nodes,
            int threadsPerNode,
            int tableLog2,
            double seconds,
            double updatesPerSec,
            double sharedMemoryUpdatesPerSec,
            double ratioToSharedMemory,
            boolean verified)
            implements BenchmarkResult {
        @Override
        public String benchmark() {
            return "gups";
        }
    }

    /**
     * Blocking remote gets, and back-to-back barriers and allReduces, beside two ping-pongs between two
     * JVMs, in microseconds: the floor, where both ends busy-poll a non-blocking socket, and one with
     * blocking sockets, which pays a thread wake-up per message.
     *
     * @param busyPollP50Us the median busy-poll round trip
     * @param ratioToBusyPoll the get's median over the busy-poll one
     * @param barrierUs a barrier's mean time, back to back (median of the repetitions)
     * @param allreduceUs an {@code allReduce(long)}'s, likewise
     * @param percentiles the percentiles of the distributions
     * @param busyPollTlsP50Us the median busy-poll round trip through Meld's TLS: the floor with security on
     * @param ratioToBusyPollTls the get's median over that one
     */
    record Latency(
            int nodes,
            int threadsPerNode,
            double seconds,
            Long samples,
            double p50Us,
            double p99Us,
            double p999Us,
            double busyPollP50Us,
            double ratioToBusyPoll,
            double barrierUs,
            double allreduceUs,
            double barrierRatioToBusyPoll,
            double allreduceRatioToBusyPoll,
            double rawTcpP50Us,
            double rawTcpP99Us,
            double ratioToRawTcp,
            boolean verified,
            double p90Us,
            double meanUs,
            double maxUs,
            double rawTcpP999Us,
            Long rawTcpSamples,
            double busyPollP99Us,
            Long busyPollSamples,
            double[] barrierRepetitionsUs,
            double[] allreduceRepetitionsUs,
            double[] percentiles,
            double[] distributionUs,
            double[] rawTcpDistributionUs,
            double[] busyPollDistributionUs,
            double noTlsP50Us,
            double noTlsRatioToBusyPoll,
            double noTlsBarrierUs,
            double noTlsAllreduceUs,
            double busyPollTlsP50Us,
            double busyPollTlsP99Us,
            double ratioToBusyPollTls,
            double barrierRatioToBusyPollTls,
            double allreduceRatioToBusyPollTls)
            implements BenchmarkResult {
        @Override
        public String benchmark() {
            return "latency";
        }
    }

    /**
     * Bulk get and put beside the raw TCP streams of one buffer (the wire) and of the same array, in GB
     * (1e9 bytes) per second.
     *
     * @param rawTcpChunkBytes the bytes of the wire stream's buffer
     */
    record Bandwidth(
            int nodes,
            int threadsPerNode,
            long bytes,
            double seconds,
            double warmupSeconds,
            double getGbPerSec,
            double putGbPerSec,
            double rawTcpGbPerSec,
            double getRatioToRawTcp,
            double putRatioToRawTcp,
            double rawTcpArrayGbPerSec,
            double getRatioToRawTcpArray,
            double putRatioToRawTcpArray,
            boolean verified,
            Long gets,
            Long puts,
            Long rawTcpChunkBytes,
            double noTlsGetGbPerSec,
            double noTlsPutGbPerSec,
            double getTlsRatio,
            double putTlsRatio,
            double rawTcpArrayTlsGbPerSec,
            double rawTcpArrayTlsRatio)
            implements BenchmarkResult {
        @Override
        public String benchmark() {
            return "bandwidth";
        }
    }

    /**
     * PageRank on Meld beside shared memory; the two rank vectors must agree.
     *
     * @param graph the edge list's path, or {@code rmat}
     * @param rmat the R-MAT graph's parameters, {@code null} for an edge list
     * @param l1Difference the L1 distance of the two rank vectors
     * @param maxDifference the largest difference of a vertex's two ranks
     */
    record PageRank(
            int nodes,
            int threadsPerNode,
            String graph,
            Rmat rmat,
            Long vertices,
            Long edges,
            int iterations,
            double seconds,
            double secondsPerIteration,
            double sharedMemorySecondsPerIteration,
            double ratioToSharedMemory,
            boolean verified,
            double l1Difference,
            double maxDifference,
            double rankSum,
            double setupSeconds,
            double warmupSeconds,
            double sharedMemoryWarmupSeconds,
            double fetchSecondsPerIteration,
            double computeSecondsPerIteration,
            double syncSecondsPerIteration,
            Long fetchedVerticesPerIteration,
            int sharedMemoryThreads)
            implements BenchmarkResult {
        @Override
        public String benchmark() {
            return "pagerank";
        }
    }

    /** The R-MAT graph's fields of a PageRank line. */
    record Rmat(int scale, int edgeFactor, long seed) {}

    /** The nstream triad's two forms beside shared memory, in GB (1e9 bytes) per second. */
    record Nstream(
            int nodes,
            int threadsPerNode,
            long lengthPerNode,
            long length,
            int iterations,
            double seconds,
            double gbPerSec,
            double sharedMemoryGbPerSec,
            double ratioToSharedMemory,
            double elementGbPerSec,
            double elementRatioToSharedMemory,
            boolean verified,
            double secondsPerIteration,
            double sharedMemorySecondsPerIteration,
            int elementIterations,
            double elementSecondsPerIteration,
            double warmupSeconds,
            double sharedMemoryWarmupSeconds,
            int sharedMemoryThreads)
            implements BenchmarkResult {
        @Override
        public String benchmark() {
            return "nstream";
        }
    }

    /**
     * A checkpoint and a restore of one {@code long} array over the nodes, beside one JVM writing and reading
     * the same bytes with a {@code FileChannel} on the same disk.
     */
    record Checkpoint(
            int nodes,
            long length,
            long bytes,
            String directory,
            double seconds,
            double writeSeconds,
            double writeGbPerSec,
            double restoreSeconds,
            double restoreGbPerSec,
            double baselineWriteGbPerSec,
            double baselineReadGbPerSec,
            double ratioToBaseline,
            double restoreRatioToBaseline,
            boolean verified)
            implements BenchmarkResult {
        @Override
        public String benchmark() {
            return "checkpoint";
        }
    }

    /** The star stencil on global arrays beside message passing and shared memory, per iteration. */
    record Stencil(
            int nodes,
            int threadsPerNode,
            int n,
            Long radius,
            int iterations,
            double seconds,
            double secondsPerIteration,
            double messagePassingSecondsPerIteration,
            double sharedMemorySecondsPerIteration,
            double ratioToMessagePassing,
            double ratioToSharedMemory,
            boolean verified,
            Long warmupIterations,
            Long sharedMemoryWarmupIterations,
            int sharedMemoryThreads)
            implements BenchmarkResult {
        @Override
        public String benchmark() {
            return "stencil";
        }
    }

    /**
     * The memory benchmark: its program's fields, and the heap its JVMs had.
     *
     * @param footprint the program's result, not verified when its run failed
     * @param heapMib each node's maximum heap
     */
    record Memory(MemoryFootprint.Result footprint, long heapMib) implements BenchmarkResult {
        @Override
        public String benchmark() {
            return "memory";
        }
    }

    /**
     * The memory benchmark when its program printed no result.
     *
     * @param heapMib each node's maximum heap
     * @param verified false
     */
    record MemoryFailed(int nodes, int lengthLog2, long heapMib, boolean verified) implements BenchmarkResult {
        @Override
        public String benchmark() {
            return "memory";
        }
    }
}
