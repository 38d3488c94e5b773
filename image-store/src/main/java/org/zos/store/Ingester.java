package org.zos.store;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.function.Function;
import org.zos.store.chunk.ChunkId;
import org.zos.store.chunk.ChunkSealer;
import org.zos.store.chunk.SealedChunk;
import org.zos.store.chunking.Chunk;
import org.zos.store.chunking.Chunker;
import org.zos.store.chunking.ChunkerParams;
import org.zos.store.chunking.Holes;
import org.zos.store.manifest.Manifest;
import org.zos.store.manifest.ManifestEntry;
import org.zos.store.pack.ChunkLocation;
import org.zos.store.pack.Index;
import org.zos.store.pack.PackWriter;

/**
 * Turns a stream into chunks in the store and the entries of its manifest. The calling thread chunks and
 * names each chunk (HMAC-SHA256 is four times faster than zstd, so it keeps up); when the store lacks a
 * chunk, a worker compresses and seals it, and the calling thread appends sealed chunks to packs as they
 * come. At most {@link StoreThreads#IN_FLIGHT} chunks wait for sealing at once.
 *
 * <p>Delta chunks: when the image has an earlier generation, a new chunk is also compressed against its
 * likely earlier version, and stored as a delta when that is smaller. A page changed in a memory image
 * then costs about the page, not the whole chunk around it. The earlier version is found by alignment:
 * the last chunk that both generations share is an anchor, and the new chunk is matched to the earlier
 * chunk at the same distance past the anchor (so bytes inserted or removed before it do not mislead).
 * If that chunk is itself a delta, its base is used instead, so no delta depends on another delta.
 */
final class Ingester {
    /** What ingesting one stream gave. */
    record Result(List<ManifestEntry> entries, long length, long newChunks, long newBytes, long sealedBytes, boolean madeAhead) {
    }


    private final ChunkSealer sealer;
    private final Index index;
    private final PackWriter writer;
    private final Function<ChunkId, byte[]> bases;
    /**
     * The blocks of the previous generation by content, for the deltas of new chunks: made on a thread of
     * its own while the stream is read (opening every chunk of a disk takes longer than reading the disk
     * again), and awaited only when the first new chunk is sealed. An image that barely changed, or whose
     * changes come last (a qcow2 image puts newly written clusters at its end), is read meanwhile.
     */
    private final java.util.concurrent.CompletableFuture<PageFinder> finding;
    private PageFinder finder;
    /** Whether {@link #finding} was made ahead, by another store of the anima: nothing to wait for at the end. */
    private final boolean madeAhead;
    /** Set once the stream is read: a finder still being made stops. */
    private volatile boolean read;
    private final java.util.Map<ChunkId, byte[]> recent = new java.util.LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(java.util.Map.Entry<ChunkId, byte[]> eldest) {
            return size() > 32;
        }
    };
    private final long[] previousStarts;
    private final List<ManifestEntry> previousEntries;
    /** The chunks the finder takes its blocks from: the previous generation's, and those of {@code also}. */
    private final List<ManifestEntry> findIn;
    private final java.util.Map<ChunkId, Integer> previousAt = new java.util.HashMap<>();
    private final Set<ChunkId> claimed = new java.util.HashSet<>();
    private final ArrayDeque<Future<SealedChunk>> sealing = new ArrayDeque<>();
    private long anchorNew;
    private long anchorOld;
    private final List<ManifestEntry> entries = new ArrayList<>();
    private long length;
    private long newChunks;
    private long newBytes;
    private long sealedBytes;

    /**
     * An ingest against generation {@code previous} (null: none); {@code known}, if not null, the finder of
     * {@code previous} made ahead ({@link FinderCache}): taken instead of one made while the stream is read
     * (one is made anyway if it fails).
     */
    Ingester(ChunkSealer sealer, Index index, PackWriter writer, Manifest previous, Function<ChunkId, byte[]> bases,
            java.util.concurrent.CompletableFuture<PageFinder> known) {
        this(sealer, index, writer, previous, List.of(), bases, known);
    }

    /**
     * As above; the finder also takes the blocks of the chunks of {@code also} (the entries of another
     * image's generation: {@link AnimaStore#findIn}), and {@code known} is the finder of both.
     */
    Ingester(ChunkSealer sealer, Index index, PackWriter writer, Manifest previous, List<ManifestEntry> also,
            Function<ChunkId, byte[]> bases, java.util.concurrent.CompletableFuture<PageFinder> known) {
        this.sealer = sealer;
        this.index = index;
        this.writer = writer;
        this.bases = bases;
        this.previousEntries = previous == null ? List.of() : previous.entries();
        List<ManifestEntry> find = new ArrayList<>(previousEntries);
        find.addAll(also);
        this.findIn = List.copyOf(find);
        this.madeAhead = !findIn.isEmpty() && known != null;
        if (findIn.isEmpty()) {
            this.finding = java.util.concurrent.CompletableFuture.completedFuture(new PageFinder());
        } else if (known != null) {
            this.finding = known;
        } else {
            this.finding = new java.util.concurrent.CompletableFuture<>();
            Thread t = new Thread(() -> {
                try {
                    finding.complete(finder(findIn, index, bases, () -> read));
                } catch (Throwable e) {
                    finding.completeExceptionally(e);
                }
            }, "zos-store-finder");
            t.setDaemon(true);
            t.start();
        }
        this.previousStarts = new long[previousEntries.size()];
        long at = 0;
        for (int i = 0; i < previousStarts.length; i++) {
            previousStarts[i] = at;
            at += previousEntries.get(i).length();
            if (!previousEntries.get(i).isZero()) {
                previousAt.putIfAbsent(previousEntries.get(i).id(), i);
            }
        }
    }

    Result run(InputStream in, Holes holes, ChunkerParams params, WorkMeter meter) throws IOException {
        Earlier earlier = previousEntries.isEmpty() ? null : new Earlier();
        Chunker chunker = new Chunker(in, params, holes, earlier);
        try {
            for (Chunk c; (c = chunker.next()) != null; ) {
                take(c, c.zero() ? null : earlier != null && earlier.matchedAt == c.offset() ? earlier.matchedId : sealer.id(c.data()), meter);
            }
            while (!sealing.isEmpty()) {
                store(sealing.poll());
            }
            writer.flush();
        } finally {
            sealing.forEach(f -> f.cancel(true));
            read = true;
            try {
                if (!madeAhead) {
                    finding.join(); // it reads the store, which the caller closes after this
                }
            } catch (RuntimeException e) {
                // only the deltas of new chunks needed it
            }
        }
        return new Result(List.copyOf(entries), length, newChunks, newBytes, sealedBytes, madeAhead);
    }

    /**
     * The previous generation's chunks, for the chunker to try where they stood: one whose bytes are there
     * again (the same id under the anima's key) is taken without the rolling hash over it. An image read
     * again, of which a visit changed a few MiB, is then named chunk by chunk at the hash's speed.
     */
    private final class Earlier implements Chunker.Earlier {
        /** Where the last chunk found again starts, and its id. */
        long matchedAt = -1;
        ChunkId matchedId;
        /** The entry {@link #lengthAt} found last, which {@link #same} is asked of. */
        private ManifestEntry candidate;

        @Override
        public int lengthAt(long offset) {
            int i = Arrays.binarySearch(previousStarts, offset);
            if (i < 0 || i >= previousStarts.length - 1) { // the last one may have been cut by the end of the image
                return 0;
            }
            candidate = previousEntries.get(i);
            return candidate.isZero() ? 0 : candidate.length();
        }

        @Override
        public boolean same(long offset, byte[] buf, int off, int len) {
            ChunkId id = ChunkId.wrap(sealer.hasher().hash(buf, off, len));
            if (!id.equals(candidate.id())) {
                return false;
            }
            matchedAt = offset;
            matchedId = id;
            FOUND_AGAIN.incrementAndGet();
            return true;
        }
    }

    /** In stream order: records the chunk in the manifest and, if it is new, has a worker seal it. */
    private void take(Chunk c, ChunkId id, WorkMeter meter) throws IOException {
        if (id != null) {
            Integer old = previousAt.get(id);
            if (old != null) {
                anchorNew = c.offset() + c.length();
                anchorOld = previousStarts[old] + c.length();
            }
            if (!index.contains(id) && claimed.add(id)) {
                ChunkId base = baseFor(anchorOld + (c.offset() - anchorNew) + c.length() / 2);
                PageFinder f = finder();
                sealing.add(StoreThreads.POOL.submit(() -> seal(id, c.data(), base, f)));
                newChunks++;
                newBytes += c.length();
                while (sealing.size() >= StoreThreads.IN_FLIGHT || (!sealing.isEmpty() && sealing.peek().isDone())) {
                    store(sealing.poll());
                }
            }
        }
        length += c.length();
        meter.add(c.length());
        if (id == null && !entries.isEmpty() && entries.get(entries.size() - 1).isZero()
                && (long) entries.get(entries.size() - 1).length() + c.length() <= Integer.MAX_VALUE) {
            ManifestEntry last = entries.remove(entries.size() - 1);
            entries.add(ManifestEntry.zero(last.length() + c.length()));
        } else {
            entries.add(new ManifestEntry(id, c.length()));
        }
    }

    /**
     * Seals a new chunk: against its earlier version ({@code base}, may be null) and, when pages of it are
     * found elsewhere in the previous generation, against those too (codec 3, base last in the dictionary).
     */
    private SealedChunk seal(ChunkId id, byte[] plain, ChunkId base, PageFinder finder) {
        byte[] basePlain = base == null ? null : plainOf(base);
        if (finder.isEmpty()) {
            return sealer.seal(id, plain, base, basePlain);
        }
        int budget = PageFinder.budget(plain.length) - (base == null ? 0 : basePlain.length);
        List<SealedChunk.Ref> refs = new ArrayList<>(finder.refs(plain, SealedChunk.MAX_REFS - 1, budget, base));
        if (refs.isEmpty()) {
            return sealer.seal(id, plain, base, basePlain);
        }
        if (base != null) {
            refs.add(new SealedChunk.Ref(base, 0, basePlain.length));
        }
        byte[] dictionary = new byte[refs.stream().mapToInt(SealedChunk.Ref::length).sum()];
        int at = 0;
        for (SealedChunk.Ref r : refs) {
            System.arraycopy(plainOf(r.id()), r.offset(), dictionary, at, r.length());
            at += r.length();
        }
        // the base is in the refs: compressing against it alone as well would only cost time
        return sealer.seal(id, plain, null, null, refs, dictionary);
    }

    /** The finder, once made (on this thread: the workers that make it are free until it is). */
    private PageFinder finder() throws IOException {
        if (finder == null) {
            try {
                finder = StoreThreads.await(finding);
            } catch (java.io.InterruptedIOException e) {
                throw e;
            } catch (IOException | RuntimeException e) {
                if (!madeAhead) {
                    throw e;
                }
                finder = finder(findIn, index, bases, () -> false); // stopped before it was made: made here
            }
        }
        return finder;
    }

    /** A chunk's plaintext; the last few are kept, as neighbouring chunks often name the same ones. */
    private byte[] plainOf(ChunkId id) {
        synchronized (recent) {
            byte[] p = recent.get(id);
            if (p != null) {
                return p;
            }
        }
        byte[] p = bases.apply(id);
        synchronized (recent) {
            recent.put(id, p);
        }
        return p;
    }

    /** Chunks found again where they stood ({@link Earlier}), by every ingest of this process (for tests). */
    static final java.util.concurrent.atomic.AtomicLong FOUND_AGAIN = new java.util.concurrent.atomic.AtomicLong();

    /** How many finders were begun (for tests). */
    static final java.util.concurrent.atomic.AtomicLong FINDERS_MADE = new java.util.concurrent.atomic.AtomicLong();

    /**
     * The blocks of every chunk of the previous generation that refs may name (those that are not deltas),
     * opened on the store's workers; fewer if {@code stop} says so (nobody will use it).
     */
    static PageFinder finder(List<ManifestEntry> previous, Index index, Function<ChunkId, byte[]> bases,
            java.util.function.BooleanSupplier stop) {
        FINDERS_MADE.incrementAndGet();
        PageFinder f = new PageFinder();
        ArrayDeque<Future<long[]>> opening = new ArrayDeque<>();
        ArrayDeque<ChunkId> ids = new ArrayDeque<>();
        Set<ChunkId> seen = new java.util.HashSet<>();
        try {
            for (ManifestEntry e : previous) {
                if (stop.getAsBoolean()) {
                    break;
                }
                ChunkLocation at = e.isZero() ? null : index.get(e.id());
                if (at == null || at.isDelta() || !seen.add(e.id())) {
                    continue;
                }
                ids.add(e.id());
                opening.add(StoreThreads.POOL.submit(() -> {
                    byte[] plain = bases.apply(e.id());
                    long[] blocks = PageFinder.blocks(plain);
                    long[] out = Arrays.copyOf(blocks, blocks.length + 1);
                    out[blocks.length] = plain.length;
                    return out;
                }));
                while (opening.size() >= StoreThreads.IN_FLIGHT) {
                    addOpened(f, ids.poll(), opening.poll());
                }
            }
            while (!opening.isEmpty()) {
                addOpened(f, ids.poll(), opening.poll());
            }
        } finally {
            opening.forEach(o -> o.cancel(true));
        }
        return f;
    }

    private static void addOpened(PageFinder f, ChunkId id, Future<long[]> opened) {
        long[] b;
        try {
            b = StoreThreads.await(opened);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        f.add(id, (int) b[b.length - 1], Arrays.copyOf(b, b.length - 1));
    }

    private void store(Future<SealedChunk> f) throws IOException {
        SealedChunk s = StoreThreads.await(f);
        writer.add(s);
        sealedBytes += s.bytes().length;
    }

    /** The committed, non-delta chunk that held {@code offset} in the previous generation, if any. */
    private ChunkId baseFor(long offset) {
        int i = java.util.Arrays.binarySearch(previousStarts, offset);
        if (i < 0) {
            i = -i - 2;
        }
        if (i < 0 || i >= previousStarts.length || previousEntries.get(i).isZero()) {
            return null;
        }
        ChunkId candidate = previousEntries.get(i).id();
        ChunkLocation at = index.get(candidate);
        if (at == null) {
            return null;
        }
        if (!at.isDelta()) {
            return candidate;
        }
        ChunkId first = at.bases().get(0);
        ChunkLocation base = index.get(first);
        return at.bases().size() == 1 && base != null && !base.isDelta() ? first : null;
    }

    static Manifest manifest(ChunkSealer sealer, String image, long generation, ChunkerParams params, Result r) {
        return new Manifest(image, generation, Instant.now(), r.length(), params,
                Manifest.digest(sealer.hasher(), r.entries()), r.entries());
    }
}
