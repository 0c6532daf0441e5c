/**
 * Applications written on Meld's public API, each of which checks its own answer: HPCC RandomAccess,
 * heat diffusion in three programming styles, sample sort, PageRank and breadth-first search.
 *
 * <p>Every application is an {@link io.meld.examples.Example}: a name, its options, and a {@code run}
 * that every node of a cluster calls (SPMD) and that returns an {@link io.meld.examples.ExampleResult},
 * the same on every node. {@link io.meld.examples.ExampleMain} is the main class a launched node runs
 * ({@code bin/meld example NAME --nodes N}); tests call {@code run} on {@code Meld.local} clusters.
 * The applications use only the public API ({@code io.meld}); nothing here is an API of Meld itself.
 */
package io.meld.examples;
