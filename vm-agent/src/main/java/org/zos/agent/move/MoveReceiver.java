package org.zos.agent.move;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.logging.Logger;
import org.zos.agent.anima.AnimaManager;
import org.zos.agent.anima.AnimaRecord;
import org.zos.agent.anima.DiskSpace;
import org.zos.agent.hypervisor.DomainState;
import org.zos.agent.move.MoveProtocol.ReceivePhase;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.protocol.message.ChunksWanted;
import org.zos.protocol.message.ImageOffer;
import org.zos.protocol.message.ImageReceived;
import org.zos.protocol.message.ImageSent;
import org.zos.protocol.message.LiveOpen;
import org.zos.protocol.message.LivePatch;
import org.zos.protocol.message.LivePrepare;
import org.zos.protocol.message.LivePrepared;
import org.zos.protocol.message.Message;
import org.zos.protocol.message.MoveAbort;
import org.zos.protocol.message.MoveCommit;
import org.zos.protocol.message.MoveDone;
import org.zos.protocol.message.MoveGo;
import org.zos.protocol.message.MoveOffer;
import org.zos.protocol.message.MoveQuery;
import org.zos.protocol.message.MoveReady;
import org.zos.protocol.message.Progress;
import org.zos.protocol.net.Responder;
import org.zos.store.AnimaStore;
import org.zos.store.Store;
import org.zos.store.chunk.ChunkId;
import org.zos.store.crypto.MasterKey;
import org.zos.store.manifest.Manifest;

/**
 * The receiving side of moves: takes an anima that comes to visit, or comes home, chunk by chunk into this
 * host's store, and runs it once the sender decided. Each move is an {@link Incoming} in a
 * {@link ReceivePhase}; every request is first checked against the phase's table
 * ({@link MoveProtocol#require}). Until the sender decides, the sender keeps its own resumable copy; a
 * move that fails or is aborted here leaves no running copy and, for a visitor, nothing readable (its
 * files are overwritten and deleted, its store crypto-erased).
 */
public final class MoveReceiver {
    private static final Logger LOG = Logger.getLogger(MoveReceiver.class.getName());

    private final MoveContext ctx;
    private final Map<Long, Incoming> incoming = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();

    MoveReceiver(MoveContext ctx) {
        this.ctx = ctx;
    }

    /** Whether a move of {@code anima} is being received here now. */
    boolean receiving(String anima) {
        return incoming.values().stream().anyMatch(in -> in.anima.equals(anima) && !in.phase().ended());
    }

    /** The phase of the move of {@code anima} received here, if one is under way (for tests and status). */
    java.util.Optional<ReceivePhase> phase(String anima) {
        return incoming.values().stream().filter(in -> in.anima.equals(anima)).map(Incoming::phase).findFirst();
    }

    /** Answers a request of a move's sender (its checks of access were made by the caller). */
    public Message answer(Responder.Caller caller, Message m, Consumer<Progress> progress) throws Exception {
        if (m instanceof MoveOffer o) {
            return offer(caller, o);
        }
        if (m instanceof ImageOffer o) {
            return image(get(caller, o.transfer(), "image-offer"), o);
        }
        if (m instanceof ImageSent s) {
            return sent(get(caller, s.transfer(), "image-sent"), s);
        }
        if (m instanceof MoveCommit c) {
            return commit(get(caller, c.transfer(), "move-commit"), c, progress);
        }
        if (m instanceof LivePrepare p) {
            return prepareLive(get(caller, p.transfer(), "live-prepare"), p, progress);
        }
        if (m instanceof LivePatch p) {
            return patch(get(caller, p.transfer(), "live-patch"), p);
        }
        if (m instanceof MoveGo g) {
            return go(caller, g);
        }
        if (m instanceof MoveAbort a) {
            return abort(caller, a);
        }
        throw new ZosException(ErrorCode.PROTOCOL_ERROR, MoveProtocol.kind(m) + " is not a request of a move", "");
    }

    /** A data frame of a move: one sealed chunk for the image offered last. Blocks while the import is behind. */
    public void accept(Responder.Caller caller, ByteBuf payload) throws InterruptedException {
        Incoming in = get(caller, ChunkFrames.transfer(payload), MoveProtocol.DATA);
        ImageImport imp = in.current;
        ctx.faults().at("receiver.chunk");
        imp.accept(ChunkFrames.decode(payload), () -> !in.phase().importing());
    }

    /** The move {@code transfer} of {@code caller}, if request {@code kind} is legal in its phase. */
    private Incoming get(Responder.Caller caller, long transfer, String kind) {
        Incoming in = incoming.get(transfer);
        if (in == null || !in.from.equals(caller.host().name())) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "no move " + transfer + " from " + caller.host().name() + " here",
                    "start the move again");
        }
        in.require(kind);
        return in;
    }

    private MoveReady offer(Responder.Caller caller, MoveOffer o) throws IOException {
        long t0 = System.nanoTime();
        String from = caller.host().name();
        boolean visit = o.purpose().equals(MoveOffer.VISIT);
        boolean stage = o.purpose().equals(MoveOffer.STAGE);
        if (!visit && !stage && !o.purpose().equals(MoveOffer.HOME)) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "unknown move purpose '" + o.purpose() + "'", "upgrade zos");
        }
        for (Incoming stale : incoming.values()) {
            if (stale.anima.equals(o.anima()) && stale.from.equals(from)) { // its connection broke; this one goes on
                LiveIncoming live = stale.live;
                ZosException refused = live != null ? live.refused() : null;
                LOG.warning("move " + stale.id + " of " + o.anima() + " is replaced by a new offer from " + from);
                drop(stale);
                if (refused != null) { // not a broken link: its libvirt asked what a migration does not need
                    throw new ZosException(ErrorCode.DENIED, "the live migration of '" + o.anima() + "' was refused on "
                            + ctx.host() + ": " + refused.getMessage(), "move it suspended to a file (--suspend); see "
                            + ctx.host() + "'s agent log");
                }
            }
        }
        AnimaManager.Held held;
        AnimaStore store;
        if (stage) {
            held = null;
            store = stage(from, o);
        } else if (visit) {
            ctx.hypervisor().get().checkCpu(o.domainXml());
            DiskSpace.require(ctx.stateDir(), o.bytes() + (256L << 20), "anima '" + o.anima() + "' from " + from);
            Store s = ctx.store();
            if (s.retire(o.anima())) { // left by a visit that ended badly; what it sealed may count again
                LOG.warning("retired a stale store of " + o.anima() + " before it visits again");
            }
            held = ctx.manager().get().adopt(new AnimaRecord(AnimaRecord.FORMAT, o.anima(), UUID.fromString(o.uuid()),
                    o.memoryMiB(), o.vcpus(), o.diskSizeMiB(), o.guestKey(), o.kernelPackage(), o.accelerator(), Instant.now(),
                    false, null, 0, null, o.home(), null));
            try {
                byte[] key = Base64.getDecoder().decode(o.key());
                store = s.create(o.anima(), MasterKey.of(key), Base64.getDecoder().decode(o.kek()));
                java.util.Arrays.fill(key, (byte) 0);
                ctx.visits().remember(o.anima(), Base64.getDecoder().decode(o.kek()));
            } catch (IOException | RuntimeException e) {
                held.forget(new long[0]);
                held.close();
                throw e;
            }
        } else {
            held = ctx.manager().get().hold(o.anima());
            if (!from.equals(held.record().away())) {
                held.close();
                throw new ZosException(ErrorCode.DENIED, "anima '" + o.anima() + "' is not away on " + from,
                        "only the host it visits can send it home");
            }
            store = ctx.store().open(o.anima(), ctx.stores().hostKek());
        }
        long id = random.nextLong() & Long.MAX_VALUE;
        Incoming in = new Incoming(id, from, caller.user(), o.anima(), o.purpose(), held, store, ctx.stateDir(),
                stage ? ReceivePhase.STAGING : ReceivePhase.RECEIVING);
        try {
            MoveJournal.receiving(o.anima(), from, caller.user(), id, o.purpose()).save(ctx.stateDir());
        } catch (RuntimeException e) {
            drop(in);
            throw e;
        }
        if (visit && store.stats().chunks() == 0) { // a first visit: this host's own kernel and initrd may be the visitor's
            ctx.manager().get().builtGuest(o.guestKey()).ifPresent(g -> in.stock = StockFiles.store(in.store, g, o.anima()));
        }
        if (o.diskBase() != null) { // a live return over the disk this host kept, if it is still that disk
            java.util.Optional<org.zos.agent.anima.DiskBase> kept = held.diskBase();
            in.keptDisk = kept.filter(b -> b.claim().equals(o.diskBase())).isPresent();
            LOG.info("the return of " + o.anima() + " lies over disk " + o.diskBase() + "; " + (in.keptDisk ? "this host's disk is it"
                    : kept.map(b -> "this host's disk is " + b.claim()).orElse("this host's disk is no longer one it sent")
                    + ": the disk goes ahead"));
        }
        incoming.put(id, in);
        LOG.info("receiving anima " + o.anima() + " from " + from + " (" + o.purpose() + "), transfer " + id + "; checked and "
                + "made ready in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        return new MoveReady(id, in.keptDisk ? o.diskBase() : null, visit ? Boolean.TRUE : null);
    }

    /**
     * A stage's store: the anima's images come ahead of a visit (from its home, while it runs there). The
     * anima must not be here; a store left of it (an earlier stage or visit) is retired first, so what it
     * sealed counts again under the key the stage brings.
     */
    private AnimaStore stage(String from, MoveOffer o) throws IOException {
        if (ctx.registry().find(o.anima()).isPresent()) {
            throw new ZosException(ErrorCode.ANIMA_EXISTS, "anima '" + o.anima() + "' is on " + ctx.host() + " already",
                    "nothing to stage: it visits " + ctx.host() + " or is another anima of the same name");
        }
        ctx.hypervisor().get().checkCpu(o.domainXml()); // a host that could not run it refuses before anything goes
        DiskSpace.require(ctx.stateDir(), o.bytes() + (256L << 20), "the stage of anima '" + o.anima() + "' from " + from);
        Store s = ctx.store();
        s.retire(o.anima());
        byte[] key = Base64.getDecoder().decode(o.key());
        try {
            return s.create(o.anima(), MasterKey.of(key), Base64.getDecoder().decode(o.kek()));
        } finally {
            java.util.Arrays.fill(key, (byte) 0);
        }
    }

    private ChunksWanted image(Incoming in, ImageOffer o) throws IOException {
        OfferParts.Whole whole = in.offer.add(o);
        if (whole == null) {
            return new ChunksWanted(in.id, "", 0); // go on with the next part
        }
        ctx.faults().at("receiver.image");
        byte[] file = whole.manifest();
        Manifest m = in.store.readManifest(file);
        if (m.image().equals("kernel") || m.image().equals("initrd")) {
            StockFiles.await(in.stock);
        }
        List<ChunkId> all = new ArrayList<>(m.chunkIds());
        all.addAll(ChunkFrames.ids(whole.bases()));
        Set<ChunkId> missing = in.store.missing(all);
        BitSet bits = new BitSet(all.size());
        for (int i = 0; i < all.size(); i++) {
            if (missing.contains(all.get(i))) {
                bits.set(i);
            }
        }
        synchronized (in) {
            in.current = ImageImport.start(in.store, file, m, in.anima);
            in.to(ReceivePhase.IMPORTING);
            if (!in.staging()) {
                ImageWriter.early(in, m, missing);
                ImageWriter.arriving(in, m, in.current);
            }
        }
        return new ChunksWanted(in.id, ChunkFrames.bitmap(bits, all.size()), bits.cardinality());
    }

    private ImageReceived sent(Incoming in, ImageSent s) throws Exception {
        long t0 = System.nanoTime();
        ImageImport imp = in.current;
        boolean inPart = imp.manifest.image().equals(ImageWriter.DISK_AHEAD); // the sender stops it once it read the disk
        int added = imp.finish(s.chunks(), ctx.times().imageWait().toMillis(), s.image(), inPart);
        Manifest m = null; // filed: every chunk of it is here
        if (imp.whole()) {
            long tImported = System.nanoTime();
            m = in.store.importManifest(imp.file);
            LOG.info(String.format(java.util.Locale.ROOT, "move %d: %s filed here in %d ms (the last chunks in %d ms, stored durably "
                    + "%d ms later; the manifest in %d ms)", in.id, m.label(), (System.nanoTime() - t0) / 1_000_000,
                    imp.arrivedMillis(), (tImported - t0) / 1_000_000 - imp.arrivedMillis(), (System.nanoTime() - tImported) / 1_000_000));
        } else {
            LOG.info(String.format(java.util.Locale.ROOT, "move %d: %s sent in part (%d chunks): they are kept, the image is not filed",
                    in.id, imp.manifest.label(), s.chunks()));
        }
        boolean early;
        synchronized (in) {
            in.current = null;
            if (m != null) {
                in.filed.put(m.image(), m);
            }
            early = in.phase() == ReceivePhase.IMPORTING_LIVE;
            if (early && m == null) {
                throw new ZosException(ErrorCode.PROTOCOL_ERROR, "the disk of " + in.anima + ", whose domain was prepared while it came, "
                        + "was sent in part", "");
            }
            if (!early) {
                in.to(in.staging() ? ReceivePhase.STAGING : ReceivePhase.RECEIVING);
            }
            if (m != null && !in.staging()) {
                ImageWriter.ahead(in, m);
            }
        }
        if (early) { // answered once all of the disk is written and synced: the sender's migration goes on then
            finishEarly(in, m);
        }
        return m != null ? new ImageReceived(in.id, m.image(), m.generation(), added) : new ImageReceived(in.id, s.image(), s.generation(), added);
    }

    /** The disk of a domain prepared while it came is filed: written whole, then the migration may read it (MIGRATING). */
    private void finishEarly(Incoming in, Manifest m) throws Exception {
        try {
            ImageWriter.finishEarly(in, m);
            synchronized (in) {
                in.to(ReceivePhase.MIGRATING);
            }
            in.diskEarly.complete(null);
        } catch (Exception e) {
            LOG.warning("move " + in.id + " of " + in.anima + ": its disk, placed early, could not be written: " + e.getMessage());
            in.diskEarly.completeExceptionally(e);
            drop(in);
            throw e;
        }
    }

    /** The sender commits: the images are written out and the anima restored paused (under the move's monitor). */
    private MoveDone commit(Incoming in, MoveCommit c, Consumer<Progress> progress) throws Exception {
        in.busy.incrementAndGet();
        try {
            synchronized (in) {
                in.to(ReceivePhase.RESTORING);
                try {
                    ImageWriter.commit(in, c, progress, ctx.faults(), ctx.host());
                    in.to(ReceivePhase.RESTORED);
                } catch (Exception e) {
                    LOG.warning("move " + in.id + " of " + in.anima + " failed here: " + e.getMessage());
                    boolean full = e instanceof IOException && DiskSpace.exhausted(ctx.stateDir());
                    drop(in);
                    if (full) {
                        throw new ZosException(ErrorCode.NO_SPACE, ctx.host() + " ran out of disk space while writing anima '"
                                + in.anima + "' (" + e.getMessage() + ")", "free space on " + ctx.host() + " and try again");
                    }
                    throw e;
                }
            }
            return new MoveDone(in.id, "paused", "");
        } finally {
            in.busy.decrementAndGet();
            in.heard();
        }
    }

    /**
     * A live move: the images sent ahead go where the domain reads them and the migration's sockets are
     * readied (journaled "migrating" first: from here a restart looks for the anima in the hypervisor).
     */
    private LivePrepared prepareLive(Incoming in, LivePrepare p, Consumer<Progress> progress) throws Exception {
        in.busy.incrementAndGet();
        try {
            if (in.phase() == ReceivePhase.IMPORTING) {
                prepareEarly(in);
            }
            synchronized (in) {
                MoveProtocol.require(in.phase(), "live-prepare", in.id); // dropped meanwhile?
                // The disk still coming (placed early), or filed (meanwhile, or the receiver could not place it early).
                in.to(in.phase() == ReceivePhase.IMPORTING ? ReceivePhase.IMPORTING_LIVE : ReceivePhase.MIGRATING);
                try {
                    in.live = LiveIncoming.prepare(in, p, progress);
                    if (in.phase() == ReceivePhase.MIGRATING && in.diskEarly != null) {
                        in.diskEarly.complete(null); // placed early, but filed before this: written by now
                    }
                    ctx.faults().at("receiver.migrating");
                } catch (Exception e) {
                    LOG.warning("move " + in.id + " of " + in.anima + " cannot be received live: " + e.getMessage());
                    drop(in);
                    throw e;
                }
            }
            return new LivePrepared(in.id, in.live.placed(), in.live.keptTag(), in.live.fills(), in.live.liveXml());
        } finally {
            in.busy.decrementAndGet();
            in.heard();
        }
    }

    /**
     * A live visit's live-prepare while its disk's chunks still come (this host said in move-ready that it
     * takes it so): the disk's file is placed with its metadata final ({@link ImageWriter#placeEarly}), so
     * its domain's QEMU starts while the rest comes; if it cannot be, waits (outside the move's monitor,
     * which image-sent takes) until the disk is filed, and the move goes on as one that sent it first.
     */
    private void prepareEarly(Incoming in) throws Exception {
        ImageImport imp = in.current;
        if (!in.visitor() || imp == null || !imp.manifest.image().equals("disk") || !in.filed.containsKey("kernel")
                || !in.filed.containsKey("initrd")) {
            throw new ZosException(ErrorCode.PROTOCOL_ERROR, "live-prepare came while " + (imp == null ? "an image" : imp.manifest.label())
                    + " was sent, which only a live visit's disk may be, after its kernel and initrd", "");
        }
        long deadline = System.nanoTime() + ctx.times().imageWait().toNanos();
        if (ImageWriter.placeEarly(in, imp.manifest, deadline)) {
            return;
        }
        LOG.info("move " + in.id + ": " + imp.manifest.label() + " is not placed while it comes; the domain is prepared once it is filed");
        in.awaitWhileHeard(() -> in.phase() != ReceivePhase.IMPORTING, ctx.times().dropSilent(), "the disk of " + in.anima);
    }

    /**
     * Answers {@code live-open}: one connection of the live migration, joined to this host's libvirtd or
     * QEMU. The move is not idle while one is open.
     */
    public Responder.Opened openLive(Responder.Caller caller, LiveOpen o, org.zos.protocol.stream.Duplex stream) throws IOException {
        Incoming in = get(caller, o.transfer(), "live-open");
        LiveIncoming live = in.live;
        if (live == null) {
            throw new ZosException(ErrorCode.PROTOCOL_ERROR, "live-open came before live-prepare", "");
        }
        in.busy.incrementAndGet();
        Responder.Opened opened;
        try {
            opened = live.open(o, stream, () -> {
                in.busy.decrementAndGet();
                in.heard();
            });
        } catch (IOException | RuntimeException e) {
            in.busy.decrementAndGet();
            throw e;
        }
        return opened;
    }

    /**
     * Pages of the anima's memory its live migration did not carry right (the sender checked): written into
     * the paused domain's memory before it runs.
     */
    private MoveDone patch(Incoming in, LivePatch p) throws IOException {
        synchronized (in) {
            MoveProtocol.require(in.phase(), "live-patch", in.id);
            if (!p.anima().equals(in.anima) || ctx.hypervisor().get().state(in.anima) != DomainState.PAUSED) {
                throw new ZosException(ErrorCode.PROTOCOL_ERROR, "live-patch for " + p.anima() + " of move " + in.id + ", which is "
                        + (p.anima().equals(in.anima) ? "not paused here" : "a move of " + in.anima), "");
            }
            try (java.nio.channels.FileChannel memory = ctx.hypervisor().get().memory(in.anima, true).orElseThrow(
                    () -> new ZosException(ErrorCode.INTERNAL, "the memory of " + in.anima + " cannot be written here", ""))) {
                MemoryCheck.apply(p, memory);
            }
            LOG.warning("wrote " + p.pages() + " pages of " + in.anima + "'s memory that its live migration from " + in.from
                    + " did not carry (the sender's hypervisor missed writes)");
            return new MoveDone(in.id, "patched", "");
        }
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
        in.require("move-go");
        return run(in);
    }

    private MoveDone abort(Responder.Caller caller, MoveAbort a) {
        Incoming in = incoming.get(a.transfer());
        if (in != null && in.from.equals(caller.host().name())) {
            in.require("move-abort");
            if (in.staging()) {
                LOG.info("stage " + a.transfer() + " of " + in.anima + " from " + in.from + " ended: " + a.why());
                drop(in);
                return new MoveDone(a.transfer(), "staged", "");
            }
            LOG.warning("move " + a.transfer() + " of " + in.anima + " aborted by " + in.from + ": " + a.why());
            drop(in);
        }
        return new MoveDone(a.transfer(), "aborted", "");
    }

    /** Whether anima {@code name}, moved here from {@code from}, runs here now as the result of that move. */
    private boolean settledHere(String name, String from) {
        return ctx.registry().find(name).filter(r -> r.away() == null && (from.equals(r.home()) || r.home() == null))
                .isPresent() && ctx.hypervisor().get().state(name) == DomainState.RUNNING;
    }

    /** Runs the anima restored paused: the move ends here (once; a second go is answered the same). */
    private MoveDone run(Incoming in) throws IOException {
        long t0 = System.nanoTime();
        synchronized (in) {
            if (in.phase() == ReceivePhase.RUNNING) {
                return new MoveDone(in.id, "running", "");
            }
            if (in.phase() == ReceivePhase.DROPPED) {
                throw new ZosException(ErrorCode.ANIMA_NOT_FOUND, "move " + in.id + " of anima '" + in.anima + "' was dropped here", "");
            }
            MoveProtocol.require(in.phase(), "move-go", in.id);
            ctx.faults().at("receiver.go");
            try {
                in.held.run();
            } catch (IOException | RuntimeException e) {
                LOG.warning("anima " + in.anima + " restored from " + in.from + " does not run: " + e.getMessage());
                drop(in);
                throw new ZosException(ErrorCode.INTEGRITY_ERROR, "anima '" + in.anima + "' could not run here after its restore: "
                        + e.getMessage(), "");
            }
            in.to(ReceivePhase.RUNNING);
            release(in);
        }
        LOG.info("anima " + in.anima + " runs here now (from " + in.from + "), " + (System.nanoTime() - t0) / 1_000_000
                + " ms after its sender's go");
        return new MoveDone(in.id, "running", "");
    }

    /**
     * The anima runs here: its move is done. What the answer need not wait for is done after it, the guest
     * running and the anima held meanwhile: the live move's streams closed, its overlay folded into the
     * disk, memory kept for a move that is over deleted.
     */
    private void release(Incoming in) {
        incoming.remove(in.id);
        boolean home = in.purpose.equals(MoveOffer.HOME);
        if (home) { // what the host it came from seals anew of what it came with is told here next
            SealedMemory.Record.drop(in.held.paths().dir());
            ctx.kept().returned(in.anima, in.from);
        }
        in.held.closeAfter(() -> {
            long t0 = System.nanoTime();
            if (in.live != null) {
                in.live.close();
            }
            if (home) { // home again: what was kept of its memory is out of date
                KeptMemory.drop(in.held.paths().dir());
            } else { // visiting: what this host sealed of its memory is out of date (and was filled from, if it could be)
                SealedMemory.delete(ctx.stateDir(), in.anima);
            }
            Manifest disk = in.filed.get("disk");
            String base = null;
            boolean overBase = home && in.keptDisk && in.live != null; // a return over the disk this host kept
            if (overBase) {
                storeWrites(in); // before the fold: what the visit wrote, as the visited host stored it
            }
            if (!home && in.live != null && disk != null && keepOverlay(in, disk)) {
                LOG.info("visiting: " + in.anima + " goes on writing the overlay its migration made over " + disk.label()
                        + ", which its live return does not send again");
                base = in.held.diskBase().map(org.zos.agent.anima.DiskBase::claim).orElse(null);
            } else {
                try {
                    if (overBase) {
                        in.held.foldDiskInOrder(); // the visit's writes into the disk as disk.writes holds them
                    } else {
                        in.held.foldDisk();
                    }
                } catch (IOException | RuntimeException e) {
                    LOG.warning("the disk of " + in.anima + " stays on its overlay for now (folded when it is next taken up): "
                            + e.getMessage());
                }
            }
            if (in.store != null) {
                prepareNextMove(in.anima, in.store, in.held.paths().disk(), base);
            }
            LOG.info("the move of " + in.anima + " settled here " + (System.nanoTime() - t0) / 1_000_000 + " ms after it ran");
        });
    }

    /**
     * Stores what the visit wrote (the overlay the return's migration copied over the disk this host kept)
     * as the visited host stored it when the return began ({@link FlatDisk#writes}): the next domination's
     * new chunks of the disk then refer to those, which that host still holds sealed.
     */
    private void storeWrites(Incoming in) {
        long t0 = System.nanoTime();
        try (java.io.InputStream s = FlatDisk.writes(ctx.hypervisor().get(), in.held.paths())) {
            AnimaStore.Ingested i = in.store.ingest(AnimaStore.writesOf("disk"), s, org.zos.store.chunking.ChunkerParams.DEFAULT,
                    new org.zos.store.WorkMeter());
            LOG.info(String.format(java.util.Locale.ROOT, "what the visit of %s wrote to its disk stored as %s (%d MiB, %d new chunks) in %d ms",
                    in.anima, i.manifest().label(), i.manifest().length() >> 20, i.newChunks(), (System.nanoTime() - t0) / 1_000_000));
        } catch (IOException | RuntimeException e) {
            LOG.warning("what the visit of " + in.anima + " wrote is not stored (its next domination sends it again): " + e.getMessage());
        }
    }

    /** Records the disk a visitor's overlay lies over as {@code disk} ({@link org.zos.agent.anima.DiskBase}); false if it cannot. */
    private static boolean keepOverlay(Incoming in, Manifest disk) {
        try {
            in.held.recordBase(disk);
            return true;
        } catch (IOException | RuntimeException e) {
            LOG.warning("the disk of " + in.anima + " is not recorded as " + disk.label() + " (its overlay is folded): " + e.getMessage());
            return false;
        }
    }

    /**
     * Makes, on a thread of its own, what the store needs to read the anima's disk when it next leaves
     * (the blocks of the disk it came with, by content, for the deltas of what changes: opening each of
     * its chunks for them took more of a return's or a second domination's reading of the disk than the
     * reading itself), then closes {@code store}; once a command moving the anima here is over (a return
     * waits for the visited host's erasure: {@link Afterwards}). Stopped if the anima is retired meanwhile.
     * First it reads the disk back into the page cache ({@link #warm}); for a visitor that runs on its
     * overlay over the disk base {@code base} (a claim; null: none), that read indexes the disk's blocks for
     * its return ({@link BaseBlocks}).
     */
    private void prepareNextMove(String anima, org.zos.store.AnimaStore store, java.nio.file.Path disk, String base) {
        ctx.afterwards().run(anima, "zos-store-ahead", () -> {
            long t0 = System.nanoTime();
            // Visiting on an overlay over it: the blocks its live return refers to, indexed by a read that
            // also brings the disk back into the page cache.
            long warmed = base != null ? indexBase(anima, disk, base) : -1;
            if (warmed < 0) {
                warmed = warm(disk);
            }
            long t1 = System.nanoTime();
            try {
                store.prepareIngest("disk");
                LOG.info(String.format(java.util.Locale.ROOT, "the disk of %s read back into the page cache (%d MiB) in %d ms, the store "
                        + "made ready to read it when it next leaves in %d ms", anima, warmed >> 20, (t1 - t0) / 1_000_000,
                        (System.nanoTime() - t1) / 1_000_000));
            } catch (IOException | RuntimeException e) {
                LOG.info("the store did not make ready to read the disk of " + anima + " (it does when it reads it): " + e.getMessage());
            } finally {
                try {
                    store.close();
                } catch (IOException e) {
                    LOG.fine("closing store: " + e);
                }
            }
        });
    }

    /** Indexes the blocks of {@code disk}, base {@code base} of a visitor ({@link BaseBlocks}); the bytes read, or -1 if it could not. */
    private static long indexBase(String anima, java.nio.file.Path disk, String base) {
        try {
            long t0 = System.nanoTime();
            BaseBlocks.put(disk, base, DiskIngest.index(disk, () -> Thread.currentThread().isInterrupted()));
            LOG.info("the blocks of the disk " + anima + " visits over indexed for its return in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
            return java.nio.file.Files.size(disk);
        } catch (IOException e) {
            LOG.info("the blocks of the disk " + anima + " visits over are not indexed ahead (its return does): " + e.getMessage());
            return -1;
        }
    }

    /**
     * Reads {@code disk} once, so that it is in the page cache when the next move reads it: the receiving
     * QEMU emptied the cache of its images as the migration ended (QEMU's file driver drops an image's
     * cached pages when it takes it over, for storage the sender wrote to), and the next move's read of
     * the disk, which a return and a second domination wait for, then came from the device: 0.3-0.6 s
     * longer for 250 MiB. Not a disk larger than a quarter of the memory the host has available: the cache
     * would not keep it until the next move, and would lose what the host needs it for. Returns the bytes
     * read (0 if it did not read it).
     */
    static long warm(java.nio.file.Path disk) {
        return warm(disk, org.zos.agent.anima.HostMemory.available());
    }

    /** As {@link #warm(java.nio.file.Path)}, with {@code available} bytes of memory available. */
    static long warm(java.nio.file.Path disk, long available) {
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(disk, java.nio.file.StandardOpenOption.READ)) {
            if (ch.size() > available / 4) {
                LOG.info("the disk " + disk + " (" + (ch.size() >> 20) + " MiB) is not read back into the page cache: more than a "
                        + "quarter of the " + (available >> 20) + " MiB of memory this host has available");
                return 0;
            }
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocateDirect(1 << 20);
            long pos = 0;
            for (int n; (n = ch.read(b.clear(), pos)) > 0; ) {
                pos += n;
            }
            return pos;
        } catch (IOException e) {
            LOG.fine("reading " + disk + " into the page cache: " + e);
            return 0;
        }
    }

    /**
     * Drops a move (once): a visitor leaves nothing readable behind (its files are overwritten and deleted,
     * its key destroyed); an anima coming home stays away as it was.
     */
    private void drop(Incoming in) {
        ImageImport imp = in.current;
        if (imp != null) { // ends the import of the image being sent: it holds the store's lock
            imp.stop();
        }
        synchronized (in) {
            if (in.phase().ended()) {
                return;
            }
            incoming.remove(in.id);
            in.current = null;
            ImageWriter.settle(in); // what the writes ahead wrote is overwritten below
            StockFiles.await(in.stock); // it writes into the store
            try {
                if (in.store != null) {
                    in.store.close();
                }
                if (in.staging()) { // the key and manifests go; the sealed chunks stay for the visit
                    ctx.store().retire(in.anima);
                } else if (in.visitor()) {
                    Visitors.erase(ctx, in.held, Visitors.written(in.filed.get("disk")));
                } else {
                    in.held.stayAway(in.from);
                }
            } catch (IOException | RuntimeException e) {
                LOG.warning("cleaning up move " + in.id + ": " + e);
            } finally {
                if (in.live != null) {
                    in.live.close();
                }
                if (in.held != null) {
                    LiveIncoming.discard(in);
                }
                in.to(ReceivePhase.DROPPED);
                if (in.held != null) {
                    in.held.close();
                }
            }
        }
    }

    /**
     * After an agent restart, takes up what its move journal says it was receiving: a move not yet
     * restored is dropped; an anima restored paused waits for its sender's word, as before the restart.
     */
    void recover(MoveJournal j) throws IOException {
        if (MoveOffer.STAGE.equals(j.purpose())) {
            LOG.warning("the stage of " + j.anima() + " from " + j.peer() + " broke off (this agent restarted); what it sealed "
                    + "stays without its key");
            ctx.store().retire(j.anima());
            MoveJournal.delete(ctx.stateDir(), j.anima());
            return;
        }
        AnimaManager.Held held;
        try {
            held = ctx.manager().get().hold(j.anima());
        } catch (RuntimeException e) {
            LOG.warning("recovering the move of " + j.anima() + " from " + j.peer() + ": " + e.getMessage() + "; journal dropped");
            MoveJournal.delete(ctx.stateDir(), j.anima());
            return;
        }
        boolean arrived = j.phase() == MoveJournal.Phase.MIGRATING && held.state() == DomainState.PAUSED;
        if (j.phase() == MoveJournal.Phase.RESTORED || arrived) {
            Incoming in = new Incoming(j.transfer(), j.peer(), j.user(), j.anima(), j.purpose(), held, null, ctx.stateDir(),
                    arrived ? ReceivePhase.MIGRATING : ReceivePhase.RESTORED);
            in.lastHeard = 0; // ask the sender at once
            incoming.put(in.id, in);
            LOG.warning("anima " + j.anima() + " from " + j.peer() + " was " + (arrived ? "migrated" : "restored")
                    + " here, awaiting its sender's go; asking it");
        } else {
            LOG.warning("the move of " + j.anima() + " from " + j.peer() + " broke off (this agent restarted); dropping it");
            drop(new Incoming(j.transfer(), j.peer(), j.user(), j.anima(), j.purpose(), held, null, ctx.stateDir(),
                    ReceivePhase.RECEIVING));
        }
    }

    /**
     * Looks after moves whose sender fell silent: one not yet restored is dropped after
     * {@link MoveTimes#dropSilent}; for an anima restored paused, the sender is asked what it decided.
     */
    void watch() {
        for (Incoming in : incoming.values()) {
            long idle = System.nanoTime() - in.lastHeard;
            if (in.busy.get() > 0) {
                continue;
            }
            boolean waitsForGo = in.phase() == ReceivePhase.RESTORED || arrived(in);
            if (!waitsForGo && idle > ctx.times().dropSilent().toNanos()) {
                LOG.warning("move " + in.id + " of " + in.anima + ": " + in.from + " said nothing for " + idle / 1_000_000_000L
                        + " s; dropping it");
                drop(in);
            } else if (waitsForGo && idle > ctx.times().ask().toNanos()) {
                in.heard();
                ask(in);
            }
        }
    }

    /** Whether a live move's anima is here, paused: its hypervisor let it go on the sender, which may have decided. */
    private boolean arrived(Incoming in) {
        return in.phase() == ReceivePhase.MIGRATING && ctx.hypervisor().get().state(in.anima) == DomainState.PAUSED;
    }

    /** Asks the sender of an anima restored paused here what it decided, and does it. */
    private void ask(Incoming in) {
        String decision;
        try (MoveLink p = ctx.dial(in.from, in.user)) {
            decision = MoveProtocol.answer(p.request(new MoveQuery(in.id, in.anima), ctx.times().dial()), MoveDone.class,
                    new MoveQuery(in.id, in.anima)).state();
        } catch (ZosException e) {
            LOG.info("asking " + in.from + " about move " + in.id + " of " + in.anima + ": " + e.getMessage());
            return;
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
