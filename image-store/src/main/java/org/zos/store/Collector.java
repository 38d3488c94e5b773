package org.zos.store;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
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
 * manifest needs: compute the chunks the remaining manifests need (a manifest that does not open stops gc,
 * and so does a needed chunk the store cannot find: nothing is changed then); drop old generations; copy
 * the needed chunks of partly dead packs, and of packs whose headers do not verify, into new packs, sealed
 * as they are, and commit those; only then delete dead packs' index files, then the packs.
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

    /** @param findings what {@link PackHealth} finds wrong with the packs, once their indexes were rebuilt */
    GcReport run(int keep, List<String> repaired, List<PackHealth.Finding> findings) throws IOException {
        ManifestFiles mf = layout.manifests();
        List<Manifest> all = store.readManifests(); // a manifest that does not open stops gc here
        Set<String> dropping = new HashSet<>();
        if (keep > 0) {
            for (String image : mf.images()) {
                List<Long> gens = mf.generations(image);
                for (long g : gens.subList(0, Math.max(0, gens.size() - keep))) {
                    dropping.add(image + "@" + g);
                }
            }
        }
        // The chunks the remaining manifests need, each with the first image that needs it.
        Map<ChunkId, String> live = new HashMap<>();
        for (Manifest m : all) {
            if (!dropping.contains(m.label())) {
                for (ChunkId id : m.chunkIds()) {
                    live.putIfAbsent(id, m.label());
                }
            }
        }
        for (Map.Entry<ChunkId, String> e : List.copyOf(live.entrySet())) {
            ChunkLocation at = index.get(e.getKey());
            if (at != null) {
                at.bases().forEach(base -> live.putIfAbsent(base, e.getValue()));
            }
        }
        refuseIfLacking(live, findings);
        int dropped = 0;
        for (Manifest m : all) {
            if (dropping.contains(m.label())) {
                mf.delete(m.image(), m.generation());
                dropped++;
            }
        }
        Set<String> rewrite = new HashSet<>();
        for (PackHealth.Finding f : findings) {
            if (f.repair() == PackHealth.Repair.REWRITE) {
                rewrite.add(f.pack());
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
                    if (live.containsKey(e.id()) && at != null && at.pack().equals(p.pack()) && at.offset() == e.offset()) {
                        keepers.add(e);
                    }
                }
                if (keepers.size() == p.entries().size() && !rewrite.contains(p.pack())) {
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

    /**
     * Refuses to collect while an image that stays needs a chunk the store cannot find: the chunk may sit
     * in a pack whose headers or index are damaged, and collecting could free the only copy of its bytes.
     */
    private void refuseIfLacking(Map<ChunkId, String> live, List<PackHealth.Finding> findings) {
        Map<String, Integer> hurt = new java.util.TreeMap<>();
        for (Map.Entry<ChunkId, String> e : live.entrySet()) {
            if (!index.contains(e.getKey())) {
                hurt.merge(e.getValue(), 1, Integer::sum);
            }
        }
        if (hurt.isEmpty()) {
            return;
        }
        List<String> damage = new ArrayList<>();
        for (PackHealth.Finding f : findings) {
            if (f.repair() == PackHealth.Repair.NONE) {
                damage.add(f.text());
            }
        }
        throw new ZosException(ErrorCode.INTEGRITY_ERROR, "gc changed nothing: " + hurt.entrySet().stream()
                .map(e -> "image " + e.getKey() + " needs " + e.getValue() + " chunk" + (e.getValue() == 1 ? "" : "s"))
                .collect(java.util.stream.Collectors.joining(", ")) + " that the store cannot find"
                + (damage.isEmpty() ? "" : " (" + String.join("; ", damage) + ")")
                + ", and collecting could free the only copy of their bytes",
                "keep the store as it is and copy the image back from a host that holds it (its home, or where it "
                + "last ran); 'zos-vm store check' lists the damage");
    }
}
