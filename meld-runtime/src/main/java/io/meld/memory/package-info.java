/**
 * Global memory: arrays spread over the nodes, their storage in chunks, direct atomic access to this
 * node's elements, plain access to them through local views and spans, and delegation of every other
 * operation to its home, combined per destination into large frames; puts with a signal, and waits on a
 * node's own flags.
 *
 * <p>The wire layouts are drawn once each, with every offset named: {@link
 * io.meld.memory.OpRunDescriptor} (runs of operations and fences), {@link io.meld.memory.ReplyDescriptor}
 * (their answers) and {@link io.meld.memory.BulkDescriptor} (bulk transfers); {@link
 * io.meld.memory.OpCodec} holds the opcodes and run flags.
 *
 * <p>Internal to Meld: programs use {@link io.meld.GlobalLongArray} and {@link
 * io.meld.GlobalDoubleArray}; {@code io.meld.runtime} wires {@link io.meld.memory.MemoryService} into a
 * node.
 */
package io.meld.memory;
