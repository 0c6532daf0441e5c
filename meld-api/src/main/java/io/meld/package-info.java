/**
 * Meld's public API: one logical memory across the nodes of a cluster, and the ways to run work on it.
 *
 * <p>A program using Meld is SPMD: the same {@code main} runs on every node, each node is one JVM, and
 * all threads of a node share the node's part of the global memory. {@link io.meld.Meld} is the entry
 * point: {@link io.meld.Meld#join()} joins the cluster that launched this process (by {@code bin/meld
 * run}, Slurm's {@code srun} or Kubernetes) and {@link io.meld.Meld#local(int, MeldProgram)} runs a
 * program on several nodes inside one JVM.
 *
 * <p>Everything in this package is a contract; the implementation lives in {@code meld-runtime} and is
 * found through {@link java.util.ServiceLoader} ({@link io.meld.spi.MeldProvider}).
 */
package io.meld;
