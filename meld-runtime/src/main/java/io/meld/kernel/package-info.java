/**
 * The node kernel, internal to the runtime: the lifecycle every service of a node shares ({@link
 * io.meld.kernel.NodeService}), what a service is started with ({@link io.meld.kernel.NodeContext}), and
 * the one table of peers ({@link io.meld.kernel.PeerTable}) through which every failure and every
 * goodbye of a peer reaches every service, once.
 *
 * <p>Not an API: programs use {@code io.meld}. The types are public only because the services live in
 * packages of their own.
 */
package io.meld.kernel;
