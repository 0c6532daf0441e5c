/**
 * The data path between nodes: one Netty TCP connection per pair of nodes and lane, carrying
 * length-prefixed binary frames ({@link io.meld.transport.FrameDescriptor}).
 *
 * <p><b>Internal to Meld.</b> These classes are public only so that {@code meld-runtime} can use them;
 * programs use {@link io.meld.Meld}. The layering is: the runtime registers one {@link
 * io.meld.transport.FrameHandler} per frame type ({@link io.meld.transport.FrameHandlers}), {@link
 * io.meld.transport.Transport} connects the nodes and validates every frame that arrives, and each
 * {@link io.meld.transport.Link} sends frames to one peer. The runtime sees only {@link
 * io.meld.transport.Links} and {@link io.meld.transport.Link}, so the same services also run on an
 * {@link io.meld.transport.InMemoryNetwork}: every node in one JVM, no sockets, and nothing delivered
 * until a test (or a pump) delivers it, which is how protocols are tested step by step.
 *
 * <p>No Java serialization crosses this layer: every frame type has a fixed binary layout, drawn in
 * the Javadoc of the class that encodes it.
 */
package io.meld.transport;
