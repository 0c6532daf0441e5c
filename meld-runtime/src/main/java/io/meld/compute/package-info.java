/**
 * Running work where the data lives: owner-computes loops over global arrays and plain ranges, on a
 * node's worker threads with work stealing or on virtual threads.
 *
 * <p>Internal to Meld: programs use {@code Meld.forall}.
 */
package io.meld.compute;
