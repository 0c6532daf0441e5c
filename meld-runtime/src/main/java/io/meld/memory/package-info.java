/**
 * Global memory: arrays spread over the nodes, their storage in chunks, direct atomic access to this
 * node's elements, plain access to them through local views and spans, and delegation of every other
 * operation to its home, combined per destination into large frames ({@link io.meld.memory.OpRunDescriptor});
 * puts with a signal, and waits on a node's own flags.
 *
 * <p>Internal to Meld: programs use {@link io.meld.GlobalLongArray} and {@link
 * io.meld.GlobalDoubleArray}; {@code io.meld.runtime} wires {@link io.meld.memory.MemoryService} into a
 * node.
 */
package io.meld.memory;
