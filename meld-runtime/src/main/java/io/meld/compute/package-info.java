/**
 * Running work where the data lives: owner-computes loops over global arrays and plain ranges, on a
 * node's worker threads with work stealing or on virtual threads, and loops over spans of a node's own
 * storage.
 *
 * <p>Internal to Meld: programs use {@code Meld.forall} and {@code Meld.forallLocal}.
 */
package io.meld.compute;
