package org.zos.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.store.chunk.ChunkId;
import org.zos.store.chunk.ChunkSealer;
import org.zos.store.chunk.SealedChunk;
import org.zos.store.chunking.ChunkerParams;
import org.zos.store.chunking.Holes;
import org.zos.store.crypto.KeyFile;
import org.zos.store.crypto.MasterKey;
import org.zos.store.crypto.StoreKeys;
import org.zos.store.manifest.Manifest;
import org.zos.store.manifest.ManifestCodec;
import org.zos.store.manifest.ManifestEntry;
import org.zos.store.manifest.ManifestFiles;
import org.zos.store.pack.ChunkLocation;
import org.zos.store.pack.Index;
import org.zos.store.pack.PackFiles;
import org.zos.store.pack.PackIndexFile;
import org.zos.store.pack.PackReader;
import org.zos.store.pack.PackWriter;

/**
 * One anima's part of a store, opened with the anima's master key: its sealed chunks in packs, their
 * indexes, and the manifests of its images in generations. Every operation holds the store's lock
 * (shared, or exclusive for gc and erase) while it runs, and reloads indexes other processes added.
 * Safe for use by many threads and, through the lock, by many processes.
 */
public final class AnimaStore implements AutoCloseable {
    private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger(AnimaStore.class.getName());
    static final Duration LOCK_WAIT = Duration.ofSeconds(30);

    private final String animaId;
    private final AnimaLayout layout;
    private final StoreKeys keys;
    private final ChunkSealer sealer;
    private final ManifestCodec codec;
    private final Index index = new Index();
    private final PackReader reader;

    AnimaStore(AnimaLayout layout, String animaId, MasterKey key) throws IOException {
        this.animaId = animaId;
        this.layout = layout;
        this.keys = key.derive();
        this.sealer = new ChunkSealer(keys);
        this.codec = new ManifestCodec(animaId, keys.manifestKey(), sealer.hasher());
        this.reader = new PackReader(layout.packs());
        layout.create();
        try (StoreLock lock = shared()) {
            refresh();
        }
    }

    public String animaId() {
        return animaId;
    }

    public Path directory() {
        return layout.dir();
    }

    /** Stores a file as the next generation of {@code image}. */
    public Ingested ingest(String image, Path file, ChunkerParams params, WorkMeter meter) throws IOException {
        return ingest(image, file, params, meter, 1);
    }

    /** As {@link #ingest(String, Path, ChunkerParams, WorkMeter)}, as generation {@code atLeast} or later. */
    public Ingested ingest(String image, Path file, ChunkerParams params, WorkMeter meter, long atLeast) throws IOException {
        meter.total(Files.size(file));
        Holes holes = Holes.of(file);
        try (InputStream in = Files.newInputStream(file)) {
            return ingest(image, image, in, holes, params, meter, atLeast);
        }
    }

    /** Stores a stream as the next generation of {@code image}; the manifest is committed last. */
    public Ingested ingest(String image, InputStream in, ChunkerParams params, WorkMeter meter) throws IOException {
        return ingest(image, in, params, meter, 1);
    }

    /**
     * As {@link #ingest(String, InputStream, ChunkerParams, WorkMeter)}, as generation {@code atLeast} or
     * later: the next one after the newest, but no lower (a caller that numbers an image after another
     * one's generations, as a move numbers its memory after its disk).
     */
    public Ingested ingest(String image, InputStream in, ChunkerParams params, WorkMeter meter, long atLeast) throws IOException {
        return ingest(image, image, in, Holes.NONE, params, meter, atLeast);
    }

    /**
     * Stores what an ingest of {@code image} would store of {@code in} now, each chunk sealed as that
     * ingest would seal it (against the same generation before, and the same {@link #writesOf}), but as
     * the next generation of {@link #aheadOf} {@code image}, whose older generations it deletes: the next
     * ingest of {@code image} finds the chunks of what did not change since stored, and makes nothing of
     * them again (docs/store-format.md, "Stored ahead"). A disk read while its guest writes it is torn,
     * and so is such a generation: it is never materialized, only its chunks are found.
     */
    public Ingested ingestAhead(String image, InputStream in, ChunkerParams params, WorkMeter meter) throws IOException {
        if (image.endsWith(AHEAD) || image.endsWith(WRITES)) {
            throw new IllegalArgumentException("no image is stored ahead of " + image);
        }
        String ahead = aheadOf(image);
        Ingested i = ingest(image, ahead, in, Holes.NONE, params, meter, 1);
        try (StoreLock lock = shared()) {
            for (long g : layout.manifests().generations(ahead)) {
                if (g < i.manifest().generation()) {
                    layout.manifests().delete(ahead, g);
                }
            }
        }
        return i;
    }

    /**
     * Commits generation {@code generation} of {@link #aheadOf} {@code image}, if its digest is still
     * {@code digest}, as the next generation of {@code image}: the same chunks, length and digest, all stored
     * already. For a caller that knows the file it was read from was not written while it was read, nor
     * since (docs/store-format.md, "Stored ahead"): its ingest would make the same generation, reading it.
     *
     * @throws ZosException ANIMA_NOT_FOUND if that generation is gone (a newer one was stored ahead since),
     *     INTEGRITY_ERROR if its digest is not {@code digest}
     */
    public Manifest adoptAhead(String image, long generation, byte[] digest) throws IOException {
        Manifest a = manifest(aheadOf(image), generation);
        if (!java.util.Arrays.equals(a.digest(), digest)) {
            throw new ZosException(ErrorCode.INTEGRITY_ERROR, a.label() + " is not the image stored ahead", "read the image instead");
        }
        try (StoreLock lock = shared()) {
            refresh();
            return commitNext(image, 1, g -> new Manifest(image, g, java.time.Instant.now(), a.length(), a.params(), a.digest(), a.entries()));
        }
    }

    /**
     * Commits the manifest {@code make} gives for the next generation of {@code image} (but no lower than
     * {@code atLeast}), again with the one after if another writer claimed it first (link(2), "Locking").
     */
    private Manifest commitNext(String image, long atLeast, java.util.function.LongFunction<Manifest> make) throws IOException {
        for (int attempt = 0; ; attempt++) {
            Manifest m = make.apply(Math.max(atLeast, layout.manifests().latest(image) + 1));
            if (commitManifest(m)) {
                return m;
            }
            if (attempt > 100) {
                throw new ZosException(ErrorCode.BUSY, "could not claim a generation of image " + image,
                        "another process keeps adding generations; try again");
            }
        }
    }

    /** See {@link #ingestAhead}. */
    public static String aheadOf(String image) {
        return image + AHEAD;
    }

    /** See {@link #aheadOf}. */
    public static final String AHEAD = ".ahead";

    /** Ingests {@code in} as an ingest of {@code image} would, committed as the next generation of {@code commitAs}. */
    private Ingested ingest(String image, String commitAs, InputStream in, Holes holes, ChunkerParams params, WorkMeter meter, long atLeast)
            throws IOException {
        Manifest.checkImageName(image);
        Manifest.checkImageName(commitAs);
        try (StoreLock lock = shared(); PackWriter writer = new PackWriter(layout.packs(), index)) {
            refresh();
            Ingester.Result r;
            try {
                Manifest previous = previousOf(image);
                List<ManifestEntry> find = findIn(image, previous);
                r = new Ingester(sealer, index, writer, previous, alsoOf(image), this::basePlain,
                        find.isEmpty() ? null : FinderCache.get(layout.dir(), image, find)).run(in, holes, params, meter);
            } catch (IOException | RuntimeException e) {
                writer.abort();
                throw e;
            }
            Ingester.Result made = r;
            Manifest m = commitNext(commitAs, atLeast, g -> Ingester.manifest(sealer, commitAs, g, params, made));
            return new Ingested(m, made.newChunks(), made.newBytes(), made.sealedBytes(), made.madeAhead());
        }
    }

    /**
     * Makes what the next ingest of {@code image} needs of its newest generation, the blocks of its chunks
     * by content (the delta bases of new chunks), on this thread, so that the ingest need not open every
     * chunk of it while it reads ({@link FinderCache}). Nothing if the image has no generation here or it
     * is made already. Stopped (the next ingest makes its own) when the anima is retired.
     */
    public void prepareIngest(String image) throws IOException {
        Manifest.checkImageName(image);
        try (StoreLock lock = shared()) {
            refresh();
            List<ManifestEntry> find = findIn(image, previousOf(image));
            FinderCache.Entry e = find.isEmpty() ? null : FinderCache.start(layout.dir(), image, find);
            if (e == null) {
                return;
            }
            try {
                PageFinder f = Ingester.finder(find, index, this::basePlain, e.stop()::get);
                if (e.stop().get()) {
                    throw new java.util.concurrent.CancellationException("the anima was retired");
                }
                e.finder().complete(f);
            } catch (RuntimeException x) {
                FinderCache.remove(layout.dir(), image, e);
                e.finder().completeExceptionally(x);
                if (!(x instanceof java.util.concurrent.CancellationException)) {
                    throw x;
                }
            }
        }
    }

    /**
     * The image whose newest generation an ingest of {@code image} also finds pages in: {@code image}
     * followed by {@link #WRITES} ("disk.writes": what a visit wrote to the disk, stored by both ends of a
     * live return over the disk home kept, so that the next domination's new chunks of the disk refer to
     * them, which the visited host holds; docs/store-format.md).
     */
    public static String writesOf(String image) {
        return image + WRITES;
    }

    /** See {@link #writesOf}. */
    public static final String WRITES = ".writes";

    /** The entries of the newest generation of {@link #writesOf} {@code image}, if it has one (none for such an image itself). */
    private List<ManifestEntry> alsoOf(String image) throws IOException {
        if (image.endsWith(WRITES)) {
            return List.of();
        }
        Manifest w = previousOf(writesOf(image));
        return w == null ? List.of() : w.entries();
    }

    /** What the finder of an ingest of {@code image} after {@code previous} (null: none) is made of. */
    private List<ManifestEntry> findIn(String image, Manifest previous) throws IOException {
        List<ManifestEntry> find = new ArrayList<>(previous == null ? List.of() : previous.entries());
        find.addAll(alsoOf(image));
        return find;
    }

    /** The newest generation of an image, to find delta bases in; null if none can be read. */
    private Manifest previousOf(String image) throws IOException {
        if (layout.manifests().latest(image) == 0) {
            return null;
        }
        try {
            return manifest(image, 0);
        } catch (ZosException e) {
            LOG.warning(e.getMessage() + "; storing without deltas against it");
            return null;
        }
    }

    /** What one ingest made: the manifest, and what it added to the store (plaintext and sealed bytes). */
    public record Ingested(Manifest manifest, long newChunks, long newBytes, long sealedBytes, boolean blocksMadeAhead) {
    }

    /** Writes an image out to {@code out}, replacing it only once the whole image is written and verified. */
    public void materialize(Manifest m, Path out, WorkMeter meter) throws IOException {
        materialize(m, out, meter, true);
    }

    /** As above; without {@code durable} the file is not synced (for a file used at once and then deleted). */
    public void materialize(Manifest m, Path out, WorkMeter meter, boolean durable) throws IOException {
        try (StoreLock lock = shared()) {
            refresh();
            new Materializer(sealer, index, reader, this::basePlain).run(m, out, meter, durable);
        }
    }

    /**
     * Writes the chunks of {@code m} into {@code file}, at their offsets, in place: the file is already as
     * long as the image and its zero runs are holes. Nothing is synced or renamed: for a file other writers
     * fill in too (the chunks a receiver still waits for, written as they arrive).
     */
    public void materializeInto(Manifest m, java.nio.channels.FileChannel file, WorkMeter meter) throws IOException {
        try (StoreLock lock = shared()) {
            refresh();
            new Materializer(sealer, index, reader, this::basePlain).into(m, file, meter);
        }
    }

    /**
     * Turns {@code file}, which holds image {@code from} exactly, into image {@code to} in place, writing
     * only the chunks that differ (see {@link Materializer#update}).
     */
    public void update(Manifest from, Manifest to, Path file, WorkMeter meter) throws IOException {
        try (StoreLock lock = shared()) {
            refresh();
            new Materializer(sealer, index, reader, this::basePlain).update(from, to, file, meter);
        }
    }

    /**
     * Turns the file open as {@code file}, which holds image {@code from} exactly (null: not known), into
     * image {@code to} in place, writing only the chunks that differ at their offset, except those in
     * {@code skip}, which another writer puts in as they arrive (see {@link Materializer#updateInto}).
     * Nothing is synced, nor the file's length set.
     */
    public void updateInto(Manifest from, Manifest to, java.util.Set<ChunkId> skip, java.nio.channels.FileChannel file, WorkMeter meter)
            throws IOException {
        try (StoreLock lock = shared()) {
            refresh();
            new Materializer(sealer, index, reader, this::basePlain).updateInto(from, to, skip, file, meter);
        }
    }

    /** The manifest of a generation; {@code generation} 0 means the latest. */
    public Manifest manifest(String image, long generation) throws IOException {
        Manifest.checkImageName(image);
        try (StoreLock lock = shared()) {
            long g = generation > 0 ? generation : layout.manifests().latest(image);
            Path file = layout.manifests().path(image, g);
            if (g == 0 || !Files.exists(file)) {
                throw new ZosException(ErrorCode.ANIMA_NOT_FOUND, "anima " + animaId + " has no image " + image
                        + (generation > 0 ? " generation " + generation : ""), "list images with 'zos-vm store stats'");
            }
            return codec.decode(Files.readAllBytes(file), image, g);
        }
    }

    /** All manifests, oldest generation first within each image. */
    public List<Manifest> manifests() throws IOException {
        try (StoreLock lock = shared()) {
            return readManifests();
        }
    }

    List<Manifest> readManifests() throws IOException {
        List<Manifest> out = new ArrayList<>();
        ManifestFiles mf = layout.manifests();
        for (String image : mf.images()) {
            for (long g : mf.generations(image)) {
                out.add(codec.decode(Files.readAllBytes(mf.path(image, g)), image, g));
            }
        }
        return out;
    }

    /** Which of these chunks this store lacks, in the order given. */
    public Set<ChunkId> missing(Collection<ChunkId> ids) throws IOException {
        try (StoreLock lock = shared()) {
            refresh();
            Set<ChunkId> out = new LinkedHashSet<>();
            for (ChunkId id : ids) {
                if (!index.contains(id)) {
                    out.add(id);
                }
            }
            return out;
        }
    }

    public Set<ChunkId> missing(Manifest m) throws IOException {
        return missing(m.chunkIds());
    }

    /**
     * The chunks to send so a store holding none of {@code ids} can open them all: the ids, with the base
     * of each delta chunk among them placed before it.
     */
    public Set<ChunkId> withBases(Collection<ChunkId> ids) throws IOException {
        try (StoreLock lock = shared()) {
            refresh();
            Set<ChunkId> out = new LinkedHashSet<>();
            for (ChunkId id : ids) {
                ChunkLocation at = index.get(id);
                if (at != null) {
                    out.addAll(at.bases());
                }
                out.add(id);
            }
            return out;
        }
    }

    /** A chunk as it is stored, sealed, for sending to another host; nothing is decrypted. */
    public SealedChunk exportChunk(ChunkId id) throws IOException {
        try (StoreLock lock = shared()) {
            ChunkLocation at = index.get(id);
            if (at == null) {
                refresh();
                at = index.get(id);
            }
            if (at == null) {
                throw new ZosException(ErrorCode.ANIMA_NOT_FOUND, "chunk " + id.shortHex() + " is not in the store of "
                        + animaId, "ask for the chunks 'missing' reports before fetching them");
            }
            return reader.read(id, at);
        }
    }

    /**
     * Stores sealed chunks received from another host, as they are. With {@code verify} each one is also
     * opened and checked before it is kept (the receiver holds the key); without it only its layout is
     * checked. Chunks already held are skipped.
     *
     * @return how many chunks were new
     */
    public int importChunks(Iterable<SealedChunk> chunks, boolean verify) throws IOException {
        return importChunks(chunks, verify, null);
    }

    /**
     * As above; with {@code verify}, {@code opened} (if not null) is also given each chunk's checked
     * content as it is opened, on this thread: a receiver writes an image out as its chunks arrive.
     */
    public int importChunks(Iterable<SealedChunk> chunks, boolean verify,
            java.util.function.BiConsumer<ChunkId, byte[]> opened) throws IOException {
        int added = 0;
        try (StoreLock lock = shared(); PackWriter writer = new PackWriter(layout.packs(), index)) {
            refresh();
            Set<ChunkId> seen = new java.util.HashSet<>();
            try {
                for (SealedChunk c : chunks) {
                    String problem = c.layoutProblem();
                    if (problem != null) {
                        throw new ZosException(ErrorCode.INTEGRITY_ERROR, "received chunk " + c.id().shortHex()
                                + " is malformed: " + problem, "the sender's store or the transfer is damaged");
                    }
                    if (verify) {
                        if (c.bases().stream().anyMatch(base -> !index.contains(base) && seen.contains(base))) {
                            writer.flush();
                        }
                        byte[] plain = sealer.open(c, "received", this::basePlain);
                        if (opened != null) {
                            opened.accept(c.id(), plain);
                        }
                    }
                    if (!index.contains(c.id()) && seen.add(c.id())) {
                        writer.add(c);
                        added++;
                    }
                }
            } catch (IOException | RuntimeException e) {
                writer.abort();
                throw e;
            }
        }
        return added;
    }

    /** A manifest file as stored (sealed), for sending to another host. */
    public byte[] exportManifest(String image, long generation) throws IOException {
        try (StoreLock lock = shared()) {
            Path file = layout.manifests().path(Manifest.checkImageName(image), generation);
            if (!Files.exists(file)) {
                throw new ZosException(ErrorCode.ANIMA_NOT_FOUND, "anima " + animaId + " has no image " + image
                        + " generation " + generation, "list images with 'zos-vm store stats'");
            }
            return Files.readAllBytes(file);
        }
    }

    /** Opens a manifest file received from another host without filing it: to see which chunks it needs. */
    public Manifest readManifest(byte[] file) {
        ManifestCodec.Label label = ManifestCodec.label(file);
        return codec.decode(file, label == null ? "received" : label.image() + "@" + label.generation());
    }

    /** Files a manifest received from another host under its own image and generation, after opening it. */
    public Manifest importManifest(byte[] file) throws IOException {
        ManifestCodec.Label label = ManifestCodec.label(file);
        Manifest m = codec.decode(file, label == null ? "received" : label.image() + "@" + label.generation());
        Manifest.checkImageName(m.image());
        try (StoreLock lock = shared()) {
            Path tmp = layout.packs().temp("manifest-" + PackFiles.newPackId());
            Files.write(tmp, file);
            if (!layout.manifests().commit(tmp, m.image(), m.generation())) {
                byte[] held = Files.readAllBytes(layout.manifests().path(m.image(), m.generation()));
                Manifest mine = codec.decode(held, m.image(), m.generation());
                if (!java.security.MessageDigest.isEqual(mine.digest(), m.digest())) {
                    throw new ZosException(ErrorCode.ANIMA_EXISTS, "this store holds a different " + m.label(),
                            "remove that generation first, or import under a new generation");
                }
            }
        }
        return m;
    }

    private boolean commitManifest(Manifest m) throws IOException {
        Path tmp = layout.packs().temp("manifest-" + PackFiles.newPackId());
        Files.write(tmp, codec.encode(m));
        return layout.manifests().commit(tmp, m.image(), m.generation());
    }

    /** Checks the store; see {@link Checker}. */
    public CheckReport check(boolean readData, double fraction, WorkMeter meter) throws IOException {
        try (StoreLock lock = shared()) {
            refresh();
            Index onDisk = new Index(); // what the index files say now, whatever was loaded before
            for (String pack : layout.packs().indexedIds()) {
                PackIndexFile idx = readIndex(pack);
                if (idx != null) {
                    onDisk.add(idx);
                }
            }
            return new Checker(layout, onDisk, reader, sealer, codec, this::basePlain).run(readData, fraction, meter);
        }
    }

    /**
     * Deletes all but the newest {@code keep} generations of each image ({@code keep} 0 keeps all), then
     * every chunk no remaining manifest needs; packs that keep some chunks are rewritten.
     */
    public GcReport gc(int keep) throws IOException {
        try (StoreLock lock = exclusive()) {
            List<PackHealth.Finding> findings = PackHealth.of(layout.packs());
            List<String> repaired = recover(findings);
            reload();
            // Rebuilding an index from a pack whose headers verify leaves nothing to find there: the rest stands.
            List<PackHealth.Finding> left = findings.stream().filter(f -> f.repair() != PackHealth.Repair.REBUILD_INDEX).toList();
            return new Collector(layout, index, reader, this).run(keep, repaired, left);
        }
    }

    /**
     * Crypto-erase: destroys the anima's key file (overwritten, then deleted), then its manifests, indexes
     * and packs. What is left on the disk's free blocks is sealed under a key that no longer exists.
     *
     * @return the number of files removed
     */
    public int erase() throws IOException {
        StoreLock lock = exclusive();
        try {
            KeyFile.destroy(layout.key());
            keys.destroy();
            reader.close();
            int[] n = {0};
            try (Stream<Path> s = Files.walk(layout.dir())) {
                for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    if (!p.equals(layout.lock()) && !p.equals(layout.dir())) {
                        Files.delete(p);
                        n[0]++;
                    }
                }
            }
            lock.forget();
            return n[0];
        } finally {
            lock.close();
            Files.deleteIfExists(layout.lock());
            Files.deleteIfExists(layout.dir());
        }
    }

    public StoreStats stats() throws IOException {
        try (StoreLock lock = shared()) {
            refresh();
            return StoreStats.of(animaId, index, readManifests());
        }
    }

    /**
     * Reads every index file again, trusting nothing loaded before: what check and gc judge the store by
     * (an index damaged since it was loaded no longer counts).
     */
    private void reload() throws IOException {
        List<String> all = new ArrayList<>();
        index.packs().forEach(p -> all.add(p.pack()));
        index.removeAll(all);
        refresh();
    }

    /** Loads index files this object has not seen and forgets packs whose index is gone. */
    private void refresh() throws IOException {
        List<String> onDisk = layout.packs().indexedIds();
        Set<String> known = new java.util.HashSet<>();
        index.packs().forEach(p -> known.add(p.pack()));
        for (String pack : onDisk) {
            if (!known.remove(pack)) {
                PackIndexFile idx = readIndex(pack);
                if (idx != null) {
                    index.add(idx);
                }
            }
        }
        if (!known.isEmpty()) {
            for (String gone : known) {
                reader.evict(gone);
            }
            index.removeAll(known);
        }
    }

    /** The index of a pack, or null if the index file is damaged (check reports it; gc rebuilds it). */
    PackIndexFile readIndex(String pack) throws IOException {
        return PackHealth.readIndex(layout.packs(), pack);
    }

    /**
     * Repairs what a crash can leave, under the exclusive lock: removes temp files, and gives every pack
     * whose index is missing or damaged, and whose own headers all verify, a new index from a scan of the
     * pack ({@link PackHealth}). A pack that does not verify is left as it is.
     *
     * @return what was repaired, one line each
     */
    List<String> recover(List<PackHealth.Finding> findings) throws IOException {
        List<String> done = new ArrayList<>();
        try (Stream<Path> s = Files.list(layout.packs().tmp())) {
            for (Path p : s.toList()) {
                Files.deleteIfExists(p);
                done.add("removed unfinished " + p.getFileName());
            }
        }
        for (PackHealth.Finding f : findings) {
            if (f.repair() == PackHealth.Repair.REBUILD_INDEX) {
                Durable.write(layout.packs().temp(f.pack() + ".idx"), layout.packs().indexOf(f.pack()), f.rebuilt().encode());
                done.add("rebuilt the index of pack " + f.pack() + " (" + f.rebuilt().entries().size() + " chunks)");
            }
        }
        return done;
    }

    /**
     * The plaintext of a chunk that serves as base of delta chunks; a base is never itself a delta.
     *
     * @throws ZosException INTEGRITY_ERROR if the base is missing or damaged
     */
    byte[] basePlain(ChunkId base) {
        ChunkLocation at = index.get(base);
        if (at == null) {
            throw new ZosException(ErrorCode.INTEGRITY_ERROR, "base chunk " + base.shortHex() + " of a delta chunk is"
                    + " missing", "fetch the base (it travels with every delta) or run 'zos-vm store check'");
        }
        try {
            return sealer.open(reader.read(base, at), at.describe());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    StoreLock shared() throws IOException {
        return StoreLock.shared(layout.lock(), LOCK_WAIT);
    }

    StoreLock exclusive() throws IOException {
        return StoreLock.exclusive(layout.lock(), LOCK_WAIT);
    }

    @Override
    public void close() throws IOException {
        reader.close();
    }
}
