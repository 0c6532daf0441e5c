/**
 * Collectives between the nodes of a cluster: barrier, reductions, broadcast, gather, scatter,
 * all-to-all, scans and the closing handshake, carried by the data path's {@code COLLECTIVE} frames
 * ({@link io.meld.collective.CollectiveCodec}), with detection of nodes that call different collectives.
 *
 * <p>{@link io.meld.collective.CollectiveEngine} is the entry point and runs the collectives; {@code
 * RoundKeeper} numbers them, keeps what arrives and detects mismatches; {@code CollectiveSender} writes
 * the frames, as streams of {@link io.meld.wire.ChunkWriter}; {@code ClosingHandshake} closes; {@code
 * Fold} is what the reductions and scans compute. The element types are {@link io.meld.wire.Elements}.
 *
 * <p>Internal to Meld: used by {@code io.meld.runtime}, not by programs.
 */
package io.meld.collective;
