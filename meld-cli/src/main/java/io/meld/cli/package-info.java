/**
 * The {@code meld} command line ({@code bin/meld}): {@link io.meld.cli.MeldCli} and its subcommands
 * {@code run} (a program on a local cluster of JVMs), {@code demo} and {@code version}.
 *
 * <p>{@code LocalLauncher}, which starts the nodes of a local cluster, gives them their rank, size and
 * peers, relays their output and stops them all when one fails, is called in-process by the commands,
 * by the benchmarks and by the tests. Everything here but the entry point is package-private.
 */
package io.meld.cli;
