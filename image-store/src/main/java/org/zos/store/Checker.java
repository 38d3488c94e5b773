package org.zos.store;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import org.zos.protocol.ZosException;
import org.zos.store.chunk.ChunkId;
import org.zos.store.chunk.ChunkSealer;
import org.zos.store.manifest.Manifest;
import org.zos.store.manifest.ManifestCodec;
import org.zos.store.manifest.ManifestFiles;
import org.zos.store.pack.ChunkLocation;
import org.zos.store.pack.Index;
import org.zos.store.pack.PackIndexFile;
import org.zos.store.pack.PackReader;

/**
 * Checks one anima's store, like {@code restic check}: always the structure (every pack has a sound
 * index and its headers agree with it, see {@link PackHealth}; every manifest opens; every chunk a
 * manifest needs is indexed); with {@code readData} also the data (every chunk, or a random fraction of them, is read, opened and hashed).
 */
final class Checker {
    private final AnimaLayout layout;
    private final Index index;
    private final PackReader reader;
    private final ChunkSealer sealer;
    private final ManifestCodec codec;
    private final Function<ChunkId, byte[]> bases;
    private final List<String> problems = Collections.synchronizedList(new ArrayList<>());
    private final Map<ChunkId, Set<String>> users = new HashMap<>();

    Checker(AnimaLayout layout, Index index, PackReader reader, ChunkSealer sealer, ManifestCodec codec,
            Function<ChunkId, byte[]> bases) {
        this.bases = bases;
        this.layout = layout;
        this.index = index;
        this.reader = reader;
        this.sealer = sealer;
        this.codec = codec;
    }

    CheckReport run(boolean readData, double fraction, WorkMeter meter) throws IOException {
        for (PackHealth.Finding f : PackHealth.of(layout.packs())) {
            problems.add(f.text());
        }
        List<PackIndexFile> packs = new ArrayList<>(index.packs()); // the sound indexes, as read for this check
        int manifests = checkManifests();
        long chunks = packs.stream().mapToLong(p -> p.entries().size()).sum();
        long[] read = {0, 0};
        if (readData) {
            meter.total(packs.stream().mapToLong(PackIndexFile::packLength).sum());
            ArrayDeque<Future<Long>> queue = new ArrayDeque<>();
            for (PackIndexFile p : packs) {
                for (PackIndexFile.Entry e : p.entries()) {
                    meter.add(e.length());
                    if (fraction < 1 && ThreadLocalRandom.current().nextDouble() >= fraction) {
                        continue;
                    }
                    ChunkLocation at = new ChunkLocation(p.pack(), e);
                    queue.add(StoreThreads.POOL.submit(() -> readChunk(e.id(), at)));
                    while (queue.size() >= StoreThreads.IN_FLIGHT) {
                        read[1] += StoreThreads.await(queue.poll());
                        read[0]++;
                    }
                }
            }
            while (!queue.isEmpty()) {
                read[1] += StoreThreads.await(queue.poll());
                read[0]++;
            }
        }
        List<String> sorted = new ArrayList<>(new TreeSet<>(problems));
        return new CheckReport(packs.size(), (int) chunks, manifests, read[0], read[1], sorted);
    }

    private int checkManifests() throws IOException {
        ManifestFiles mf = layout.manifests();
        int n = 0;
        for (String image : mf.images()) {
            for (long g : mf.generations(image)) {
                n++;
                Manifest m;
                try {
                    m = codec.decode(Files.readAllBytes(mf.path(image, g)), image, g);
                } catch (ZosException e) {
                    problems.add(e.getMessage());
                    continue;
                }
                List<ChunkId> lacking = new ArrayList<>();
                for (ChunkId id : m.chunkIds()) {
                    users.computeIfAbsent(id, k -> new TreeSet<>()).add(m.label());
                    ChunkLocation at = index.get(id);
                    if (at == null || !at.bases().stream().allMatch(index::contains)) {
                        lacking.add(id);
                    }
                }
                if (!lacking.isEmpty()) {
                    problems.add("image " + m.label() + " needs " + lacking.size() + " chunks the store lacks (first: "
                            + lacking.get(0).shortHex() + "); it cannot be materialized");
                }
            }
        }
        return n;
    }

    private long readChunk(ChunkId id, ChunkLocation at) {
        try {
            sealer.open(reader.read(id, at), at.describe(), bases);
        } catch (ZosException | IOException e) {
            Set<String> hurt = users.get(id);
            problems.add(e.getMessage() + (hurt == null ? " (no image uses it)" : "; it hurts " + String.join(", ", hurt)));
        }
        return at.length();
    }
}
