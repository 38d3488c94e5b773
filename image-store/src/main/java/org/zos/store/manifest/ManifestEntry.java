package org.zos.store.manifest;

import org.zos.store.chunk.ChunkId;

/** One chunk of an image, in order: its id and length, or only a length for a run of zero bytes. */
public record ManifestEntry(ChunkId id, int length) {

    public static ManifestEntry zero(int length) {
        return new ManifestEntry(null, length);
    }

    public boolean isZero() {
        return id == null;
    }
}
