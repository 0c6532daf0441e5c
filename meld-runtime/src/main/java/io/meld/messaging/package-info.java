/**
 * Message passing, the distributed-memory model: {@code send(node, tag, payload)} and {@code
 * receive([node,] tag)} of byte, long and double arrays and allow-listed objects, ordered per sender and
 * tag, streamed in frames ({@link io.meld.messaging.MessageCodec}) and bounded by a credit window per
 * pair of nodes ({@code meld.messaging.window}).
 *
 * <p>Internal to Meld: programs use {@link io.meld.Meld#send(int, int, byte[])} and {@link
 * io.meld.Meld#receive(int)}; {@code io.meld.runtime} wires {@link io.meld.messaging.MessagingService}
 * into a node.
 */
package io.meld.messaging;
