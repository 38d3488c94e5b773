package org.zos.store;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.zos.store.manifest.Manifest;
import org.zos.store.pack.Index;

/** What one anima's store holds: packs, chunks and bytes on disk, and per image its generations. */
public record StoreStats(String anima, int packs, int chunks, long packBytes, List<ImageStats> images) {

    /** One image: how many generations, and its newest one's size, zero bytes and chunks. */
    public record ImageStats(String image, int generations, long latest, long length, long zeroBytes,
            int chunks, String digest) {
    }

    static StoreStats of(String anima, Index index, List<Manifest> manifests) {
        Map<String, List<Manifest>> byImage = new LinkedHashMap<>();
        manifests.forEach(m -> byImage.computeIfAbsent(m.image(), k -> new ArrayList<>()).add(m));
        List<ImageStats> images = new ArrayList<>();
        byImage.forEach((image, gens) -> {
            Manifest last = gens.get(gens.size() - 1);
            images.add(new ImageStats(image, gens.size(), last.generation(), last.length(), last.zeroBytes(),
                    last.chunkIds().size(), last.digestHex().substring(0, 16)));
        });
        return new StoreStats(anima, index.packs().size(), index.chunkCount(), index.packBytes(), List.copyOf(images));
    }
}
