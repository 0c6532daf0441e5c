/**
 * Cluster formation and membership, on JGroups (TCP only): nodes discover each other, exchange their
 * data-path addresses, agree on ranks and learn when a node leaves.
 *
 * <p>Internal to Meld: used by {@code io.meld.runtime}, not by programs.
 */
package io.meld.cluster;
