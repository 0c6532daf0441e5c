/**
 * Collectives between the nodes of a cluster: barrier, reductions, broadcast and the closing
 * handshake, carried by the data path's {@code COLLECTIVE} frames ({@link
 * io.meld.collective.CollectiveCodec}), with detection of nodes that call different collectives.
 *
 * <p>Internal to Meld: used by {@code io.meld.runtime}, not by programs.
 */
package io.meld.collective;
