package org.zos.store.pack;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.zos.store.chunk.ChunkId;

/**
 * All chunks of one anima that sit in committed packs, by id. When a chunk is in two packs (two writers
 * stored it at once, or a repack was interrupted) the first one seen is used; both are valid copies.
 * Safe for use by many threads.
 */
public final class Index {
    private final Map<ChunkId, ChunkLocation> chunks = new ConcurrentHashMap<>();
    private final Map<String, PackIndexFile> packs = new ConcurrentHashMap<>();

    public void add(PackIndexFile pack) {
        packs.put(pack.pack(), pack);
        for (PackIndexFile.Entry e : pack.entries()) {
            chunks.putIfAbsent(e.id(), new ChunkLocation(pack.pack(), e));
        }
    }

    /** Forgets packs; their chunks that another pack also holds stay findable there. */
    public void removeAll(Collection<String> gone) {
        List<ChunkId> lost = new java.util.ArrayList<>();
        for (String pack : gone) {
            PackIndexFile p = packs.remove(pack);
            if (p != null) {
                for (PackIndexFile.Entry e : p.entries()) {
                    if (chunks.remove(e.id(), new ChunkLocation(pack, e))) {
                        lost.add(e.id());
                    }
                }
            }
        }
        if (lost.isEmpty()) {
            return;
        }
        java.util.Set<ChunkId> wanted = new java.util.HashSet<>(lost);
        for (PackIndexFile p : packs.values()) {
            for (PackIndexFile.Entry e : p.entries()) {
                if (wanted.contains(e.id())) {
                    chunks.putIfAbsent(e.id(), new ChunkLocation(p.pack(), e));
                }
            }
        }
    }

    public ChunkLocation get(ChunkId id) {
        return chunks.get(id);
    }

    public boolean contains(ChunkId id) {
        return chunks.containsKey(id);
    }

    public int chunkCount() {
        return chunks.size();
    }

    public Collection<PackIndexFile> packs() {
        return List.copyOf(packs.values());
    }

    /** Bytes of all packs on disk. */
    public long packBytes() {
        return packs.values().stream().mapToLong(PackIndexFile::packLength).sum();
    }
}
