/**
 * Cluster benchmarks and their baselines: each benchmark is an SPMD program that {@code bin/meld bench}
 * starts on a local cluster, paired with the same work done a baseline way (threads sharing one JVM's
 * memory, raw TCP, a peer system) in the same run, so results are ratios measured side by side.
 */
package io.meld.bench;
