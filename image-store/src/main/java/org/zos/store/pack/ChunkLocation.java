package org.zos.store.pack;

import org.zos.store.chunk.ChunkId;

/**
 * Where a sealed chunk sits: its pack, the offset of its sealed bytes in the pack file, their length, and
 * the base it needs if it is a delta chunk (else null).
 */
public record ChunkLocation(String pack, long offset, int length, ChunkId base) {

    public ChunkLocation(String pack, PackIndexFile.Entry e) {
        this(pack, e.offset(), e.length(), e.base());
    }

    public String describe() {
        return "in pack " + pack.substring(0, 8) + " at offset " + offset;
    }
}
