/**
 * Synchronization objects shared by every node: locks and countdown latches kept by a home node and
 * driven by {@code SYNC} frames ({@link io.meld.sync.SyncCodec}), and counters built on global memory.
 *
 * <p>Internal to Meld: programs use {@link io.meld.GlobalLock}, {@link io.meld.GlobalLatch} and {@link
 * io.meld.GlobalCounter}.
 */
package io.meld.sync;
