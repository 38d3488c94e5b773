package org.zos.store.pack;

import java.util.List;
import org.zos.store.chunk.ChunkId;

/**
 * Where a sealed chunk sits: its pack, the offset of its sealed bytes in the pack file, their length, and
 * the chunks it needs if it is a delta chunk (else none).
 */
public record ChunkLocation(String pack, long offset, int length, List<ChunkId> bases) {

    public ChunkLocation(String pack, PackIndexFile.Entry e) {
        this(pack, e.offset(), e.length(), e.bases());
    }

    /** Whether the chunk needs others to be opened (a delta). */
    public boolean isDelta() {
        return !bases.isEmpty();
    }

    public String describe() {
        return "in pack " + pack.substring(0, 8) + " at offset " + offset;
    }
}
