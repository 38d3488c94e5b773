package org.zos.store;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.zos.store.chunk.ChunkId;
import org.zos.store.manifest.Manifest;
import org.zos.store.manifest.ManifestFiles;
import org.zos.store.pack.ChunkLocation;
import org.zos.store.pack.Index;
import org.zos.store.pack.PackIndexFile;
import org.zos.store.pack.PackReader;
import org.zos.store.pack.PackWriter;

/**
 * Garbage collection under the exclusive lock. Order, so that a crash at any point loses nothing a
 * manifest needs: drop old generations; compute the chunks the remaining manifests need (a manifest that
 * does not open stops gc); copy the needed chunks of partly dead packs into new packs, sealed as they are,
 * and commit those; only then delete dead packs' index files, then the packs.
 */
final class Collector {
    private final AnimaLayout layout;
    private final Index index;
    private final PackReader reader;
    private final AnimaStore store;

    Collector(AnimaLayout layout, Index index, PackReader reader, AnimaStore store) {
        this.layout = layout;
        this.index = index;
        this.reader = reader;
        this.store = store;
    }

    GcReport run(int keep, List<String> repaired) throws IOException {
        int dropped = 0;
        ManifestFiles mf = layout.manifests();
        if (keep > 0) {
            for (String image : mf.images()) {
                List<Long> gens = mf.generations(image);
                for (long g : gens.subList(0, Math.max(0, gens.size() - keep))) {
                    mf.delete(image, g);
                    dropped++;
                }
            }
        }
        Set<ChunkId> live = new HashSet<>();
        for (Manifest m : store.readManifests()) {
            live.addAll(m.chunkIds());
        }
        for (ChunkId id : List.copyOf(live)) {
            ChunkLocation at = index.get(id);
            if (at != null && at.base() != null) {
                live.add(at.base());
            }
        }
        List<String> dead = new ArrayList<>();
        int removed = 0;
        int rewritten = 0;
        long chunksRemoved = 0;
        long freed = 0;
        try (PackWriter writer = new PackWriter(layout.packs(), index)) {
            for (PackIndexFile p : index.packs()) {
                List<PackIndexFile.Entry> keepers = new ArrayList<>();
                for (PackIndexFile.Entry e : p.entries()) {
                    ChunkLocation at = index.get(e.id());
                    if (live.contains(e.id()) && at != null && at.pack().equals(p.pack()) && at.offset() == e.offset()) {
                        keepers.add(e);
                    }
                }
                if (keepers.size() == p.entries().size()) {
                    continue;
                }
                for (PackIndexFile.Entry e : keepers) {
                    writer.add(reader.read(e.id(), new ChunkLocation(p.pack(), e)));
                }
                dead.add(p.pack());
                chunksRemoved += p.entries().size() - keepers.size();
                freed += p.packLength();
                if (keepers.isEmpty()) {
                    removed++;
                } else {
                    rewritten++;
                }
            }
            writer.flush();
            freed -= writer.committedBytes();
        }
        for (String pack : dead) {
            Files.deleteIfExists(layout.packs().indexOf(pack));
        }
        for (String pack : dead) {
            reader.evict(pack);
            Files.deleteIfExists(layout.packs().pack(pack));
        }
        index.removeAll(dead);
        return new GcReport(dropped, removed, rewritten, chunksRemoved, freed, repaired);
    }
}
