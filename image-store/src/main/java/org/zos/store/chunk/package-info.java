/**
 * Chunks as the store keeps and sends them: {@link org.zos.store.chunk.ChunkId} names a chunk by a keyed
 * hash of its plaintext, {@link org.zos.store.chunk.SealedChunk} is its compressed, encrypted form, and
 * {@link org.zos.store.chunk.ChunkSealer} turns one into the other and back, checking everything.
 */
package org.zos.store.chunk;
