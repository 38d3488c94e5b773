package org.zos.store.parcel;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.store.AnimaStore;
import org.zos.store.WorkMeter;
import org.zos.store.chunk.ChunkId;
import org.zos.store.chunk.ChunkSealer;
import org.zos.store.chunk.SealedChunk;
import org.zos.store.crypto.Hkdf;
import org.zos.store.crypto.MasterKey;
import org.zos.store.crypto.StoreKeys;
import org.zos.store.manifest.Manifest;
import org.zos.store.manifest.ManifestCodec;

/**
 * One anima's parcel in a remote (docs/parcel-format.md): its wrapped key, a sealed manifest and a sealed
 * list of needed chunks per image generation, the rest record that names the generations to resume from,
 * and a lease while a host has it checked out. Its sealed chunks are in the <em>pool</em> of its key, which
 * every parcel sealed under the same key shares (the animas a user creates on one host share a key), so a
 * chunk two of them hold is kept and uploaded once. A push uploads only the objects the remote lacks and
 * writes the rest record last (until then the parcel is what it was); a pull downloads only what the local
 * store lacks, and every chunk is opened and checked before it is kept.
 */
public final class Parcel {
    /** Parallel requests: an object store answers each in milliseconds, the link is what should be full. */
    static final int PARALLEL = 8;
    /** A pull imports what it downloaded in batches of about this many bytes. */
    static final long BATCH = 32L << 20;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Remote remote;
    private final String anima;

    public Parcel(Remote remote, String anima) {
        this.remote = remote;
        this.anima = anima;
    }

    /**
     * Where the pools are: a name no anima has (anima names start with a letter or digit), so no parcel's
     * objects are taken for a pool's or the other way round.
     */
    static final String POOLS = "_pool/";

    /** Where this parcel is. */
    public Remote remote() {
        return remote;
    }

    /** What a parcel rests as: the image generations to resume from, where and when it was suspended, and the anima's own description (opaque here). */
    public record Rest(Map<String, Long> images, String from, long at, String record) {
    }

    /** A host's hold on a parcel: while it exists no other host resumes the anima. */
    public record Lease(String host, long since, String token) {
    }

    /** What a push or pull moved. */
    public record Moved(long objects, long bytes, Rest rest) {
    }

    /** A pool of chunks: the animas whose parcels use it, and its chunks' count and bytes. */
    public record Pool(String tag, List<String> animas, long chunks, long bytes) {
    }

    // ---- object names -----------------------------------------------------------------------------------

    String keyName() {
        return anima + "/key";
    }

    String restName() {
        return anima + "/rest";
    }

    String leaseName() {
        return anima + "/lease";
    }

    String poolName() {
        return anima + "/pool";
    }

    static String chunks(String pool) {
        return POOLS + pool + "/c/";
    }

    static String members(String pool) {
        return POOLS + pool + "/a/";
    }

    static String chunkName(String pool, ChunkId id) {
        return chunks(pool) + HexFormat.of().formatHex(id.bytes());
    }

    /** Whether object {@code name} is a sealed chunk (a pool's, or a parcel's own delta), not a record or manifest. */
    static boolean isChunk(String name) {
        String[] part = name.split("/");
        return part.length == 3 && part[1].equals("d") || part.length == 4 && POOLS.equals(part[0] + "/") && part[2].equals("c");
    }

    String deltaName(ChunkId id) {
        return anima + "/d/" + HexFormat.of().formatHex(id.bytes());
    }

    /**
     * The chunk objects this parcel may read, with their sizes: its own delta chunks and its pool's. A chunk
     * that needs others to be opened (a delta, or one with refs) stays in its parcel's {@code d/}: another
     * anima's store may hold a chunk of the same id sealed otherwise, with other bases, which its needs
     * lists would not name. The pool holds only chunks that open by themselves.
     */
    private Map<String, Long> readable(String pool) throws IOException {
        Map<String, Long> all = new java.util.HashMap<>(remote.list(chunks(pool)));
        all.putAll(remote.list(anima + "/d/"));
        return all;
    }

    /** The object that holds chunk {@code id} among {@code listed} ({@link #readable}): its own delta first; null if none. */
    private String where(String pool, ChunkId id, Map<String, Long> listed) {
        String own = deltaName(id);
        if (listed.containsKey(own)) {
            return own;
        }
        String pooled = chunkName(pool, id);
        return listed.containsKey(pooled) ? pooled : null;
    }

    /** The object to read chunk {@code id} from: {@link #where}, or the pool's name where neither lists it (a missing chunk is named so). */
    private String readFrom(String pool, ChunkId id, Map<String, Long> listed) {
        return java.util.Objects.requireNonNullElse(where(pool, id, listed), chunkName(pool, id));
    }

    /**
     * The pool of the parcels sealed under {@code key}: 32 hex digits HKDF derives from it (info
     * "parcel-pool"). It names the key without revealing it, so a bucket shows which parcels share one.
     */
    static String poolOf(MasterKey key) {
        byte[] k = key.bytes();
        byte[] tag = Hkdf.derive(k, StoreKeys.SALT.getBytes(StandardCharsets.US_ASCII),
                "parcel-pool".getBytes(StandardCharsets.US_ASCII), 16);
        java.util.Arrays.fill(k, (byte) 0);
        return HexFormat.of().formatHex(tag);
    }

    String manifestName(String image, long generation) {
        return anima + "/m/" + image + "/" + generation;
    }

    String needsName(String image, long generation) {
        return anima + "/n/" + image + "/" + generation;
    }

    /** The animas with a parcel in {@code remote}: those with a key object. */
    public static List<String> animas(Remote remote) throws IOException {
        List<String> out = new ArrayList<>();
        for (String k : remote.list("").keySet()) {
            int slash = k.indexOf('/');
            if (slash > 0 && k.substring(slash).equals("/key")) {
                out.add(k.substring(0, slash));
            }
        }
        return out;
    }

    /** The pools of {@code remote}, each with the animas whose parcels use it. */
    public static List<Pool> pools(Remote remote) throws IOException {
        Map<String, List<String>> animas = new TreeMap<>();
        Map<String, long[]> sizes = new TreeMap<>();
        for (Map.Entry<String, Long> o : remote.list(POOLS).entrySet()) {
            String[] part = o.getKey().substring(POOLS.length()).split("/", 3);
            if (part.length != 3) {
                continue;
            }
            animas.computeIfAbsent(part[0], t -> new ArrayList<>());
            long[] n = sizes.computeIfAbsent(part[0], t -> new long[2]);
            if (part[1].equals("a")) {
                animas.get(part[0]).add(part[2]);
            } else if (part[1].equals("c")) {
                n[0]++;
                n[1] += o.getValue();
            }
        }
        List<Pool> out = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : animas.entrySet()) {
            long[] n = sizes.get(e.getKey());
            out.add(new Pool(e.getKey(), e.getValue(), n[0], n[1]));
        }
        return out;
    }

    /** Bytes and objects of this parcel's own objects in the remote (its chunks are in its pool: {@link #pools}). */
    public long[] size() throws IOException {
        long bytes = 0;
        Map<String, Long> all = remote.list(anima + "/");
        for (long n : all.values()) {
            bytes += n;
        }
        return new long[] {all.size(), bytes};
    }

    // ---- the key ----------------------------------------------------------------------------------------

    public boolean exists() throws IOException {
        return remote.get(keyName()).isPresent();
    }

    /** The anima's master key, unwrapped with {@code passphrase}; ANIMA_NOT_FOUND if the remote has no parcel of it. */
    public MasterKey key(char[] passphrase) throws IOException {
        byte[] object = remote.get(keyName()).orElseThrow(() -> new ZosException(ErrorCode.ANIMA_NOT_FOUND,
                "remote '" + remote.name() + "' holds no parcel of anima '" + anima + "'",
                "list what it holds with 'zos-vm parcel list --remote " + remote.name() + "'"));
        return ParcelKey.unwrap(passphrase, anima, object, "remote '" + remote.name() + "'");
    }

    /**
     * Stores the anima's key wrapped under {@code passphrase}, unless the parcel has one: then the
     * passphrase must open it, and to the same key (a parcel is never taken over by another anima of the
     * same name).
     */
    public void keep(MasterKey key, char[] passphrase) throws IOException {
        ParcelKey.requirePassphrase(passphrase);
        if (remote.get(keyName()).isEmpty() && remote.create(keyName(), ParcelKey.wrap(passphrase, anima, key))) {
            join(key);
            return;
        }
        MasterKey held = key(passphrase);
        boolean same = java.security.MessageDigest.isEqual(held.bytes(), key.bytes());
        held.destroy();
        if (!same) {
            throw new ZosException(ErrorCode.ANIMA_EXISTS, "remote '" + remote.name() + "' holds the parcel of another anima named '"
                    + anima + "'", "erase it there first ('zos-vm parcel erase " + anima + " --remote " + remote.name() + "')");
        }
        join(key);
    }

    /** Names the parcel's pool, and the parcel among the pool's members (after its key: a member without a key was erased). */
    private void join(MasterKey key) throws IOException {
        String pool = poolOf(key);
        byte[] tag = pool.getBytes(StandardCharsets.US_ASCII);
        if (!remote.get(poolName()).map(b -> java.util.Arrays.equals(b, tag)).orElse(false)) {
            // Not empty: Ceph 16's gateway refuses an empty PUT of the AWS SDK over http (XAmzContentSHA256Mismatch).
            remote.put(members(pool) + anima, anima.getBytes(StandardCharsets.UTF_8));
            remote.put(poolName(), tag);
        }
    }

    /**
     * The pool the parcel's chunks are in, which must be the pool of {@code key}; VERSION_MISMATCH for a
     * parcel of format 2, which kept its chunks under its own name.
     */
    private String pool(MasterKey key) throws IOException {
        String pool = poolOf(key);
        Optional<byte[]> named = remote.get(poolName());
        if (named.isEmpty()) {
            throw new ZosException(ErrorCode.VERSION_MISMATCH, "the parcel of anima '" + anima + "' in remote '" + remote.name()
                    + "' has no pool: it was written by a zos before parcel format 3", "resume it with the zos that suspended it, "
                    + "then suspend it again with this one");
        }
        if (!java.util.Arrays.equals(named.get(), pool.getBytes(StandardCharsets.US_ASCII))) {
            throw new ZosException(ErrorCode.INTEGRITY_ERROR, "the parcel of anima '" + anima + "' in remote '" + remote.name()
                    + "' names a pool its key does not", "the object " + poolName() + " was altered; suspend the anima to it again");
        }
        return pool;
    }

    // ---- rest and lease ---------------------------------------------------------------------------------

    /** The rest record, if the anima was ever suspended here completely. */
    public Optional<Rest> rest(MasterKey key) throws IOException {
        Optional<byte[]> o = remote.get(restName());
        if (o.isEmpty()) {
            return Optional.empty();
        }
        byte[] body = new ParcelRecord(key, anima).open(ParcelRecord.REST, o.get(), "rest record");
        return Optional.of(JSON.readValue(body, Rest.class));
    }

    public Optional<Lease> lease(MasterKey key) throws IOException {
        Optional<byte[]> o = remote.get(leaseName());
        if (o.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(JSON.readValue(new ParcelRecord(key, anima).open(ParcelRecord.LEASE, o.get(), "lease"), Lease.class));
    }

    /**
     * Takes the lease for {@code host}: one conditional write, so of two hosts taking it at once exactly one
     * gets it; the other is BUSY, told who holds it. Taking a lease one already holds returns it.
     */
    public Lease take(MasterKey key, String host) throws IOException {
        if (!remote.conditional()) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "remote '" + remote.name() + "' ignores conditional writes "
                    + "(If-None-Match on PUT), so two hosts could resume anima '" + anima + "' at once",
                    "keep parcels in an object store that honours them: AWS S3, Ceph's RADOS Gateway");
        }
        byte[] t = new byte[16];
        RANDOM.nextBytes(t);
        Lease mine = new Lease(host, System.currentTimeMillis(), HexFormat.of().formatHex(t));
        if (remote.create(leaseName(), new ParcelRecord(key, anima).seal(ParcelRecord.LEASE, JSON.writeValueAsBytes(mine)))) {
            return mine;
        }
        Lease held = lease(key).orElse(null);
        if (held != null && held.host().equals(host)) {
            return held;
        }
        throw new ZosException(ErrorCode.BUSY, "anima '" + anima + "' in remote '" + remote.name() + "' is checked out by "
                + (held == null ? "another host" : held.host() + " since " + java.time.Instant.ofEpochMilli(held.since())),
                "suspend it to the remote there first; if that host is gone for good, 'zos-vm parcel unlock " + anima + " --remote "
                        + remote.name() + "'");
    }

    /** Ends {@code host}'s lease (nothing if it holds none); another host's stays. */
    public void release(MasterKey key, String host) throws IOException {
        Optional<Lease> held = lease(key);
        if (held.isPresent() && held.get().host().equals(host)) {
            remote.delete(leaseName());
        }
    }

    /** Ends whatever lease there is: for a host that is gone for good. */
    public void breakLease() throws IOException {
        remote.delete(leaseName());
    }

    // ---- push and pull ----------------------------------------------------------------------------------

    /**
     * Uploads what the remote lacks of {@code images} (needs lists, chunks and bases, manifests), then the
     * rest record naming them: the parcel is the new one only once that last write is done.
     */
    public Moved push(AnimaStore store, MasterKey key, List<Manifest> images, String from, String record, WorkMeter meter)
            throws IOException {
        ParcelRecord sealer = new ParcelRecord(key, anima);
        Set<String> held = remote.list(anima + "/").keySet();
        long[] moved = new long[2];
        Map<Manifest, Set<ChunkId>> needs = uploadChunks(store, key, images, held, moved, meter);
        for (Manifest m : needs.keySet()) {
            if (!held.contains(manifestName(m.image(), m.generation()))) {
                byte[] file = store.exportManifest(m.image(), m.generation());
                remote.put(manifestName(m.image(), m.generation()), file); // after its needs and chunks
                count(moved, meter, file.length);
            }
        }
        Map<String, Long> gens = new TreeMap<>();
        for (Manifest m : images) {
            gens.put(m.image(), m.generation());
        }
        Rest rest = new Rest(gens, from, System.currentTimeMillis(), record);
        byte[] r = sealer.seal(ParcelRecord.REST, JSON.writeValueAsBytes(rest));
        remote.put(restName(), r);
        count(moved, meter, r.length);
        return new Moved(moved[0], moved[1], rest);
    }

    /**
     * Uploads the chunks of {@code images} the remote lacks, and their needs lists: ahead of a {@link #push}
     * of later generations that share most of them (the disk while the anima still runs). The parcel does
     * not change: no manifest or rest record names them yet.
     */
    public Moved pushAhead(AnimaStore store, MasterKey key, List<Manifest> images, WorkMeter meter) throws IOException {
        long[] moved = new long[2];
        uploadChunks(store, key, images, remote.list(anima + "/").keySet(), moved, meter);
        return new Moved(moved[0], moved[1], null);
    }

    /**
     * Uploads the needs list of each of {@code images} not in {@code held}, then the chunks (and bases) the
     * pool lacks: a needs list first, so that while this parcel's lease is held a gc of the pool keeps what
     * it names (docs/parcel-format.md, "Collecting a pool"). Returns what each image needs.
     */
    private Map<Manifest, Set<ChunkId>> uploadChunks(AnimaStore store, MasterKey key, List<Manifest> images, Set<String> held,
            long[] moved, WorkMeter meter) throws IOException {
        String pool = pool(key);
        ParcelRecord sealer = new ParcelRecord(key, anima);
        Map<String, Long> readable = readable(pool);
        Set<ChunkId> send = new LinkedHashSet<>();
        Map<Manifest, Set<ChunkId>> needs = new LinkedHashMap<>();
        for (Manifest m : images) {
            Set<ChunkId> all = store.withBases(m.chunkIds());
            needs.put(m, all);
            if (!held.contains(manifestName(m.image(), m.generation()))) {
                byte[] n = sealer.seal(ParcelRecord.NEEDS, ids(all));
                remote.put(needsName(m.image(), m.generation()), n);
                count(moved, meter, n.length);
            }
            for (ChunkId id : all) {
                if (where(pool, id, readable) == null) {
                    send.add(id);
                }
            }
        }
        List<Runnable> uploads = new ArrayList<>();
        for (ChunkId id : send) {
            uploads.add(io(() -> {
                SealedChunk c = store.exportChunk(id);
                remote.put(c.bases().isEmpty() ? chunkName(pool, id) : deltaName(id), c.bytes());
                count(moved, meter, c.bytes().length);
            }));
        }
        run(uploads);
        return needs;
    }

    /**
     * Downloads into {@code store} what it lacks of the generations the rest record names, opening and
     * checking every chunk; the manifests are filed last. INTEGRITY_ERROR names the image whose object
     * failed.
     */
    public Moved pull(AnimaStore store, MasterKey key, WorkMeter meter) throws IOException {
        Rest rest = rest(key).orElseThrow(() -> new ZosException(ErrorCode.INVALID_STATE, "anima '" + anima + "' in remote '"
                + remote.name() + "' was never suspended there completely", "suspend it there with 'zos-vm suspend " + anima
                + " --to " + remote.name() + "'"));
        ParcelRecord sealer = new ParcelRecord(key, anima);
        String pool = pool(key);
        Map<String, Long> readable = readable(pool);
        long[] moved = new long[2];
        List<byte[]> manifests = new ArrayList<>();
        for (Map.Entry<String, Long> e : rest.images().entrySet()) {
            String image = e.getKey();
            long gen = e.getValue();
            byte[] file = need(manifestName(image, gen), "manifest of image '" + image + "'");
            Manifest m = store.readManifest(file);
            if (!m.image().equals(image) || m.generation() != gen) {
                throw new ZosException(ErrorCode.INTEGRITY_ERROR, "the manifest of image '" + image + "' of anima '" + anima
                        + "' in remote '" + remote.name() + "' is " + m.label() + ", not generation " + gen,
                        "the object store's copy was altered; resume from another copy");
            }
            List<ChunkId> all = ids(sealer.open(ParcelRecord.NEEDS, need(needsName(image, gen), "needed chunks of image '" + image + "'"),
                    "list of needed chunks of image '" + image + "'"));
            if (!all.containsAll(m.chunkIds())) {
                throw new ZosException(ErrorCode.INTEGRITY_ERROR, "the list of needed chunks of image '" + image + "' of anima '"
                        + anima + "' does not cover its manifest", "the parcel is damaged; suspend the anima to it again");
            }
            count(moved, meter, file.length);
            fetch(store, pool, readable, new ArrayList<>(store.missing(all)), image, moved, meter);
            manifests.add(file);
        }
        for (byte[] file : manifests) {
            store.importManifest(file);
        }
        return new Moved(moved[0], moved[1], rest);
    }

    /** Downloads {@code ids} in order, PARALLEL at a time, and imports them checked, in batches. */
    private void fetch(AnimaStore store, String pool, Map<String, Long> readable, List<ChunkId> ids, String image, long[] moved,
            WorkMeter meter)
            throws IOException {
        ExecutorService threads = Executors.newFixedThreadPool(PARALLEL, r -> {
            Thread t = new Thread(r, "parcel-fetch");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<byte[]>> window = new ArrayList<>();
            List<SealedChunk> batch = new ArrayList<>();
            long batchBytes = 0;
            int next = 0;
            for (int i = 0; i < ids.size(); i++) {
                while (next < ids.size() && next < i + 4 * PARALLEL) {
                    ChunkId id = ids.get(next++);
                    String name = readFrom(pool, id, readable);
                    window.add(threads.submit(() -> need(name, "chunk " + id.shortHex() + " of image '" + image + "'")));
                }
                byte[] bytes = await(window.get(i));
                window.set(i, null);
                batch.add(new SealedChunk(ids.get(i), bytes));
                batchBytes += bytes.length;
                count(moved, meter, bytes.length);
                if (batchBytes >= BATCH || i == ids.size() - 1) {
                    importChecked(store, batch, image);
                    batch.clear();
                    batchBytes = 0;
                }
            }
        } finally {
            threads.shutdownNow();
        }
    }

    private void importChecked(AnimaStore store, List<SealedChunk> batch, String image) throws IOException {
        try {
            store.importChunks(batch, true);
        } catch (ZosException e) {
            if (e.code() == ErrorCode.INTEGRITY_ERROR) {
                throw new ZosException(ErrorCode.INTEGRITY_ERROR, "image '" + image + "' of anima '" + anima + "' in remote '"
                        + remote.name() + "' is damaged: " + e.getMessage(), "the object store's copy was altered or cut short; "
                        + "nothing of it was kept here", e);
            }
            throw e;
        }
    }

    private byte[] need(String name, String what) throws IOException {
        return remote.get(name).orElseThrow(() -> new ZosException(ErrorCode.INTEGRITY_ERROR, "the " + what + " of anima '" + anima
                + "' is missing from remote '" + remote.name() + "' (" + name + ")",
                "the parcel is incomplete or was cut; 'zos-vm parcel check " + anima + " --remote " + remote.name() + "' tells what else"));
    }

    // ---- check, gc, erase -------------------------------------------------------------------------------

    /** What {@link #check} found: problems (empty if none), and what it looked at. */
    public record Checked(List<String> problems, long chunks, long bytesRead) {
    }

    /**
     * Checks that every object the rest record needs is there; with {@code data}, downloads every chunk and
     * opens it (bases too), so a tampered or truncated object is found.
     */
    public Checked check(MasterKey key, boolean data, WorkMeter meter) throws IOException {
        List<String> problems = new ArrayList<>();
        Optional<Rest> rest = rest(key);
        if (rest.isEmpty()) {
            return new Checked(List.of("no rest record: the anima was never suspended here completely"), 0, 0);
        }
        var keys = key.derive();
        ChunkSealer chunks = new ChunkSealer(keys);
        ManifestCodec codec = new ManifestCodec(anima, keys.manifestKey(), chunks.hasher());
        ParcelRecord sealer = new ParcelRecord(key, anima);
        String pool;
        try {
            pool = pool(key);
        } catch (ZosException x) {
            return new Checked(List.of(x.getMessage()), 0, 0);
        }
        Map<String, Long> held = readable(pool);
        Set<ChunkId> checked = new java.util.HashSet<>();
        Map<ChunkId, byte[]> opened = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<ChunkId, byte[]> e) {
                return size() > 64;
            }
        };
        long read = 0;
        for (Map.Entry<String, Long> e : rest.get().images().entrySet()) {
            String image = e.getKey();
            long gen = e.getValue();
            List<ChunkId> all;
            try {
                Manifest m = codec.decode(need(manifestName(image, gen), "manifest of image '" + image + "'"), image, gen);
                all = ids(sealer.open(ParcelRecord.NEEDS, need(needsName(image, gen), "needed chunks of image '" + image + "'"),
                        "list of needed chunks of image '" + image + "'"));
                if (!all.containsAll(m.chunkIds())) {
                    problems.add("image '" + image + "': its list of needed chunks does not cover its manifest");
                }
            } catch (ZosException x) {
                problems.add("image '" + image + "': " + x.getMessage());
                continue;
            }
            for (ChunkId id : all) {
                if (!checked.add(id)) {
                    continue;
                }
                String at = where(pool, id, held);
                if (at == null) {
                    problems.add("image '" + image + "': chunk " + id.shortHex() + " is missing");
                } else if (data) {
                    try {
                        read += open(chunks, pool, held, id, opened, image);
                    } catch (ZosException x) {
                        problems.add("image '" + image + "': " + x.getMessage());
                    }
                    meter.add(held.get(at));
                }
            }
        }
        return new Checked(problems, checked.size(), read);
    }

    private long open(ChunkSealer chunks, String pool, Map<String, Long> held, ChunkId id, Map<ChunkId, byte[]> opened, String image)
            throws IOException {
        byte[] bytes = need(readFrom(pool, id, held), "chunk " + id.shortHex() + " of image '" + image + "'");
        SealedChunk c = new SealedChunk(id, bytes);
        byte[] plain = chunks.open(c, "remote '" + remote.name() + "'", base -> {
            byte[] p = opened.get(base);
            if (p == null) {
                try {
                    open(chunks, pool, held, base, opened, image);
                } catch (IOException x) {
                    throw new java.io.UncheckedIOException(x);
                }
                p = opened.get(base);
            }
            return p;
        });
        opened.put(id, plain);
        return bytes.length;
    }

    /** What {@link #gc} removed, and the animas whose parcels share the pool it collected. */
    public record Collected(long objects, long bytes, List<String> animas) {
    }

    /**
     * Deletes every object of the pool of {@code key} that no parcel of the pool needs, and every object of
     * those parcels their rest records do not need (older generations, cut pushes). A generation above the
     * rest record's is a push under way while its parcel's lease is held, and is kept with what it needs;
     * without a lease it is a cut push, and goes. The pool's chunks are listed before any list of needs is
     * read, so a chunk uploaded meanwhile is not deleted.
     */
    public Collected gc(MasterKey key) throws IOException {
        rest(key).orElseThrow(() -> new ZosException(ErrorCode.INVALID_STATE, "anima '" + anima + "' in remote '"
                + remote.name() + "' has no rest record", "nothing is collected before a complete suspend"));
        String pool = pool(key);
        Map<String, Long> pooled = remote.list(chunks(pool));
        Set<String> keep = new java.util.HashSet<>();
        Map<String, Long> drop = new TreeMap<>();
        List<String> animas = new ArrayList<>();
        for (Parcel p : members(remote, pool)) {
            if (!p.exists()) { // erased: its key went first
                drop.put(members(pool) + p.anima, 0L);
                continue;
            }
            animas.add(p.anima);
            p.collect(key, keep, drop);
        }
        for (Map.Entry<String, Long> c : pooled.entrySet()) {
            if (!keep.contains(c.getKey())) {
                drop.put(c.getKey(), c.getValue());
            }
        }
        deleteAll(drop.keySet());
        return new Collected(drop.size(), drop.values().stream().mapToLong(Long::longValue).sum(), animas);
    }

    /**
     * Adds to {@code keep} the pool's chunks this parcel needs, and to {@code drop} its own objects (records,
     * manifests, delta chunks) it does not; reads every list of needs it keeps, so a damaged one stops the gc before anything is deleted.
     */
    private void collect(MasterKey key, Set<String> keep, Map<String, Long> drop) throws IOException {
        String pool = pool(key);
        Map<String, Long> gens = rest(key).map(Rest::images).orElse(Map.of());
        boolean leased = remote.get(leaseName()).isPresent();
        ParcelRecord sealer = new ParcelRecord(key, anima);
        Set<String> own = new java.util.HashSet<>(List.of(keyName(), restName(), leaseName(), poolName()));
        Map<String, Long> objects = remote.list(anima + "/");
        for (String o : objects.keySet()) {
            String[] part = o.substring(anima.length() + 1).split("/");
            if (part.length != 3 || !(part[0].equals("m") || part[0].equals("n"))) {
                continue;
            }
            long gen;
            try {
                gen = Long.parseLong(part[2]);
            } catch (NumberFormatException e) {
                continue;
            }
            Long resting = gens.get(part[1]);
            boolean live = resting != null && gen == resting || leased && (resting == null || gen > resting);
            if (live && part[0].equals("n")) {
                own.add(o);
                for (ChunkId id : ids(sealer.open(ParcelRecord.NEEDS, need(o, "needed chunks of image '" + part[1] + "'"),
                        "list of needed chunks of image '" + part[1] + "'"))) {
                    keep.add(chunkName(pool, id));
                    own.add(deltaName(id));
                }
            } else if (live) {
                own.add(o);
            }
        }
        for (Map.Entry<String, Long> o : objects.entrySet()) {
            if (!own.contains(o.getKey())) {
                drop.put(o.getKey(), o.getValue());
            }
        }
    }

    /** What {@link #erase} deleted, and the chunks it left to the other parcels of the pool. */
    public record Erased(long objects, long shared, List<String> sharedWith) {
    }

    /**
     * Deletes the whole parcel, its key first: from then on what may be left (a delete that failed) cannot
     * be opened by anyone without that key. The pool goes with it when no other parcel uses it; otherwise
     * its chunks stay for those parcels, and a gc of one of them deletes what only this one needed.
     */
    public Erased erase() throws IOException {
        Optional<String> pool = remote.get(poolName()).map(b -> new String(b, StandardCharsets.US_ASCII))
                .filter(t -> t.matches("[0-9a-f]{32}"));
        remote.delete(keyName());
        Map<String, Long> all = remote.list(anima + "/");
        deleteAll(all.keySet());
        long objects = all.size();
        if (pool.isEmpty()) {
            return new Erased(objects, 0, List.of());
        }
        String tag = pool.get();
        remote.delete(members(tag) + anima);
        List<String> others = new ArrayList<>();
        for (Parcel p : members(remote, tag)) {
            if (p.exists()) {
                others.add(p.anima);
            }
        }
        if (!others.isEmpty()) {
            return new Erased(objects, remote.list(chunks(tag)).size(), others);
        }
        Map<String, Long> left = remote.list(POOLS + tag + "/");
        deleteAll(left.keySet());
        return new Erased(objects + left.size(), 0, List.of());
    }

    // ---- helpers ----------------------------------------------------------------------------------------

    /** The parcels the member objects of {@code pool} name, erased ones included (their key is gone). */
    private static List<Parcel> members(Remote remote, String pool) throws IOException {
        List<Parcel> out = new ArrayList<>();
        for (String member : remote.list(members(pool)).keySet()) {
            out.add(new Parcel(remote, member.substring(members(pool).length())));
        }
        return out;
    }

    /** Deletes {@code names}, {@link #PARALLEL} at a time. */
    private void deleteAll(java.util.Collection<String> names) throws IOException {
        List<Runnable> deletes = new ArrayList<>();
        for (String k : names) {
            deletes.add(io(() -> remote.delete(k)));
        }
        run(deletes);
    }

    private static byte[] ids(Set<ChunkId> ids) {
        ByteBuffer b = ByteBuffer.allocate(ids.size() * ChunkId.LENGTH);
        for (ChunkId id : ids) {
            b.put(id.bytes());
        }
        return b.array();
    }

    private static List<ChunkId> ids(byte[] body) {
        List<ChunkId> out = new ArrayList<>(body.length / ChunkId.LENGTH);
        for (int at = 0; at + ChunkId.LENGTH <= body.length; at += ChunkId.LENGTH) {
            out.add(ChunkId.read(body, at));
        }
        return out;
    }

    private static synchronized void count(long[] moved, WorkMeter meter, long bytes) {
        moved[0]++;
        moved[1] += bytes;
        meter.add(bytes);
    }

    private interface Io {
        void run() throws IOException;
    }

    private static Runnable io(Io body) {
        return () -> {
            try {
                body.run();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
    }

    /** Runs the tasks PARALLEL at a time; the first failure is thrown once all have stopped. */
    private static void run(List<Runnable> tasks) throws IOException {
        if (tasks.isEmpty()) {
            return;
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(PARALLEL, tasks.size()), r -> {
            Thread t = new Thread(r, "parcel-io");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> done = new ArrayList<>();
            for (Runnable t : tasks) {
                done.add(pool.submit(t));
            }
            Exception first = null;
            for (Future<?> f : done) {
                try {
                    await(f);
                } catch (IOException | RuntimeException e) {
                    if (first == null) {
                        first = e;
                        // The tasks not started yet never start. Those running are not interrupted: an interrupt
                        // in FileChannel I/O closes the channel, and the store's pack files with it.
                        for (Future<?> other : done) {
                            other.cancel(false);
                        }
                    }
                }
            }
            if (first instanceof IOException e) {
                throw e;
            }
            if (first != null) {
                throw (RuntimeException) first;
            }
        } finally {
            pool.shutdown();
            awaitStopped(pool); // a cancelled future ends at once; its task, if it was running, ends here
        }
    }

    private static void awaitStopped(ExecutorService pool) {
        try {
            while (!pool.awaitTermination(1, java.util.concurrent.TimeUnit.MINUTES)) {
                // each task is one object, bounded by the remote's timeout and tries
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static <T> T await(Future<T> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ZosException(ErrorCode.CANCELLED, "interrupted", "");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof java.io.UncheckedIOException u) {
                throw u.getCause();
            }
            if (c instanceof IOException io) {
                throw io;
            }
            if (c instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(c);
        } catch (java.util.concurrent.CancellationException e) {
            throw new ZosException(ErrorCode.CANCELLED, "cancelled after an earlier failure", "");
        }
    }
}
