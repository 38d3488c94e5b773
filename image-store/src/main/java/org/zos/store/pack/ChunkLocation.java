package org.zos.store.pack;

/** Where a sealed chunk sits: its pack, the offset of its sealed bytes in the pack file, and their length. */
public record ChunkLocation(String pack, long offset, int length) {

    public String describe() {
        return "in pack " + pack.substring(0, 8) + " at offset " + offset;
    }
}
