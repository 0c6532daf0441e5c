/**
 * How arrays travel in frames, written once for every service that carries them: the element types
 * ({@link io.meld.wire.Elements}: {@code long}, {@code double}, {@code byte}, little-endian), the
 * sending side of an array larger than a frame ({@link io.meld.wire.ChunkWriter}) and its receiving side
 * ({@link io.meld.wire.ChunkAssembler}). Collectives and messaging use them; each service keeps its own
 * frame type and header, and with it the meaning of the stream.
 *
 * <p>A package of its own because it belongs to no one service and depends on none: not to the kernel
 * ({@code io.meld.kernel}), which is the services' lifecycle and their view of the peers, and not to the
 * transport, which moves frames without knowing what is in them. Whatever else streams arrays (bulk
 * transfers, a future bounded receive of large messages) is built here too.
 *
 * <p>Internal to Meld, not an API: the types are public only because the services live in packages of
 * their own.
 */
package io.meld.wire;
