/**
 * Checkpoint and restore of global arrays ({@code Meld.checkpoint}, {@code Meld.restore}): the collective
 * protocol ({@link io.meld.checkpoint.Checkpoints}), the manifest ({@code Manifest}) and the {@code .npy}
 * chunk files ({@code NpyHeader}, {@code ChunkFiles}). The format is specified in {@code docs/checkpoint.md};
 * what is written here follows it, and a reader written from that page alone reads it.
 *
 * <p>Internal: {@code Checkpoints} is public only for {@code io.meld.runtime}'s node to call.
 */
package io.meld.checkpoint;
