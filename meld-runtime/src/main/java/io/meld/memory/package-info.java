/**
 * Global memory: arrays spread over the nodes, their storage in chunks, direct atomic access to this
 * node's elements, and delegation of every other operation to its home, combined per destination into
 * large frames ({@link io.meld.memory.OpCodec}).
 *
 * <p>Internal to Meld: programs use {@link io.meld.GlobalLongArray} and {@link
 * io.meld.GlobalDoubleArray}; {@code io.meld.runtime} wires {@link io.meld.memory.MemoryService} into a
 * node.
 */
package io.meld.memory;
