package org.zos.agent.move;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.logging.Logger;
import org.zos.agent.anima.AnimaManager;
import org.zos.agent.anima.AnimaPaths;
import org.zos.agent.anima.AnimaRecord;
import org.zos.agent.anima.DiskSpace;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.protocol.message.ChunksWanted;
import org.zos.protocol.message.ImageOffer;
import org.zos.protocol.message.ImageReceived;
import org.zos.protocol.message.ImageSent;
import org.zos.protocol.message.Message;
import org.zos.protocol.message.MoveAbort;
import org.zos.protocol.message.MoveCommit;
import org.zos.protocol.message.MoveDone;
import org.zos.protocol.message.MoveGo;
import org.zos.protocol.message.MoveQuery;
import org.zos.protocol.message.MoveOffer;
import org.zos.protocol.message.MoveReady;
import org.zos.protocol.message.Progress;
import org.zos.protocol.net.Responder;
import org.zos.store.AnimaStore;
import org.zos.store.Store;
import org.zos.store.chunk.ChunkId;
import org.zos.store.chunk.SealedChunk;
import org.zos.store.crypto.MasterKey;
import org.zos.store.manifest.Manifest;

/**
 * The receiving side of moves: takes an anima that comes to visit, or comes home, chunk by chunk into this
 * host's store, and runs it once the sender commits. Until {@link MoveDone} the sender keeps its own
 * resumable copy; a move that fails or is aborted here leaves no running copy and, for a visitor, nothing
 * readable (its files are overwritten and deleted, its store crypto-erased).
 */
public final class MoveReceiver {
    private static final Logger LOG = Logger.getLogger(MoveReceiver.class.getName());
    private static final long IMAGE_WAIT_MILLIS = 120_000;
    private static final Object END = new Object();
    /** How long an anima restored paused waits for its go before its receiver asks the sender. */
    private static final long ASK_NANOS = 15_000_000_000L;

    private final Moves moves;
    private final Map<Long, Incoming> incoming = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();

    MoveReceiver(Moves moves) {
        this.moves = moves;
    }

    /** One move being received. */
    private static final class Incoming {
        final long id;
        final String from;
        final String anima;
        /** {@link MoveOffer#VISIT} or {@link MoveOffer#HOME}. */
        final String purpose;
        final AnimaManager.Held held;
        final AnimaStore store;
        final String user;
        /** When a request or data frame of this move last came (nanoTime), or it last asked the sender. */
        volatile long lastHeard = System.nanoTime();
        /** Requests of this move being answered now: it is not idle meanwhile. */
        final AtomicLong busy = new AtomicLong();
        /** Restored paused, awaiting the sender's go. */
        volatile boolean restored;
        /** How the move ended here: "running" or "dropped" (set under the Incoming's monitor); null while under way. */
        volatile String ended;
        final Map<String, Manifest> filed = new HashMap<>();
        /** Images written out ahead (to {@code <target>.incoming}) while the move goes on, and which generation each holds. */
        final Map<String, java.util.concurrent.Future<Manifest>> ahead = new HashMap<>();
        volatile Import current;
        /** The parts of an image offer that came so far. */
        final OfferParts.Assembly offer = new OfferParts.Assembly();

        Incoming(long id, String from, String user, String anima, String purpose, AnimaManager.Held held, AnimaStore store) {
            this.id = id;
            this.from = from;
            this.user = user;
            this.anima = anima;
            this.purpose = purpose;
            this.held = held;
            this.store = store;
        }

        boolean visitor() {
            return purpose.equals(MoveOffer.VISIT);
        }

        void heard() {
            lastHeard = System.nanoTime();
        }
    }

    /** The chunks of one offered image, imported on a thread of their own as the data frames come. */
    private static final class Import implements Iterable<SealedChunk> {
        final byte[] file;
        final Manifest manifest;
        final int wanted;
        final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(16);
        final AtomicLong received = new AtomicLong();
        volatile int added;
        volatile Exception failure;
        Thread thread;

        Import(byte[] file, Manifest manifest, int wanted) {
            this.file = file;
            this.manifest = manifest;
            this.wanted = wanted;
        }

        @Override
        public Iterator<SealedChunk> iterator() {
            return new Iterator<>() {
                Object next;

                @Override
                public boolean hasNext() {
                    if (next == null) {
                        try {
                            next = queue.take();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            next = END;
                        }
                    }
                    return next != END;
                }

                @Override
                public SealedChunk next() {
                    if (!hasNext()) {
                        throw new NoSuchElementException();
                    }
                    SealedChunk c = (SealedChunk) next;
                    next = null;
                    return c;
                }
            };
        }
    }

    /** Whether a move of {@code anima} is being received here now. */
    boolean receiving(String anima) {
        return incoming.values().stream().anyMatch(in -> in.anima.equals(anima) && in.ended == null);
    }

    public Message answer(Responder.Caller caller, Message m, Consumer<Progress> progress) throws Exception {
        if (m instanceof MoveOffer o) {
            return offer(caller, o);
        }
        if (m instanceof ImageOffer o) {
            return image(get(caller, o.transfer()), o);
        }
        if (m instanceof ImageSent s) {
            return sent(get(caller, s.transfer()), s);
        }
        if (m instanceof MoveCommit c) {
            Incoming in = get(caller, c.transfer());
            in.busy.incrementAndGet();
            try {
                return commit(in, c, progress);
            } finally {
                in.busy.decrementAndGet();
                in.heard();
            }
        }
        if (m instanceof MoveGo g) {
            return go(caller, g);
        }
        if (m instanceof MoveAbort a) {
            Incoming in = incoming.get(a.transfer());
            if (in != null && in.from.equals(caller.host().name())) {
                LOG.warning("move " + a.transfer() + " of " + in.anima + " aborted by " + in.from + ": " + a.why());
                drop(in);
            }
            return new MoveDone(a.transfer(), "aborted", "");
        }
        throw new IllegalArgumentException(m.getClass().getSimpleName());
    }

    /** The sender decided: run the anima restored paused. Asked again for a move done already, says so. */
    private MoveDone go(Responder.Caller caller, MoveGo g) throws IOException {
        Incoming in = incoming.get(g.transfer());
        if (in == null || !in.from.equals(caller.host().name())) {
            if (settledHere(g.anima(), caller.host().name())) { // the answer to an earlier go was lost
                return new MoveDone(g.transfer(), "running", "");
            }
            throw new ZosException(ErrorCode.ANIMA_NOT_FOUND, "no move " + g.transfer() + " of anima '" + g.anima() + "' from "
                    + caller.host().name() + " is restored here", "its sender keeps or takes back its copy");
        }
        return run(in);
    }

    /** Whether anima {@code name}, moved here from {@code from}, runs here now as the result of that move. */
    private boolean settledHere(String name, String from) {
        return moves.registry().find(name).filter(r -> r.away() == null && (from.equals(r.home()) || r.home() == null))
                .isPresent() && moves.hypervisor().state(name) == org.zos.agent.hypervisor.DomainState.RUNNING;
    }

    private MoveDone run(Incoming in) throws IOException {
        synchronized (in) {
            return runOnce(in);
        }
    }

    private MoveDone runOnce(Incoming in) throws IOException {
        if ("running".equals(in.ended)) {
            return new MoveDone(in.id, "running", "");
        }
        if (in.ended != null) {
            throw new ZosException(ErrorCode.ANIMA_NOT_FOUND, "move " + in.id + " of anima '" + in.anima + "' was dropped here", "");
        }
        if (!in.restored) {
            throw new ZosException(ErrorCode.PROTOCOL_ERROR, "go for move " + in.id + " before its commit", "");
        }
        moves.faults().at("receiver.go");
        try {
            in.held.run();
        } catch (IOException | RuntimeException e) {
            LOG.warning("anima " + in.anima + " restored from " + in.from + " does not run: " + e.getMessage());
            drop(in);
            throw new ZosException(ErrorCode.INTEGRITY_ERROR, "anima '" + in.anima + "' could not run here after its restore: "
                    + e.getMessage(), "");
        }
        MoveJournal.delete(moves.stateDir(), in.anima);
        in.ended = "running";
        finish(in);
        LOG.info("anima " + in.anima + " runs here now (from " + in.from + ")");
        return new MoveDone(in.id, "running", "");
    }

    private void finish(Incoming in) {
        incoming.remove(in.id);
        in.held.close();
        if (in.store != null) {
            try {
                in.store.close();
            } catch (IOException e) {
                LOG.fine("closing store: " + e);
            }
        }
    }

    private MoveReady offer(Responder.Caller caller, MoveOffer o) throws IOException {
        long t0 = System.nanoTime();
        long cpuMillis = 0;
        String from = caller.host().name();
        AnimaManager manager = moves.manager();
        boolean visit = o.purpose().equals(MoveOffer.VISIT);
        if (!visit && !o.purpose().equals(MoveOffer.HOME)) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "unknown move purpose '" + o.purpose() + "'", "upgrade zos");
        }
        for (Incoming stale : incoming.values()) {
            if (stale.anima.equals(o.anima()) && stale.from.equals(from)) { // its connection broke; this one goes on
                LOG.warning("move " + stale.id + " of " + o.anima() + " is replaced by a new offer from " + from);
                drop(stale);
            }
        }
        AnimaManager.Held held;
        AnimaStore store;
        if (visit) {
            moves.hypervisor().checkCpu(o.domainXml());
            cpuMillis = (System.nanoTime() - t0) / 1_000_000;
            DiskSpace.require(moves.stateDir(), o.bytes() + (256L << 20), "anima '" + o.anima() + "' from " + from);
            Store s = moves.store();
            if (s.retire(o.anima())) { // left by a visit that ended badly; what it sealed may count again
                LOG.warning("retired a stale store of " + o.anima() + " before it visits again");
            }
            held = manager.adopt(new AnimaRecord(AnimaRecord.FORMAT, o.anima(), UUID.fromString(o.uuid()), o.memoryMiB(),
                    o.vcpus(), o.diskSizeMiB(), o.guestKey(), o.kernelPackage(), o.accelerator(), Instant.now(), false,
                    null, 0, null, o.home(), null));
            try {
                byte[] key = Base64.getDecoder().decode(o.key());
                store = s.create(o.anima(), MasterKey.of(key), Base64.getDecoder().decode(o.kek()));
                java.util.Arrays.fill(key, (byte) 0);
                moves.rememberVisitKek(o.anima(), Base64.getDecoder().decode(o.kek()));
            } catch (IOException | RuntimeException e) {
                held.forget(new long[0]);
                held.close();
                throw e;
            }
        } else {
            held = manager.hold(o.anima());
            if (!from.equals(held.record().away())) {
                held.close();
                throw new ZosException(ErrorCode.DENIED, "anima '" + o.anima() + "' is not away on " + from,
                        "only the host it visits can send it home");
            }
            store = moves.store().open(o.anima(), moves.hostKek());
        }
        long id = random.nextLong() & Long.MAX_VALUE;
        try {
            MoveJournal.receiving(o.anima(), from, caller.user(), id, o.purpose()).save(moves.stateDir());
        } catch (RuntimeException e) {
            drop(new Incoming(id, from, caller.user(), o.anima(), o.purpose(), held, store));
            throw e;
        }
        incoming.put(id, new Incoming(id, from, caller.user(), o.anima(), o.purpose(), held, store));
        LOG.info("receiving anima " + o.anima() + " from " + from + " (" + o.purpose() + "), transfer " + id + "; checked and "
                + "made ready in " + (System.nanoTime() - t0) / 1_000_000 + " ms (CPU " + cpuMillis + " ms)");
        return new MoveReady(id);
    }

    private Incoming get(Responder.Caller caller, long transfer) {
        Incoming in = incoming.get(transfer);
        if (in == null || !in.from.equals(caller.host().name())) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "no move " + transfer + " from " + caller.host().name() + " here",
                    "start the move again");
        }
        in.heard();
        return in;
    }

    private ChunksWanted image(Incoming in, ImageOffer o) throws IOException {
        if (in.current != null) {
            throw new ZosException(ErrorCode.PROTOCOL_ERROR, "an image is offered before the last one was sent", "");
        }
        OfferParts.Whole whole = in.offer.add(o);
        if (whole == null) {
            return new ChunksWanted(in.id, "", 0); // go on with the next part
        }
        moves.faults().at("receiver.image");
        byte[] file = whole.manifest();
        Manifest m = in.store.readManifest(file);
        List<ChunkId> all = new ArrayList<>(m.chunkIds());
        all.addAll(ChunkFrames.ids(whole.bases()));
        Set<ChunkId> missing = in.store.missing(all);
        BitSet bits = new BitSet(all.size());
        for (int i = 0; i < all.size(); i++) {
            if (missing.contains(all.get(i))) {
                bits.set(i);
            }
        }
        Import imp = new Import(file, m, bits.cardinality());
        imp.thread = new Thread(() -> {
            try {
                imp.added = in.store.importChunks(imp, true);
            } catch (Exception e) {
                imp.failure = e;
                imp.queue.clear();
            }
        }, "zos-import-" + in.anima);
        imp.thread.setDaemon(true);
        imp.thread.start();
        in.current = imp;
        return new ChunksWanted(in.id, ChunkFrames.bitmap(bits, all.size()), bits.cardinality());
    }

    /** A data frame of a move: one sealed chunk for the image offered last. Blocks while the import is behind. */
    public void accept(Responder.Caller caller, ByteBuf payload) throws InterruptedException {
        Incoming in = get(caller, ChunkFrames.transfer(payload));
        Import imp = in.current;
        if (imp == null) {
            throw new ZosException(ErrorCode.PROTOCOL_ERROR, "a chunk came before its image was offered", "");
        }
        if (imp.failure != null) {
            throw new ZosException(ErrorCode.INTEGRITY_ERROR, "a chunk was refused: " + imp.failure.getMessage(), "");
        }
        moves.faults().at("receiver.chunk");
        SealedChunk chunk = ChunkFrames.decode(payload);
        while (!imp.queue.offer(chunk, 100, java.util.concurrent.TimeUnit.MILLISECONDS)) {
            if (in.ended != null || imp.failure != null) {
                throw new ZosException(ErrorCode.INVALID_STATE, "move " + in.id + " of " + in.anima + " is over", "");
            }
        }
        imp.received.incrementAndGet();
    }

    private ImageReceived sent(Incoming in, ImageSent s) throws Exception {
        Import imp = in.current;
        if (imp == null) {
            throw new ZosException(ErrorCode.PROTOCOL_ERROR, "image-sent without an image offered", "");
        }
        long deadline = System.currentTimeMillis() + IMAGE_WAIT_MILLIS;
        while (imp.received.get() < s.chunks() && imp.failure == null) {
            if (System.currentTimeMillis() > deadline) {
                throw new ZosException(ErrorCode.HOST_UNREACHABLE, "only " + imp.received.get() + " of " + s.chunks()
                        + " chunks of " + s.image() + " arrived", "send the image again");
            }
            Thread.sleep(5);
        }
        imp.queue.put(END);
        imp.thread.join();
        in.current = null;
        if (imp.failure != null) {
            throw imp.failure instanceof ZosException z ? z : new ZosException(ErrorCode.INTEGRITY_ERROR,
                    "storing the chunks of " + s.image() + " failed: " + imp.failure, "");
        }
        Set<ChunkId> still = in.store.missing(imp.manifest);
        if (!still.isEmpty()) {
            throw new ZosException(ErrorCode.INTEGRITY_ERROR, still.size() + " chunks of " + imp.manifest.label()
                    + " did not arrive", "send the image again");
        }
        Manifest m = in.store.importManifest(imp.file);
        in.filed.put(m.image(), m);
        if (!m.image().startsWith("memory") && !in.ahead.containsKey(m.image())) {
            writeAhead(in, m);
        }
        return new ImageReceived(in.id, m.image(), m.generation(), imp.added);
    }

    private static Map<String, Path> targets(AnimaPaths paths) {
        return Map.of("kernel", paths.kernel(), "initrd", paths.initrd(), "disk", paths.disk(), "memory", paths.state(),
                "memory-refs", refs(paths));
    }

    private static Path refs(AnimaPaths paths) {
        return paths.state().resolveSibling(paths.state().getFileName() + ".refs");
    }

    private static Path rest(AnimaPaths paths) {
        return paths.state().resolveSibling(paths.state().getFileName() + ".rest");
    }

    private static Path incoming(Path target) {
        return target.resolveSibling(target.getFileName() + ".incoming");
    }

    /**
     * Writes an image out while the move goes on (the disk is sent ahead while the anima still runs), so
     * the commit, which the anima waits for, only writes the chunks that changed since.
     */
    private void writeAhead(Incoming in, Manifest m) {
        Path target = targets(in.held.paths()).get(m.image());
        if (target == null) {
            return;
        }
        java.util.concurrent.FutureTask<Manifest> task = new java.util.concurrent.FutureTask<>(() -> {
            in.store.materialize(m, incoming(target), new org.zos.store.WorkMeter());
            return m;
        });
        in.ahead.put(m.image(), task);
        Thread t = new Thread(task, "zos-ahead-" + m.image());
        t.setDaemon(true);
        t.start();
    }

    private MoveDone commit(Incoming in, MoveCommit c, Consumer<Progress> progress) throws Exception {
        AnimaPaths paths = in.held.paths();
        Map<String, Path> targets = new HashMap<>(targets(paths));
        boolean split = c.images().containsKey("memory-refs");
        if (split) {
            targets.put("memory", rest(paths)); // the save image without the pages its disk holds
        }
        List<String> images = split ? List.of("kernel", "initrd", "disk", "memory", "memory-refs")
                : List.of("kernel", "initrd", "disk", "memory");
        try {
            for (String image : images) {
                Manifest m = in.filed.get(image);
                Long gen = c.images().get(image);
                if (m == null || gen == null || m.generation() != gen) {
                    throw new ZosException(ErrorCode.PROTOCOL_ERROR, "the commit names " + image + "@" + gen
                            + " but this host received " + (m == null ? "none" : m.label()), "");
                }
                Path target = targets.get(image);
                long t0 = System.nanoTime();
                try (Meter meter = Meter.report("writing " + image, progress)) {
                    java.util.concurrent.Future<Manifest> ahead = in.ahead.remove(image);
                    Manifest written = null;
                    if (ahead != null) {
                        try {
                            written = ahead.get();
                        } catch (java.util.concurrent.ExecutionException e) {
                            LOG.warning("writing " + image + " ahead failed; writing it whole: " + e.getCause());
                        }
                    }
                    if (written == null) {
                        Files.deleteIfExists(target);
                        // The memory image is restored at once and deleted: no need to sync it.
                        in.store.materialize(m, target, meter.work(), !image.startsWith("memory"));
                    } else {
                        if (written.generation() != m.generation()) {
                            in.store.update(written, m, incoming(target), meter.work());
                        }
                        org.zos.store.Durable.commit(incoming(target), target);
                    }
                }
                LOG.info("commit of " + in.anima + ": " + image + " written in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
            }
            if (split) {
                long t0 = System.nanoTime();
                try (Meter meter = Meter.report("putting memory back together", progress)) {
                    // Not synced: it is restored at once and then deleted; if this host fails first, the
                    // sender still holds its copy.
                    MemoryImage.join(rest(paths), refs(paths), paths.disk(), paths.state(), c.stateSha256(), false);
                    LOG.info("commit of " + in.anima + ": memory joined in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
                } finally {
                    AnimaManager.scrubLater(rest(paths));
                    Files.deleteIfExists(refs(paths));
                }
            }
            // Every chunk of the memory image was checked as it was written out (and a joined image against
            // the sender's digest): no second digest pass.
            progress.accept(new Progress("restoring", 0, 0, 0));
            long tr = System.nanoTime();
            in.held.restorePaused(c.stateSha256(), Files.size(paths.state()));
            moves.faults().at("receiver.restored");
            if (in.held.state() != org.zos.agent.hypervisor.DomainState.PAUSED) {
                throw new ZosException(ErrorCode.INTERNAL, "anima '" + in.anima + "' is " + in.held.state().name().toLowerCase()
                        + " right after its restore", "see /var/log/libvirt/qemu/" + in.anima + ".log on " + moves.host());
            }
            MoveJournal.read(moves.stateDir(), in.anima).orElseThrow().in(MoveJournal.RESTORED).save(moves.stateDir());
            in.restored = true;
            LOG.info("commit of " + in.anima + ": restored (paused) in " + (System.nanoTime() - tr) / 1_000_000 + " ms");
        } catch (Exception e) {
            LOG.warning("move " + in.id + " of " + in.anima + " failed here: " + e.getMessage());
            drop(in);
            if (e instanceof IOException && String.valueOf(e.getMessage()).contains("No space left on device")) {
                throw new ZosException(ErrorCode.NO_SPACE, moves.host() + " ran out of disk space while writing anima '"
                        + in.anima + "' (" + e.getMessage() + ")", "free space on " + moves.host() + " and try again");
            }
            throw e;
        }
        return new MoveDone(in.id, "paused", "");
    }

    /**
     * Drops a move: a visitor leaves nothing readable behind (its files are overwritten and deleted, its
     * key destroyed); an anima coming home stays away as it was.
     */
    private void drop(Incoming in) {
        synchronized (in) {
            if (in.ended == null) {
                in.ended = "dropped";
                dropOnce(in);
            }
        }
    }

    private void dropOnce(Incoming in) {
        incoming.remove(in.id);
        Import imp = in.current;
        if (imp != null) { // ends the import of the image being sent: it holds the store's lock
            in.current = null;
            while (imp.thread.isAlive()) {
                imp.queue.clear();
                imp.queue.offer(END);
                try {
                    imp.thread.join(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        for (java.util.concurrent.Future<Manifest> f : in.ahead.values()) {
            try {
                f.get(); // let a write ahead finish, so what it wrote is overwritten below
            } catch (Exception e) {
                LOG.fine("write ahead: " + e);
            }
        }
        try {
            if (in.store != null) {
                in.store.close();
            }
            if (in.visitor()) {
                in.held.forget(written(in.filed.get("disk")));
                moves.store().retire(in.anima); // sealed chunks stay, unreadable, so trying again sends less
                moves.forgetVisitKek(in.anima);
            } else {
                in.held.stayAway(in.from);
            }
            MoveJournal.delete(moves.stateDir(), in.anima);
        } catch (IOException | RuntimeException e) {
            LOG.warning("cleaning up move " + in.id + ": " + e);
        } finally {
            in.held.close();
        }
    }

    /**
     * After an agent restart, takes up what its move journal says it was receiving: a move not yet
     * restored is dropped; an anima restored paused waits for its sender's word, as before the restart.
     */
    void recover(MoveJournal j) {
        AnimaManager.Held held;
        try {
            held = moves.manager().hold(j.anima());
        } catch (RuntimeException e) {
            LOG.warning("recovering the move of " + j.anima() + " from " + j.peer() + ": " + e.getMessage() + "; journal dropped");
            MoveJournal.delete(moves.stateDir(), j.anima());
            return;
        }
        Incoming in = new Incoming(j.transfer(), j.peer(), j.user(), j.anima(), j.purpose(), held, null);
        if (j.phase().equals(MoveJournal.RESTORED)) {
            in.restored = true;
            in.lastHeard = 0; // ask the sender at once
            incoming.put(in.id, in);
            LOG.warning("anima " + j.anima() + " from " + j.peer() + " was restored here, awaiting its sender's go; asking it");
        } else {
            LOG.warning("the move of " + j.anima() + " from " + j.peer() + " broke off (this agent restarted); dropping it");
            drop(in);
        }
    }

    /**
     * Looks after moves whose sender fell silent: one not yet restored is dropped after
     * {@link MoveSender#ABANDON}; for an anima restored paused, the sender is asked what it decided.
     */
    void watch() {
        for (Incoming in : incoming.values()) {
            long idle = System.nanoTime() - in.lastHeard;
            if (in.busy.get() > 0) {
                continue;
            }
            if (!in.restored && idle > MoveSender.ABANDON.toNanos() + 30_000_000_000L) {
                LOG.warning("move " + in.id + " of " + in.anima + ": " + in.from + " said nothing for " + idle / 1_000_000_000L
                        + " s; dropping it");
                drop(in);
            } else if (in.restored && idle > ASK_NANOS) {
                in.heard();
                String decision;
                try (org.zos.protocol.net.Peer p = moves.dial(in.from, in.user)) {
                    decision = ((MoveDone) p.request(new MoveQuery(in.id, in.anima), java.time.Duration.ofSeconds(15))).state();
                } catch (ZosException e) {
                    LOG.info("asking " + in.from + " about move " + in.id + " of " + in.anima + ": " + e.getMessage());
                    continue;
                }
                LOG.warning("move " + in.id + " of " + in.anima + ": " + in.from + " says " + decision);
                try {
                    if (decision.equals("committed")) {
                        run(in);
                    } else if (decision.equals("aborted")) {
                        drop(in);
                    }
                } catch (IOException | RuntimeException e) {
                    LOG.warning("move " + in.id + " of " + in.anima + ": " + e.getMessage());
                }
            }
        }
    }

    /** The byte ranges of a disk image that hold data (offset, length pairs), from its manifest. */
    static long[] written(Manifest disk) {
        if (disk == null) {
            return null;
        }
        List<Long> r = new ArrayList<>();
        long off = 0;
        for (var e : disk.entries()) {
            if (!e.isZero()) {
                int n = r.size();
                if (n >= 2 && r.get(n - 2) + r.get(n - 1) == off) {
                    r.set(n - 1, r.get(n - 1) + e.length());
                } else {
                    r.add(off);
                    r.add((long) e.length());
                }
            }
            off += e.length();
        }
        return r.stream().mapToLong(Long::longValue).toArray();
    }
}
