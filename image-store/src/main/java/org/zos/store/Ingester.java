package org.zos.store;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import org.zos.store.chunk.ChunkId;
import org.zos.store.chunk.ChunkSealer;
import org.zos.store.chunk.SealedChunk;
import org.zos.store.chunking.Chunk;
import org.zos.store.chunking.Chunker;
import org.zos.store.chunking.ChunkerParams;
import org.zos.store.manifest.Manifest;
import org.zos.store.manifest.ManifestEntry;
import org.zos.store.pack.Index;
import org.zos.store.pack.PackWriter;

/**
 * Turns a stream into chunks in the store and the entries of its manifest. The calling thread chunks;
 * the workers name each chunk and, when the store lacks it, compress and seal it; the calling thread
 * then appends new chunks to packs in stream order. At most {@link StoreThreads#IN_FLIGHT} chunks are in
 * memory at once.
 */
final class Ingester {
    /** What ingesting one stream gave. */
    record Result(List<ManifestEntry> entries, long length, long newChunks, long newBytes, long sealedBytes) {
    }

    private record Piece(ChunkId id, int length, SealedChunk sealed) {
    }

    private final ChunkSealer sealer;
    private final Index index;
    private final PackWriter writer;
    private final Set<ChunkId> claimed = ConcurrentHashMap.newKeySet();
    private final List<ManifestEntry> entries = new ArrayList<>();
    private long length;
    private long newChunks;
    private long newBytes;
    private long sealedBytes;

    Ingester(ChunkSealer sealer, Index index, PackWriter writer) {
        this.sealer = sealer;
        this.index = index;
        this.writer = writer;
    }

    Result run(InputStream in, ChunkerParams params, WorkMeter meter) throws IOException {
        Chunker chunker = new Chunker(in, params);
        ArrayDeque<Future<Piece>> queue = new ArrayDeque<>();
        try {
            for (Chunk c; (c = chunker.next()) != null; ) {
                Chunk chunk = c;
                queue.add(chunk.zero() ? CompletableFuture.completedFuture(new Piece(null, chunk.length(), null))
                        : StoreThreads.POOL.submit(() -> piece(chunk)));
                while (queue.size() >= StoreThreads.IN_FLIGHT) {
                    take(queue.poll(), meter);
                }
            }
            while (!queue.isEmpty()) {
                take(queue.poll(), meter);
            }
            writer.flush();
        } finally {
            queue.forEach(f -> f.cancel(true));
        }
        return new Result(List.copyOf(entries), length, newChunks, newBytes, sealedBytes);
    }

    private Piece piece(Chunk c) {
        ChunkId id = sealer.id(c.data());
        if (index.contains(id) || !claimed.add(id)) {
            return new Piece(id, c.length(), null);
        }
        return new Piece(id, c.length(), sealer.seal(id, c.data()));
    }

    private void take(Future<Piece> f, WorkMeter meter) throws IOException {
        Piece p = StoreThreads.await(f);
        if (p.sealed() != null) {
            writer.add(p.sealed());
            newChunks++;
            newBytes += p.length();
            sealedBytes += p.sealed().bytes().length;
        }
        length += p.length();
        meter.add(p.length());
        if (p.id() == null && !entries.isEmpty() && entries.get(entries.size() - 1).isZero()
                && (long) entries.get(entries.size() - 1).length() + p.length() <= Integer.MAX_VALUE) {
            ManifestEntry last = entries.remove(entries.size() - 1);
            entries.add(ManifestEntry.zero(last.length() + p.length()));
        } else {
            entries.add(new ManifestEntry(p.id(), p.length()));
        }
    }

    static Manifest manifest(ChunkSealer sealer, String image, long generation, ChunkerParams params, Result r) {
        return new Manifest(image, generation, Instant.now(), r.length(), params,
                Manifest.digest(sealer.hasher(), r.entries()), r.entries());
    }
}
