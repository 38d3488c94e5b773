package org.zos.agent.move;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.logging.Logger;
import org.zos.agent.anima.AnimaManager;
import org.zos.agent.anima.AnimaRecord;
import org.zos.agent.hypervisor.DomainState;
import org.zos.agent.hypervisor.Hypervisor;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.protocol.message.LivePatch;
import org.zos.protocol.message.LivePrepare;
import org.zos.protocol.message.LivePrepared;
import org.zos.protocol.message.MoveCommit;
import org.zos.protocol.message.MoveDone;
import org.zos.protocol.message.MoveOffer;
import org.zos.protocol.message.MoveReady;
import org.zos.protocol.message.Progress;
import org.zos.agent.move.MoveProtocol.SendPhase;
import org.zos.store.AnimaStore;
import org.zos.store.crypto.MasterKey;

/**
 * The sending side of a move, for a domination (from the anima's home) and for a return (from the host it
 * visits). While the anima runs, its disk is sent ahead (a visit only); then it is suspended, its memory
 * and what changed on its disk are sent, and the receiver restores it. Until the receiver confirms, this
 * host keeps its resumable copy and resumes it if the move fails; once it confirms, this host gives its
 * copy up.
 */
final class MoveSender {
    private static final Logger LOG = Logger.getLogger(MoveSender.class.getName());

    /**
     * What a move cost: bytes of data frames, chunks sent, and the anima's downtime; for a live move, how
     * its migration converged ({@link Convergence#describe}; null for a move suspended to a file).
     */
    record Figures(long wireBytes, long chunks, long downtimeMillis, long totalMillis, String live) {
        /**
         * "sent 12.3 MiB (12902912 bytes) in 45 chunks; downtime 1.21 s; total 4.50 s", and for a live move
         * "live (converged): " before it.
         */
        String note() {
            return String.format(java.util.Locale.ROOT, "%ssent %.1f MiB (%d bytes) in %d chunks; downtime %.2f s; total %.2f s",
                    live != null ? "live (" + live + "): " : "", wireBytes / 1048576.0, wireBytes, chunks, downtimeMillis / 1000.0,
                    totalMillis / 1000.0);
        }
    }

    private final MoveContext ctx;
    private final Decisions decisions;
    private final AnimaManager.Held held;
    private final AnimaStore store;
    private final MasterKey key;
    private final String user;
    private final String target;
    private final Consumer<Progress> progress;
    private final RateLimit rate;
    private final long bytesPerSecond;
    /** Whether a running anima moves by live migration rather than suspended to a file. */
    private final boolean live;
    /** How a live migration converged, once it did; null otherwise. */
    private String converged;
    /** Memory by content: the pages the last round while the guest ran found changed (-1: none ran yet). */
    private volatile long copyLeft = -1;
    /** Memory by content: set when the copy is to stop (the migration ended, or failed). */
    private final java.util.concurrent.atomic.AtomicBoolean copyStop = new java.util.concurrent.atomic.AtomicBoolean();
    /** Memory by content: the stream the copy writes, once open (closed to stop a copy that waits on the link). */
    private volatile org.zos.protocol.stream.Duplex copyStream;
    private final java.util.function.BooleanSupplier cancelled;
    private SendPhase phase = SendPhase.CONNECTING;
    private MoveJournal journal;
    private MoveLink peer;
    private long transfer;
    /** Whether this move suspended the anima (so giving up resumes it). */
    private boolean suspendedHere;
    /** The disk's blocks by content, made while the anima still runs (see {@link MemoryImage}). */
    private volatile DiskBlocks diskBlocks;
    /** Whether the receiver takes a live visit's live-prepare while the disk's chunks still come ({@code move-ready}). */
    private boolean receiverPreparesEarly;
    /**
     * A live visit's disk, sent beside the migration's start (the receiver prepares its domain meanwhile):
     * done once the receiver has it written and synced; null if the disk was sent before.
     */
    private volatile java.util.concurrent.CompletableFuture<Long> diskFiled;
    /** The thread that sends it ({@link #offerAside}). */
    private Thread diskSending;
    /**
     * Counted down once live-prepare is on its way: the disk's chunks wait for it, so that it does not
     * queue behind megabytes of them (0.4-0.7 s at 100 Mbit/s, and the receiver's QEMU waits for it).
     */
    private volatile java.util.concurrent.CountDownLatch askedFirst;
    /** The disk sent beside the migration's start, whose blocks ({@link #diskBlocks}) are still being indexed; null once taken. */
    private DiskIngest indexing;
    /** When the target answered that the anima runs there (nanoTime): the downtime's end. */
    private long runsThere;
    /** Whether this move diverted the running anima's disk to an overlay (a live one: {@link #send}). */
    private boolean diverted;
    /** Images being stored on threads of their own. */
    private final List<DiskIngest> ingesting = new ArrayList<>();
    /** The kernel and initrd, stored while the move connects ({@link ImageSender#readAhead}). */
    private java.util.concurrent.CompletableFuture<Map<String, org.zos.store.manifest.Manifest>> bootFiles;
    private final Map<String, Long> images = new LinkedHashMap<>();
    /** Offers the images and sends the chunks the target lacks. */
    private final ImageSender out;
    /** Bytes of a live move's streams on the wire (the images' data frames are counted by {@link #out}). */
    private long wireBytes;
    /** A live move's pages of memory the receiver's copy has wrong, to be sent before it runs the anima. */
    private List<LivePatch> patches = List.of();
    /** The memory a live move left with (the source's, past its QEMU's end), to be kept once the anima runs there. */
    private java.nio.channels.FileChannel sourceMemory;
    /**
     * A live return whose visit ran on the overlay its live domination made: the disk under it, which home
     * kept ({@link org.zos.agent.anima.DiskBase}); null for any other move, or once home said it does not hold it.
     */
    private org.zos.agent.anima.DiskBase base;
    /** Whether the target holds {@link #base} (its move-ready said so): no disk goes ahead. */
    private boolean baseHeld;
    /** The blocks of {@link #base} by content, for the migration's references, indexed as the move begins. */
    private java.util.concurrent.CompletableFuture<DiskBlocks> baseBlocks;
    /** Stores what the visit wrote (its overlay's data) for the next visit here: sealed chunks only stay ({@link FlatDisk#writes}). */
    private DiskIngest visitKept;
    /** The disk a live domination sent ahead, recorded at home as the base of its return once the anima is away. */
    private org.zos.store.manifest.Manifest sentDisk;

    MoveSender(MoveContext ctx, Decisions decisions, AnimaManager.Held held, AnimaStore store, MasterKey key, String target,
            String user, Consumer<Progress> progress, long bytesPerSecond, boolean live, java.util.function.BooleanSupplier cancelled) {
        this.ctx = ctx;
        this.decisions = decisions;
        this.held = held;
        this.store = store;
        this.key = key;
        this.target = target;
        this.user = user;
        this.progress = progress;
        this.rate = new RateLimit(bytesPerSecond);
        this.bytesPerSecond = bytesPerSecond;
        this.live = live;
        this.cancelled = cancelled;
        this.out = new ImageSender(ctx, store, held.record().name(), target, progress, rate, cancelled, this::checkCancelled);
    }

    /** The phase this move is in. */
    SendPhase phase() {
        return phase;
    }

    /**
     * Moves to phase {@code next}: checks it against {@link MoveProtocol#SEND_NEXT}, journals the decision
     * (COMMITTED, synced before anything acts on it) and logs the change.
     */
    private void to(SendPhase next) {
        if (!MoveProtocol.legal(phase, next)) {
            throw new IllegalStateException("move of " + held.record().name() + ": " + phase + " → " + next + " is not a legal change");
        }
        if (next == SendPhase.COMMITTED) {
            journal = journal.in(MoveJournal.Phase.COMMITTED).save(ctx.stateDir());
        } else if (next == SendPhase.MIGRATING) {
            journal = journal.in(MoveJournal.Phase.MIGRATING).save(ctx.stateDir());
        } else if (phase == SendPhase.MIGRATING && next == SendPhase.CONNECTING) {
            journal = journal.in(MoveJournal.Phase.SENDING).save(ctx.stateDir()); // the hypervisor kept it: ours again
        } else if (next.ended() && journal != null) {
            MoveJournal.delete(ctx.stateDir(), journal.anima());
        }
        LOG.info("move of " + held.record().name() + " to " + target + ": " + phase + " → " + next);
        phase = next;
    }

    /**
     * Moves the anima to the target. {@code visitKek} is given for a visit (the target keeps the anima's
     * key wrapped under it) and null for a return home. A connection that breaks before the commit is
     * dialled again (what the target filed already is not sent again) until {@link MoveTimes#abandon}
     * passes without one that works; then the move is given up and the anima runs here as before. Once
     * the target has restored the anima paused, this host decides (journaled): from then on the target
     * runs it, and this host's copy is only kept until it does (a target that cannot, gives it back).
     * {@code connected} (may be null) is a connection to the target made already, used for the first attempt.
     */
    Figures send(String home, byte[] visitKek, MoveLink connected) throws IOException {
        long t0 = System.nanoTime();
        AnimaRecord r = held.record();
        boolean wasRunning = held.state().isActive();
        if (!wasRunning && !r.suspended()) {
            throw new ZosException(ErrorCode.INVALID_STATE, "anima '" + r.name() + "' is shut off",
                    "start it first with 'zos-vm start " + r.name() + "'; a shut-off anima is not moved yet");
        }
        // Blocks the guest's file systems freed need not move: trim them first (qemu-guest-agent, if it has one).
        if (wasRunning && ctx.manager().get().trim(r.name())) {
            LOG.info("trimmed the file systems of " + r.name() + " in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        }
        // A live return whose visit ran on the overlay its domination made offers the disk under it as a base:
        // if home still holds that disk, nothing of the disk goes ahead and the migration copies the overlay.
        base = live && wasRunning && visitKek == null ? held.diskBase().orElse(null) : null;
        if (base != null) {
            onBase();
        }
        // A live move diverts the guest's writes to an overlay first: the disk under it, unchanged from now
        // on, is what goes ahead, and the migration copies only the overlay.
        if (live && wasRunning && base == null) {
            held.divertDisk();
            diverted = true;
        }
        // A running anima's disk is read into the store while the move connects and offers the kernel.
        DiskIngest ahead = wasRunning && base == null ? ingesting(held.paths().disk(), true) : null;
        // The kernel and initrd too, beside the connection and the offer (not over a base: home has the ones it sent).
        if (base == null) {
            readBootFiles();
        }
        long down = System.nanoTime();
        long lostSince = 0;
        int attempts = 0;
        while (true) {
            try {
                peer = connected != null ? connected
                        : ctx.dialer().dial(target, user, suspendedHere ? ctx.times().abandonSuspended() : ctx.times().dial());
                connected = null;
                offer(home, visitKek, wasRunning, t0);
                lostSince = 0;
                if (base != null && !baseHeld) { // the disk goes ahead after all, diverted from here on
                    LOG.info(target + " does not hold the disk " + r.name() + "'s overlay lies over (" + base.claim()
                            + "): it is folded, and the disk goes ahead");
                    offBase();
                    held.divertDisk();
                    diverted = true;
                    ahead = ingesting(held.paths().disk(), true);
                    readBootFiles();
                }
                if (base == null) {
                    if (live && ahead != null && journal.visit() && sentDisk == null) {
                        offerStoredAhead(ahead); // first: the link starts at once, the kernel and initrd are small
                    }
                    Map<String, org.zos.store.manifest.Manifest> stored = ImageSender.readFiles(bootFiles);
                    images.put("kernel", out.offer(peer, transfer, "kernel", stored.get("kernel")));
                    images.put("initrd", out.offer(peer, transfer, "initrd", stored.get("initrd")));
                }
                if (held.state().isActive()) {
                    to(SendPhase.SENDING_AHEAD);
                    if (base != null) {
                        // Nothing goes ahead: the migration copies the overlay over the disk the target holds
                        // (the base's blocks, indexed meanwhile, are awaited once the target prepared).
                        LOG.info("the return of " + r.name() + " sends nothing ahead: " + target + " holds its disk, kernel and initrd");
                    } else {
                        if (live && journal.visit() && receiverPreparesEarly) { // asked for as soon as the disk went
                            asking = java.util.concurrent.CompletableFuture.supplyAsync(this::liveAsk, MoveSender::aside);
                        }
                        sentDisk = ahead.manifest();
                        if (live && journal.visit() && receiverPreparesEarly) {
                            // Its chunks go while the receiver's domain starts (its QEMU, the memory's fill); its
                            // blocks, indexed meanwhile, are awaited once the receiver prepared.
                            diskFiled = offerAside(sentDisk);
                            indexing = ahead;
                        } else {
                            out.offer(peer, transfer, "disk", sentDisk); // ahead, while the anima runs: most of it will not change
                            diskBlocks = ahead.blocks();
                        }
                    }
                    ctx.faults().at("sender.disk-ahead");
                    checkCancelled();
                    if (live) {
                        down = migrate();
                        ctx.faults().at("sender.migrated");
                        held.forgetMigrated();
                        break; // decided: the hypervisor let it go, it is paused on the target
                    }
                    down = suspend();
                } else {
                    to(SendPhase.SUSPENDED);
                }
                // The disk as the anima left it is stored while the memory is split against it.
                out.sendMemory(peer, transfer, held.paths(), ingesting(held.paths().disk(), false), diskBlocks, images);
                ctx.faults().at("sender.memory");
                checkCancelled(); // the last moment: once the target restored it, the move completes
                commit();
                break;
            } catch (ZosException e) {
                closePeer();
                attempts++;
                if (e.code() == ErrorCode.HOST_UNREACHABLE && !cancelled.getAsBoolean() && attempts < MoveTimes.MAX_ATTEMPTS) {
                    lostSince = lostSince == 0 ? System.nanoTime() : lostSince;
                    if (System.nanoTime() - lostSince < (suspendedHere ? ctx.times().abandonSuspended() : ctx.times().abandon()).toNanos()) {
                        LOG.warning("the move of " + r.name() + " to " + target + " lost its connection (" + e.getMessage()
                                + "); dialling again");
                        progress.accept(new Progress("connection lost; dialling " + target + " again", 0, 0, 0));
                        to(SendPhase.CONNECTING);
                        pause(ctx.times().retry());
                        continue;
                    }
                }
                giveUp(e);
                throw e;
            } catch (IOException | RuntimeException e) {
                closePeer();
                giveUp(e);
                throw e;
            }
        }
        // Decided: the target holds the anima restored, paused; it is the one copy from here on.
        long decided = System.nanoTime();
        to(SendPhase.COMMITTED);
        if (journal.visit()) {
            held.away(target);
            // The overlay of the live migration's last writes, here at home: they are the target's now.
            // (A visitor's goes when it forgets the anima.)
            held.dropOverlay();
            if (diverted && sentDisk != null) { // the disk under it is what went: the base of a live return
                try {
                    held.recordBase(sentDisk);
                } catch (IOException | RuntimeException e) {
                    LOG.warning("the disk of " + r.name() + " is not recorded as " + sentDisk.label() + " (its return sends"
                            + " its disk): " + e.getMessage());
                }
            }
        }
        ctx.faults().at("sender.committed");
        long committed = System.nanoTime();
        try {
            if (!patches.isEmpty()) {
                patchThere();
            }
            runThere();
            if (sourceMemory != null) {
                keepMemory(r.name(), sourceMemory, transfer);
                sourceMemory = null;
            }
        } finally {
            if (sourceMemory != null) {
                sourceMemory.close();
                sourceMemory = null;
            }
        }
        if (!journal.visit()) {
            ctx.kept().forget(r.name()); // gone home: what its home kept is of no use here any more
        }
        keptVisit();
        long end = System.nanoTime();
        // The downtime ends when the target answers that the anima runs there: what this host does after
        // (its journal, its record, letting go of its copy) does not keep the guest stopped.
        LOG.info(String.format(java.util.Locale.ROOT, "the end of the move of %s: stopped %d ms before the decision, journaled in %d ms, "
                + "running on %s %d ms later; this host's part done %d ms after", r.name(), (decided - down) / 1_000_000,
                (committed - decided) / 1_000_000, target, (runsThere - committed) / 1_000_000, (end - runsThere) / 1_000_000));
        Figures f = new Figures(wireBytes + out.wireBytes(), out.chunks(), (runsThere - down) / 1_000_000, (end - t0) / 1_000_000, converged);
        LOG.info("anima " + r.name() + " moved to " + target + ": " + f.note());
        return f;
    }

    /**
     * The generation of the disk image this host's disk file holds after the move (0: the newest stored): the
     * base a return over it left unread, whatever it stored of the visit since.
     */
    long diskFileGeneration() {
        return base != null ? base.generation() : 0;
    }

    /** Offers the move (again, after a lost connection) and journals it: this host's copy is the anima. */
    private void offer(String home, byte[] visitKek, boolean wasRunning, long t0) {
        AnimaRecord r = held.record();
        String purpose = visitKek != null ? MoveOffer.VISIT : MoveOffer.HOME;
        long bytes = (r.diskSizeMiB() << 20) * 2 + ((long) r.memoryMiB() << 20) * 2;
        MoveOffer o = new MoveOffer(r.name(), home, purpose, r.uuid().toString(), r.memoryMiB(), r.vcpus(), r.diskSizeMiB(),
                r.guestKey(), r.kernelPackage(), r.accelerator(), held.domainXml(), bytes,
                Base64.getEncoder().encodeToString(key.bytes()), visitKek != null ? Base64.getEncoder().encodeToString(visitKek) : null,
                base != null ? base.claim() : null);
        MoveReady ready = MoveProtocol.answer(peer.request(o, ctx.times().idle(), progress), MoveReady.class, o);
        transfer = ready.transfer();
        baseHeld = base != null && base.claim().equals(ready.diskBase());
        receiverPreparesEarly = ready.prepares();
        long accepted = System.nanoTime();
        journal = (journal == null ? MoveJournal.sending(r.name(), target, user, transfer, wasRunning, purpose)
                : journal.transfer(transfer)).save(ctx.stateDir());
        LOG.info("move of " + r.name() + " to " + target + " accepted " + (accepted - t0) / 1_000_000 + " ms after it began (journaled in "
                + (System.nanoTime() - accepted) / 1_000_000 + " ms)");
    }

    /**
     * How a live move's streams are coded: every page of memory and every block the disk's mirror writes
     * that the disk image sent ahead holds (by content, {@code blocks}) goes as a reference to it; the
     * rest is compressed with zstd level 1 (fast enough not to hold the stream back); on a return, a page
     * of the memory home kept ({@code kept}: its offset by digest; null: none) goes as a reference to it. What goes is capped
     * by {@code rate}, the move's: the cap is on bytes on the wire, as for a move suspended to a file.
     */
    static LivePipe.Coding liveCoding(DiskBlocks blocks, RateLimit rate, PageLedger ledger, DiskBlocks kept) {
        return liveCoding(blocks, rate, ledger, kept, null);
    }

    /**
     * As above, to a receiver whose memory starts with pages of the digests {@code initial} (null: zero); a
     * block or page of the content of one the disk's mirror sent whole goes as a reference to it.
     */
    static LivePipe.Coding liveCoding(DiskBlocks blocks, RateLimit rate, PageLedger ledger, DiskBlocks kept, long[] initial) {
        return liveCoding(() -> blocks, rate, ledger, kept, initial);
    }

    /** As above, with the disk's blocks as {@code blocks} gives them when the first page or block is coded. */
    static LivePipe.Coding liveCoding(java.util.function.Supplier<DiskBlocks> blocks, RateLimit rate, PageLedger ledger, DiskBlocks kept,
            long[] initial) {
        WholeBlocks.Sent mirror = new WholeBlocks.Sent(LiveStream.MIRRORED);
        WholeBlocks.Sent copied = new WholeBlocks.Sent(LiveStream.COPIED);
        return new LivePipe.Coding(page -> {
            long h = MemoryImage.hash(page);
            long at = h == 0 ? -1 : blocks.get().get(h);
            if (at < 0 && h != 0 && kept != null) {
                long k = kept.get(PageLedger.digest(page, 0));
                at = k < 0 ? -1 : k | LiveStream.KEPT;
            }
            if (at < 0) {
                at = copied.find(h);
            }
            return at < 0 ? mirror.find(h) : at;
        }, 1, rate, ledger, initial, mirror, copied);
    }

    /**
     * Migrates the running anima live through the agents (its disk was sent ahead, diverted to an overlay
     * since; the migration copies the overlay and the memory while the guest runs, what the disk sent
     * ahead holds as references):
     * journaled "migrating" first, so that a restarted agent asks its hypervisor who holds the anima. A
     * cancel stops the hypervisor's job. Returns when the anima is paused on the target (nanoTime).
     */
    /**
     * What a live migration asks the receiver to prepare, and what it opens and reads for that: the memory
     * home kept (a return) and its index by content, the memory the target sealed (a visit), the guest's
     * memory, whether it can go by content, and the request.
     */
    private record LiveAsk(java.util.Optional<KeptMemory.Index> keptHome, java.util.concurrent.CompletableFuture<DiskBlocks> keptIndex,
            java.util.Optional<SealedMemory.Record> sealed, java.util.Optional<java.nio.channels.FileChannel> memory, boolean canByContent,
            LivePrepare prepare) {
    }

    /** {@link LiveAsk}, now (libvirt's and QEMU's answers: 0.1 to 0.5 s on a host busy with a move). */
    private LiveAsk liveAsk() {
        String name = held.record().name();
        // Coming home: the pages of the memory home kept when it sent the anima here may go as references.
        java.util.Optional<KeptMemory.Index> keptHome = journal.visit() ? java.util.Optional.empty() : ctx.kept().get(name);
        // Their index by content is made while the receiver prepares (75,000 pages: tens of ms on a busy host).
        java.util.concurrent.CompletableFuture<DiskBlocks> keptIndex = keptHome.map(i -> java.util.concurrent.CompletableFuture
                .supplyAsync(i::byDigest, MoveSender::aside)).orElse(null);
        // Visiting a host it came home from: that host may hold the memory it came home with, sealed.
        java.util.Optional<SealedMemory.Record> sealed = journal.visit()
                ? SealedMemory.Record.read(held.paths().dir()).filter(s -> s.host().equals(target)) : java.util.Optional.empty();
        // Opened now, read once the migration is done (the source's QEMU has ended by then; the memory stays
        // while this channel is open); for memory by content, read all along.
        java.util.Optional<java.nio.channels.FileChannel> memory = ctx.hypervisor().get().memory(name, false);
        boolean canByContent = memory.isPresent() && ignoreShared(name, false);
        LivePrepare prepare = sealed.map(s -> new LivePrepare(transfer, held.migratableXml(), s.tag(), s.sum(),
                        Base64.getEncoder().encodeToString(s.key()), canByContent))
                .orElseGet(() -> new LivePrepare(transfer, held.migratableXml(), keptHome.map(KeptMemory.Index::tag).orElse(0L),
                        keptHome.map(KeptMemory.Index::sum).orElse(null), null, canByContent));
        return new LiveAsk(keptHome, keptIndex, sealed, memory, canByContent, prepare);
    }

    /** {@link #liveAsk} on a thread of its own, beside a live visit's disk read: taken by {@link #migrate}. */
    private java.util.concurrent.CompletableFuture<LiveAsk> asking;

    /** Drops what {@link #asking} made, if no migration took it (its memory closed). */
    private void dropAsking() {
        java.util.concurrent.CompletableFuture<LiveAsk> a = asking;
        asking = null;
        if (a != null) {
            a.thenAccept(x -> x.memory().ifPresent(MoveSender::closeQuietly));
        }
    }

    private long migrate() throws IOException {
        String name = held.record().name();
        long tp = System.nanoTime();
        progress.accept(new Progress("preparing the live migration on " + target, 0, 0, 0));
        java.util.concurrent.CompletableFuture<LiveAsk> made = asking;
        asking = null;
        LiveAsk ask = made != null ? DiskIngest.await(made, "preparing the live migration") : liveAsk();
        java.util.Optional<KeptMemory.Index> keptHome = ask.keptHome();
        java.util.concurrent.CompletableFuture<DiskBlocks> keptIndex = ask.keptIndex();
        java.util.Optional<SealedMemory.Record> sealed = ask.sealed();
        java.util.Optional<java.nio.channels.FileChannel> memory = ask.memory();
        boolean canByContent = ask.canByContent();
        LivePrepare prepare = ask.prepare();
        // The migration's links are dialed while the receiver prepares its domain: its streams open at once.
        java.util.function.Supplier<MoveLink> dial = () -> ctx.dialer().dial(target, user, ctx.times().dial());
        LiveOutgoing.Links links = LiveOutgoing.Links.dial(dial, canByContent);
        LivePrepared ready;
        try {
            long ta = System.nanoTime();
            ready = MoveProtocol.answer(peer.request(prepare, ctx.times().idle(), progress, this::askedFirst), LivePrepared.class, prepare);
            LOG.info(String.format(java.util.Locale.ROOT, "the live preparation of %s asked after %d ms (the domain's XML, its memory), answered %d ms later",
                    name, (ta - tp) / 1_000_000, (System.nanoTime() - ta) / 1_000_000));
            if (ready.liveXml() != null && !canByContent) {
                throw new ZosException(ErrorCode.PROTOCOL_ERROR, target + " answered live-prepare with a domain for memory by content, "
                        + "which this host did not offer", "");
            }
            if (base != null) { // indexed while the target prepared
                diskBlocks = DiskIngest.await(baseBlocks, "indexing the disk");
            }
        } catch (IOException | RuntimeException e) {
            memory.ifPresent(MoveSender::closeQuietly);
            links.discard();
            throw e;
        }
        boolean byContent = ready.liveXml() != null;
        if (!byContent) {
            links.noMemory();
        }
        java.util.Optional<KeptMemory.Index> keptThere = keptHome.filter(i -> i.tag() == ready.kept());
        DiskBlocks kept = keptThere.isPresent() ? keptIndex.join() : null;
        // Filled with it: the receiver's memory starts as the kept memory, and what is there already is left out.
        long[] initial = !ready.fill() ? null : sealed.isPresent()
                ? sealed.filter(s -> s.tag() == ready.kept()).map(SealedMemory.Record::digests).orElse(null)
                : keptThere.map(KeptMemory.Index::digests).orElse(null);
        if (keptHome.isPresent()) {
            LOG.info(kept == null ? target + " no longer holds the memory it kept of " + name + ": all of it goes"
                    : "the live return of " + name + " refers to the " + kept.size() + " pages " + target + " kept of its memory"
                    + (initial != null ? ", which fills the domain's memory there: what is unchanged is left out" : ""));
        }
        if (sealed.isPresent()) {
            LOG.info(initial == null ? target + " no longer holds the memory " + name + " came home with: all of it goes"
                    : target + " fills the domain's memory with the memory " + name + " came home with, sealed there: what is"
                    + " unchanged is left out");
        }
        long t0 = System.nanoTime();
        Convergence convergence = new Convergence();
        long[] pausedAt = {0};
        PageLedger ledger = new PageLedger(initial);
        RateLimit wire = new RateLimit(bytesPerSecond);
        // Checked as soon as QEMU has sent its last page (the guest stopped, the ledger complete), while the
        // device state and libvirt's finish go on: off the downtime's critical path. Memory by content needs
        // no check after: its last pages are that same comparison, made before the device state went.
        java.util.concurrent.CompletableFuture<List<LivePatch>> checked = byContent
                ? ledger.completed().thenApply(v -> List.<LivePatch>of())
                : ledger.completed().thenApplyAsync(v -> checkMemory(name, ledger, memory), MoveSender::aside);
        boolean memoryKept = false;
        // A disk sent beside the migration's start is still being indexed: its blocks are awaited only once a
        // stream codes its first page or block, which is after the disk is written on the receiver.
        DiskIngest blocksOf = indexing;
        indexing = null;
        java.util.function.Supplier<DiskBlocks> blocks = blocksOf == null ? () -> diskBlocks : () -> {
            if (diskBlocks == null) {
                try {
                    diskBlocks = blocksOf.blocks();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
            return diskBlocks;
        };
        LivePipe.Coding coding = liveCoding(blocks, wire, ledger, kept, initial);
        if (byContent) {
            LiveStream.Pages pages = coding.pages();
            coding = coding.byContent(f -> lastPages(name, f, ledger, memory.get(), pages));
        }
        Thread copier = null;
        boolean migrated = false;
        LiveOutgoing outgoing = null;
        try {
            outgoing = new LiveOutgoing(transfer, dial, ctx.times().idle(), coding, links, byContent);
            LiveSockets s = outgoing.sockets();
            if (byContent) {
                // The copy begins at once: it only reads the guest's memory, and the receiver keeps what comes
                // until its domain can take it. The migration is journaled before libvirt begins it.
                LiveStream.Pages pages = coding.pages();
                WholeBlocks.Sent copied = coding.copied();
                LiveOutgoing carrying = outgoing;
                copier = new Thread(() -> copyMemory(name, carrying, ledger, memory.get(), pages, copied, wire), "zos-memory-copy");
                copier.setDaemon(true);
                copier.start();
            }
            to(SendPhase.MIGRATING);
            ctx.faults().at("sender.migrating");
            if (byContent) {
                long tc = System.nanoTime();
                ctx.hypervisor().get().migrationCapability(name, "x-ignore-shared", true);
                LOG.info(String.format(java.util.Locale.ROOT, "the migration of %s set up %d ms after the preparation's answer"
                        + " (QEMU's x-ignore-shared on in %d ms)", name, (System.nanoTime() - t0) / 1_000_000, (System.nanoTime() - tc) / 1_000_000));
            }
            if (!byContent) {
                awaitDisk(); // QEMU's stream refers to the disk's blocks: the receiver's disk must be whole before it goes
            }
            Hypervisor.Migrated m;
            try (Meter watch = watch(name, t0, convergence, pausedAt, wire)) {
                m = held.migrateLive(new Hypervisor.LiveMigration(s.peerUri(), s.migrationUri(), s.disksUri(),
                        byContent ? ready.liveXml() : ready.domainXml(), Convergence.FIRST_PASS_DOWNTIME_MILLIS, ready.domainXml()));
            }
            migrated = true;
            long end = System.nanoTime();
            awaitDisk(); // (written before the memory by content began)
            wireBytes += outgoing.sentBytes();
            converged = !byContent ? convergence.describe(m.throttlePercent()) : copyLeft <= COPY_SETTLED
                    ? "converged: its memory by content, " + copyLeft + " pages changed in the last round while it ran"
                    : "did not converge: " + copyLeft + " pages changed in each round while it ran; they went with it stopped";
            LOG.info("migrated " + name + " live to " + target + " in " + (end - t0) / 1_000_000 + " ms (" + converged
                    + "); QEMU's final stop " + m.downtimeMillis() + " ms");
            long waited = System.nanoTime();
            patches = ledger.isComplete() ? checked.join() : checkMemory(name, ledger, memory);
            LOG.info("the memory check of " + name + " ended " + (System.nanoTime() - waited) / 1_000_000 + " ms after the migration");
            if (memory.isPresent()) { // kept for the return (sealed here for the next visit), once the anima runs there
                sourceMemory = memory.get();
                memoryKept = true;
            }
            // The guest stopped inside QEMU for its last pages and device state (or when it was paused to
            // end a migration that did not converge), and stays paused on the target until it is told to
            // run: its downtime started then.
            if (pausedAt[0] != 0) {
                return pausedAt[0];
            }
            return end - (m.downtimeMillis() >= 0 ? m.downtimeMillis() : Convergence.DOWNTIME_MILLIS) * 1_000_000;
        } catch (RuntimeException e) {
            if (pausedAt[0] != 0 && held.state() == DomainState.PAUSED) { // the hypervisor kept it, paused by us: run it again
                ctx.hypervisor().get().resume(name);
            }
            if (e instanceof ZosException) {
                checkCancelled();
            }
            java.util.concurrent.CompletableFuture<Long> disk = diskFiled;
            if (disk != null && disk.isCompletedExceptionally()) { // what failed first: the migration waited for the disk
                awaitDisk();
            }
            throw e;
        } finally {
            if (outgoing != null) { // its sockets go; the streams end with the hypervisor's own connections
                outgoing.close();
            }
            if (copier != null) { // ended whole before the migration went on, unless the migration failed: then it stops
                copyStop.set(true);
                org.zos.protocol.stream.Duplex d = copyStream;
                if (d != null) {
                    d.close();
                }
                copier.interrupt();
                try {
                    copier.join(10_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (byContent && !migrated && held.state().isActive()) { // it runs here as before: its saves carry its memory
                ignoreShared(name, false);
            }
            if (ledger.isComplete()) {
                checked.exceptionally(x -> null).join(); // it reads the memory closed next
            }
            if (!memoryKept && memory.isPresent()) {
                memory.get().close();
            }
        }
    }

    /** Rounds of the copy of memory by content while the guest runs: at most this many. */
    static final int COPY_ROUNDS = 8;
    /** A round that finds at most this many pages changed is the last before QEMU stops the guest. */
    static final int COPY_SETTLED = 256;

    /**
     * Whether round {@code round} of the memory by content, which found {@code changed} pages, is the last
     * while the guest runs; {@code last} pages were found by the round before ({@link Long#MAX_VALUE}: none
     * to judge by). It is when it found at most {@link #COPY_SETTLED}, or not fewer than half of the round
     * before (a guest that writes faster than the link takes it), or after {@link #COPY_ROUNDS}. (A rule that
     * also ended the rounds when the guest, writing as fast as the round before showed, would write few
     * pages during another, saved a round of a return now and then, but twice left a stop of more than
     * 0.5 s: docs/benchmarks.md, "Tried and taken back: rounds ended by the guest's rate".)
     */
    static boolean lastRound(int round, long changed, long last) {
        return changed <= COPY_SETTLED || round > 1 && changed * 2L > last || round >= COPY_ROUNDS;
    }

    /**
     * Turns QEMU's x-ignore-shared of the anima's domain on or off; whether it could (a hypervisor without
     * the capability, or a QEMU that refuses it, cannot move memory by content).
     */
    private boolean ignoreShared(String name, boolean on) {
        try {
            ctx.hypervisor().get().migrationCapability(name, "x-ignore-shared", on);
            return true;
        } catch (RuntimeException | LinkageError e) {
            LOG.info("x-ignore-shared of " + name + " not turned " + (on ? "on" : "off") + " (" + e + "): QEMU's stream carries its memory");
            return false;
        }
    }

    private static void closeQuietly(java.nio.channels.FileChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            LOG.fine("closing the memory: " + e);
        }
    }

    /**
     * Memory by content (docs/protocol.md): while libvirt prepares the receiving domain and the guest runs,
     * copies every page of {@code ram} that differs from what the receiver holds ({@code ledger}) to the
     * receiver's memory stream (those it sends whole numbered in {@code copied}), in rounds, until a round finds little changed ({@link #COPY_SETTLED}); the
     * stream's end lets QEMU's migration connect ({@link LiveOutgoing#letMigrationGo}), which then stops the
     * guest at once; libvirt copies the disk's overlay meanwhile. A copy that fails ends the migration (the
     * anima runs on here): the receiver's memory would not be what the ledger says.
     */
    private void copyMemory(String name, LiveOutgoing outgoing, PageLedger ledger, java.nio.channels.FileChannel ram, LiveStream.Pages pages,
            WholeBlocks.Sent copied, RateLimit rate) {
        long t0 = System.nanoTime();
        org.zos.protocol.stream.Duplex d = null;
        LOG.info("copying the memory of " + name + " by content to " + target + " while its domain there starts");
        try {
            if (diskFiled != null && !diskFiled.isDone()) { // its pages refer to the disk's blocks: the receiver's must be whole
                long tw = System.nanoTime();
                awaitDisk();
                LOG.info("the disk of " + name + " written on " + target + " " + (System.nanoTime() - tw) / 1_000_000
                        + " ms after the copy of its memory was to begin");
            }
            d = outgoing.memory(LiveIncoming.HOLD.plusSeconds(30));
            copyStream = d;
            long opened = System.nanoTime();
            LiveStream.Counting onWire = new LiveStream.Counting(LivePipe.capped(LivePipe.outputOf(d), rate));
            java.io.DataOutputStream out = LiveStream.recordsTo(onWire, 1);
            // The receiver says 'R' once its domain's memory can be written (it keeps what comes before):
            // the rounds go on from the start, and end only after it, so that what the guest wrote while the
            // receiver's QEMU started is not left for the stop.
            java.io.InputStream answers = d.input();
            long[] readyAt = {0};
            java.util.concurrent.CompletableFuture<Integer> ready = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return answers.read();
                } catch (IOException e) {
                    return -1;
                } finally {
                    readyAt[0] = System.nanoTime();
                }
            }, r -> {
                Thread t = new Thread(r, "zos-memory-ready");
                t.setDaemon(true);
                t.start();
            });
            StringBuilder rounds = new StringBuilder();
            long last = Long.MAX_VALUE;
            for (int round = 1; ; round++) {
                boolean readyBefore = ready.isDone();
                long r0 = System.nanoTime();
                long w0 = onWire.count;
                long[] refs = {0};
                int changed = Math.toIntExact(sendDiffering(ram, ledger, pages, (at, p, found) -> {
                    if (copyStop.get() || cancelled.getAsBoolean()) {
                        throw new ZosException(ErrorCode.CANCELLED, "the copy of the memory of " + name + " was stopped", "");
                    }
                    if (found < 0) { // whole: the receiver keeps it, and a block of the disk's mirror like it refers to it
                        copied.add(p);
                    } else {
                        refs[0]++;
                    }
                    LiveStream.writePage(out, at, p, found);
                }));
                out.flush();
                rounds.append(rounds.length() == 0 ? "" : ", ").append(changed).append(" (").append(refs[0]).append(" as references) in ")
                        .append((System.nanoTime() - r0) / 1_000_000).append(" ms (").append(onWire.count - w0).append(" bytes)");
                copyLeft = changed;
                // Settled, or no longer shrinking (a guest that writes its memory faster than the link takes it),
                // or enough rounds: the end, once the receiver was ready before the round began.
                if (lastRound(round, changed, last)) {
                    if (readyBefore) {
                        break;
                    }
                    awaitReady(ready, name);
                    last = Long.MAX_VALUE; // the next round has what the guest wrote while waiting: judged on its own
                    continue;
                }
                last = changed;
            }
            out.writeByte('E');
            out.flush();
            int end = d.input().read(); // the receiver closes once it has written it all
            outgoing.letMigrationGo(); // QEMU's connect(2) waited for this: its migration goes on, and stops the guest
            LOG.info(String.format(java.util.Locale.ROOT, "the memory of %s by content: the stream open %d ms after the migration began;"
                    + " pages copied while it runs %s; the receiver's domain ready after %d ms; written there %d ms after it began%s",
                    name, (opened - t0) / 1_000_000, rounds, (readyAt[0] - t0) / 1_000_000, (System.nanoTime() - t0) / 1_000_000,
                    end < 0 ? "" : " (the receiver sent more)"));
        } catch (IOException | RuntimeException e) {
            outgoing.refuseMigration(); // a QEMU waiting at the gate fails its migration (a cancel alone would leave it waiting)
            if (!copyStop.get()) {
                LOG.warning("the memory of " + name + " could not be copied by content (" + e + "); its migration is stopped");
                ctx.hypervisor().get().abortMigration(name);
            }
        } finally {
            if (d != null) {
                d.close();
            }
        }
    }

    /** Waits for the receiver's 'R' (its domain's memory can be written). */
    private void awaitReady(java.util.concurrent.CompletableFuture<Integer> ready, String name) {
        int r;
        try {
            r = ready.get(LiveIncoming.HOLD.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new ZosException(ErrorCode.HOST_UNREACHABLE, "the domain of " + name + " on " + target + " did not start within "
                    + LiveIncoming.HOLD.toSeconds() + " s", "see libvirtd's log on " + target);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new ZosException(ErrorCode.HOST_UNREACHABLE, "the memory stream to " + target + " broke off: " + e.getCause(), "");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ZosException(ErrorCode.CANCELLED, "interrupted while the domain of " + name + " started on " + target, "");
        }
        if (r < 0) {
            throw new ZosException(ErrorCode.HOST_UNREACHABLE, "the memory stream to " + target + " ended before the domain of " + name
                    + " there was ready", "");
        }
        if (r != 'R') {
            throw new ZosException(ErrorCode.PROTOCOL_ERROR, target + " answered the memory stream with byte " + r + ", not 'R'", "");
        }
    }

    /**
     * The last pages of memory by content, in QEMU's stream before the device state (the guest is stopped):
     * every page of {@code ram} that differs from what the receiver holds.
     */
    private static void lastPages(String name, Follower f, PageLedger ledger, java.nio.channels.FileChannel ram, LiveStream.Pages pages)
            throws IOException {
        long t0 = System.nanoTime();
        long[] offsets = ledger.differing(ram);
        sendPages(offsets, ram, ledger, pages, f::writePage);
        LOG.info("the memory of " + name + " by content: " + offsets.length + " pages changed since the last round, sent with the guest"
                + " stopped, before its device state (" + (System.nanoTime() - t0) / 1_000_000 + " ms)");
    }

    /** Where a page of memory by content goes: its offset, its bytes, and where the receiver holds it ({@link LiveStream.Pages#find}). */
    @FunctionalInterface
    interface PageSink {
        void send(long at, byte[] page, long found) throws IOException;
    }

    /**
     * Reads the pages of {@code ram} at {@code offsets}, notes each in the ledger as sent and gives it to
     * {@code sink} with where the receiver holds it; returns how many it holds (references).
     */
    static long sendPages(long[] offsets, java.nio.channels.FileChannel ram, PageLedger ledger, LiveStream.Pages pages,
            PageSink sink) throws IOException {
        byte[] page = new byte[LiveStream.PAGE];
        long refs = 0;
        for (long at : offsets) {
            KeptMemory.read(ram, at, page);
            ledger.sent(at, PageLedger.digest(page, 0));
            long found = pages.find(page);
            refs += found >= 0 ? 1 : 0;
            sink.send(at, page, found);
        }
        return refs;
    }

    /**
     * One round of the memory by content while the guest runs: every page of {@code ram} that differs from
     * what the receiver holds, noted in the ledger as sent and given to {@code sink} with where the receiver
     * holds it, as it is read ({@link PageLedger#eachDiffering}); returns how many.
     */
    static long sendDiffering(java.nio.channels.FileChannel ram, PageLedger ledger, LiveStream.Pages pages, PageSink sink) throws IOException {
        byte[] page = new byte[LiveStream.PAGE];
        return ledger.eachDiffering(ram, (at, bytes, off, digest) -> {
            System.arraycopy(bytes, off, page, 0, LiveStream.PAGE);
            ledger.sent(at, digest);
            sink.send(at, page, pages.find(page));
        });
    }

    /** Runs {@code r} on a thread of its own (not a pool's: the check itself runs its parts in the common pool). */
    private static void aside(Runnable r) {
        Thread t = new Thread(r, "zos-move-aside");
        t.setDaemon(true);
        t.start();
    }

    /**
     * Once QEMU has sent its last page: the pages of the guest's memory whose copy on the target is not the
     * paused source's (PageLedger), as requests; none if there is nothing to compare (said in the log).
     * Never fails: the move is decided by the time they are used, and an unchecked copy is what it was
     * before the check existed.
     */
    private List<LivePatch> checkMemory(String name, PageLedger ledger, java.util.Optional<java.nio.channels.FileChannel> memory) {
        if (memory.isEmpty()) {
            LOG.warning("the memory of " + name + " is not checked after its live migration: its domain has no shared memory "
                    + "backing (it was defined before zos gave it one; a restart defines it anew)");
            return List.of();
        }
        if (!ledger.isComplete()) {
            LOG.warning("the memory of " + name + " is not checked after its live migration: its stream was not followed to its end");
            return List.of();
        }
        long t = System.nanoTime();
        try {
            MemoryCheck.Found f = MemoryCheck.patches(transfer, name, ledger, memory.get());
            String took = (System.nanoTime() - t) / 1_000_000 + " ms";
            if (f.differing() == 0) {
                LOG.info("the memory of " + name + " checked after its live migration: all " + f.compared() + " pages as sent (" + took + ")");
            } else {
                LOG.warning("the memory of " + name + " checked after its live migration: " + f.differing() + " of " + f.compared()
                        + " pages changed after they were last sent (the hypervisor missed writes); they go again (" + took + ")");
            }
            return f.patches();
        } catch (IOException | RuntimeException e) {
            LOG.severe("the memory of " + name + " could not be checked after its live migration: " + e);
            return List.of();
        }
    }

    /**
     * On a thread of its own, once the anima runs on the target, keeps {@code memory} and tells the target
     * each page's digest ({@code memory-kept}). At home ({@link KeptMemory}) so that the anima's live return
     * refers to what it did not change; on a visited host the anima went home from, sealed under a fresh key
     * that goes home with the digests and is forgotten here ({@link SealedMemory}), so that its next live
     * visit fills with it. It is only an economy: a failure is logged, and that move then sends all of the memory.
     * It waits for the command moving the anima here to be over ({@link Afterwards}: a return's erasure).
     */
    private void keepMemory(String name, java.nio.channels.FileChannel memory, long tag) {
        java.nio.file.Path dir = held.paths().dir();
        boolean home = journal.visit();
        java.nio.file.Path sealedFile = SealedMemory.file(ctx.stateDir(), name);
        ctx.afterwards().run(name, "zos-keep-memory", () -> {
            long t0 = System.nanoTime();
            byte[] sealKey = home ? null : SealedMemory.newKey();
            try (memory) {
                long[] digests = home ? KeptMemory.keep(dir, memory, tag) : SealedMemory.seal(memory, sealedFile, tag, sealKey);
                long written = System.nanoTime();
                String key = sealKey == null ? null : Base64.getEncoder().encodeToString(sealKey);
                try (MoveLink p = ctx.dial(target, user)) {
                    for (int first = 0; first < digests.length; first += org.zos.protocol.message.MemoryKept.MAX_COUNT) {
                        int n = Math.min(org.zos.protocol.message.MemoryKept.MAX_COUNT, digests.length - first);
                        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(n * 8);
                        b.asLongBuffer().put(digests, first, n);
                        org.zos.protocol.message.MemoryKept k = new org.zos.protocol.message.MemoryKept(name, tag, digests.length, first, n,
                                Base64.getEncoder().encodeToString(com.github.luben.zstd.Zstd.compress(b.array(), 1)), key);
                        MoveProtocol.answer(p.request(k, ctx.times().idle()), MoveDone.class, k);
                    }
                }
                LOG.info(String.format(java.util.Locale.ROOT, "%s the memory %s %s with (%d pages) in %d ms, its digests%s on %s in %d ms",
                        home ? "kept" : "sealed", name, home ? "left" : "went home", digests.length, (written - t0) / 1_000_000,
                        home ? "" : " and key", target, (System.nanoTime() - written) / 1_000_000));
            } catch (IOException | RuntimeException e) {
                if (home) {
                    KeptMemory.drop(dir);
                } else {
                    SealedMemory.delete(ctx.stateDir(), name);
                }
                LOG.warning("the memory " + name + " left with is not kept (its next live move sends all of it): " + e);
            } finally {
                if (sealKey != null) {
                    java.util.Arrays.fill(sealKey, (byte) 0);
                }
            }
        });
    }

    /** Sends the pages of memory the check found before the target runs the anima; if they cannot go, says so. */
    private void patchThere() {
        String name = held.record().name();
        try {
            for (LivePatch p : patches) {
                MoveProtocol.answer(peer.request(p, ctx.times().idle(), progress), MoveDone.class, p);
            }
        } catch (RuntimeException e) {
            LOG.severe(patches.stream().mapToLong(LivePatch::pages).sum() + " pages of " + name + "'s memory that its live "
                    + "migration did not carry could not reach " + target + " (" + e.getMessage() + "); it runs there without them");
        }
    }

    /**
     * A live migration's progress while it runs; a cancelled move stops the hypervisor's job; a migration
     * that does not converge is steered by {@code convergence} (the moment it paused the guest goes to
     * {@code pausedAt}).
     */
    private Meter watch(String name, long t0, Convergence convergence, long[] pausedAt, RateLimit wire) {
        Hypervisor hv = ctx.hypervisor().get();
        return Meter.poll("migrating live", () -> {
            if (cancelled.getAsBoolean()) {
                held.abortMigration();
            }
            switch (convergence.observe(hv.jobStats(name), (System.nanoTime() - t0) / 1_000_000)) {
                case PACE -> {
                    // The link's rate: the move's cap, or the fastest second seen on it, by the images sent ahead
                    // or by these streams (not these alone: where their pages go as references, they leave the link idle).
                    long link = wire.cap() > 0 ? wire.cap() : Math.max(wire.peak(), rate.peak());
                    if (link > 0) {
                        hv.setMaxSpeed(name, Convergence.PACE_FACTOR * link);
                        hv.setMaxDowntime(name, Convergence.PACED_DOWNTIME_MILLIS);
                    } else {
                        hv.setMaxDowntime(name, Convergence.DOWNTIME_MILLIS);
                    }
                    LOG.info("the first pass of " + name + "'s live migration is over: " + (link > 0 ? "its rate capped at "
                            + Convergence.PACE_FACTOR * link / 1000 + " kB/s (" + Convergence.PACE_FACTOR + " times the link's), a stop of "
                            + Convergence.PACED_DOWNTIME_MILLIS + " ms asked" : "the link's rate unknown, a stop of "
                            + Convergence.DOWNTIME_MILLIS + " ms asked"));
                }
                case LONGER_STOP -> {
                    LOG.warning("the live migration of " + name + " does not converge: allowing a stop of up to "
                            + Convergence.FALLBACK_DOWNTIME_MILLIS + " ms");
                    hv.setMaxDowntime(name, Convergence.FALLBACK_DOWNTIME_MILLIS);
                }
                case PAUSE -> {
                    LOG.warning("the live migration of " + name + " does not converge: pausing the guest for the rest");
                    pausedAt[0] = System.nanoTime();
                    hv.pause(name);
                }
                case NOTHING -> { }
            }
            return hv.jobProgress(name)
                    .map(j -> new Progress("migrating live", j.processed(), j.total(), (System.nanoTime() - t0) / 1_000_000));
        }, progress);
    }

    /** Suspends the running anima: its downtime starts. Returns when (nanoTime). */
    private long suspend() throws IOException {
        progress.accept(new Progress("suspending", 0, 0, 0));
        long down = System.nanoTime(); // the guest stops from here until it runs on the other side
        held.suspend();
        LOG.info("suspended " + held.record().name() + " in " + (System.nanoTime() - down) / 1_000_000 + " ms");
        suspendedHere = true;
        to(SendPhase.SUSPENDED);
        ctx.faults().at("sender.suspended");
        return down;
    }

    /** Asks the target to write the images and restore the anima paused. */
    private void commit() {
        to(SendPhase.COMMITTING);
        progress.accept(new Progress("restoring on " + target, 0, 0, 0));
        long tc = System.nanoTime();
        MoveCommit c = new MoveCommit(transfer, images, held.record().stateSha256());
        MoveDone restored = MoveProtocol.answer(peer.request(c, ctx.times().idle(), progress), MoveDone.class, c);
        LOG.info("commit on " + target + ": " + (System.nanoTime() - tc) / 1_000_000 + " ms (" + restored.state() + ")");
    }

    /**
     * Decided: tells the target to run the anima. If it answers that it cannot, the anima is this host's
     * again and runs here; if it stops answering, the journal goes on telling it in the background.
     */
    private void runThere() throws IOException {
        String name = held.record().name();
        progress.accept(new Progress("running on " + target, 0, 0, 0));
        try {
            decisions.go(journal, ctx.times().goPatience(), peer);
            runsThere = System.nanoTime();
        } catch (ZosException e) {
            closePeer();
            if (e.code() != ErrorCode.HOST_UNREACHABLE && live) { // nothing to take back: the hypervisor let it go
                decisions.goLater(journal);
                throw new ZosException(e.code(), target + " holds anima '" + name + "' paused after its live migration but could "
                        + "not run it (" + e.getMessage() + "); this host's agent keeps telling it to", "see " + target + "'s agent log");
            }
            if (e.code() != ErrorCode.HOST_UNREACHABLE) { // it answered that it cannot run it: ours again
                LOG.warning(target + " could not run " + name + " (" + e.getMessage() + "); resuming it here");
                if (journal.visit()) {
                    held.reclaim();
                }
                held.resume();
                to(SendPhase.TAKEN_BACK);
                throw new ZosException(e.code(), target + " could not run anima '" + name + "' after its restore ("
                        + e.getMessage() + "); it runs here again", "");
            }
            decisions.goLater(journal);
            throw new ZosException(ErrorCode.HOST_UNREACHABLE, "anima '" + name + "' is restored on " + target
                    + " but " + target + " stopped answering before it ran it; this host's agent keeps telling it to",
                    "see 'zos-vm status " + name + "'");
        }
        closePeer();
        if (journal.visit()) {
            held.letGo();
        }
        to(SendPhase.DONE);
    }

    /**
     * The move failed before it was decided: the anima runs here as it did, then the target is told to
     * drop the move. Resuming first is safe: the target runs nothing until this host's journal says
     * committed, and a target that missed the abort asks ({@code move-query}) and hears "aborted".
     */
    private void giveUp(Exception why) throws IOException {
        for (DiskIngest i : ingesting) {
            i.settle();
        }
        offBase();
        if (bootFiles != null) { // short: done before the store is let go
            bootFiles.exceptionally(x -> null).join();
        }
        if (suspendedHere) {
            held.resume();
        }
        if (diverted) {
            held.foldDisk();
        }
        if (transfer != 0) {
            ctx.abort(target, user, transfer, String.valueOf(why.getMessage()), Duration.ofSeconds(10));
        }
        to(SendPhase.GIVEN_UP);
    }

    private void closePeer() {
        if (peer != null) {
            peer.close();
            peer = null;
        }
        askedFirst();
        Thread t = diskSending;
        if (t != null) { // its link is closed: it ends at once
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            diskSending = null;
        }
        diskFiled = null; // a next try sends the disk again, as its receiver then says
        indexing = null;
        dropAsking();
    }

    /**
     * A live visit to a receiver that prepares its domain while the disk comes: offers the disk and, once
     * the receiver answered which chunks it lacks, returns, while a thread of its own sends them; the
     * future is done once the receiver has the disk written and synced (image-sent's answer).
     */
    private java.util.concurrent.CompletableFuture<Long> offerAside(org.zos.store.manifest.Manifest disk) throws IOException {
        java.util.concurrent.CompletableFuture<Void> answered = new java.util.concurrent.CompletableFuture<>();
        java.util.concurrent.CompletableFuture<Long> filed = new java.util.concurrent.CompletableFuture<>();
        MoveLink on = peer;
        java.util.concurrent.CountDownLatch asked = new java.util.concurrent.CountDownLatch(1);
        askedFirst = asked;
        Thread t = new Thread(() -> {
            try {
                filed.complete(out.offer(on, transfer, "disk", disk, () -> false, () -> {
                    answered.complete(null);
                    try { // live-prepare goes first (a move that fails before it lets the chunks go: closePeer)
                        asked.await(ASK_FIRST_WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
            } catch (Throwable e) {
                answered.completeExceptionally(e);
                filed.completeExceptionally(e);
            }
        }, "zos-disk-send");
        t.setDaemon(true);
        diskSending = t;
        t.start();
        DiskIngest.await(answered, "offering the disk");
        return filed;
    }

    /** The longest the disk's chunks wait for live-prepare to go first ({@link #askedFirst}). */
    private static final Duration ASK_FIRST_WAIT = Duration.ofSeconds(5);

    /** live-prepare is on its way: the disk's chunks may follow it. */
    private void askedFirst() {
        java.util.concurrent.CountDownLatch a = askedFirst;
        if (a != null) {
            a.countDown();
        }
    }

    /** Waits until the disk sent beside the migration's start is written on the receiver (nothing if it was sent before). */
    private void awaitDisk() throws IOException {
        java.util.concurrent.CompletableFuture<Long> f = diskFiled;
        if (f != null) {
            DiskIngest.await(f, "sending the disk");
        }
    }

    /** Waits {@code d}, or less if the move is cancelled meanwhile. */
    private void pause(Duration d) {
        long end = System.nanoTime() + d.toNanos();
        while (System.nanoTime() < end && !cancelled.getAsBoolean()) {
            Interrupts.sleep(Duration.ofMillis(20));
        }
    }

    /** Starts reading the kernel and initrd into the store, beside the connection and the offer. */
    private void readBootFiles() {
        Map<String, java.nio.file.Path> boot = new LinkedHashMap<>();
        boot.put("kernel", held.paths().kernel());
        boot.put("initrd", held.paths().initrd());
        bootFiles = out.readAhead(boot, 1);
    }

    /**
     * A return over {@link #base}: its blocks are indexed for the migration's references, and the disk as the
     * visit leaves it is stored, while the move goes on (both read the page cache the visit's start filled).
     */
    private void onBase() {
        java.nio.file.Path disk = held.paths().disk();
        DiskBlocks made = BaseBlocks.get(disk, base.claim()); // while it visited
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        baseBlocks = made != null ? java.util.concurrent.CompletableFuture.completedFuture(made)
                : org.zos.agent.anima.Background.supply("zos-index-base", () -> DiskIngest.index(disk, stop::get));
        baseBlocks.whenComplete((b, e) -> stop.set(true)); // cancelled with the future (offBase)
        // What the visit wrote stays here sealed, as a return that sent the disk left it: home stores the same
        // once the anima runs there, and the next domination's new chunks of the disk refer to them.
        visitKept = ingesting(() -> FlatDisk.writes(ctx.hypervisor().get(), held.paths()), held.paths().diskTop());
        LOG.info("the return of " + held.record().name() + " offers the disk its overlay lies over (" + base.claim() + ")");
    }

    /** No return over {@link #base} (home does not hold it, or the move failed): what it started stops. */
    private void offBase() {
        if (baseBlocks != null) {
            baseBlocks.cancel(false);
            baseBlocks = null;
        }
        if (visitKept != null) {
            visitKept.settle();
            visitKept = null;
        }
        base = null;
        baseHeld = false;
    }

    /** Waits for the store of the disk as the visit left it (the store closes after the move); a failure is only logged. */
    private void keptVisit() {
        if (visitKept == null) {
            return;
        }
        long t0 = System.nanoTime();
        try {
            visitKept.quietly();
            LOG.info("what the visit of " + held.record().name() + " wrote to its disk is stored here sealed (waited "
                    + (System.nanoTime() - t0) / 1_000_000 + " ms for it)");
        } catch (IOException | RuntimeException e) {
            LOG.warning("what the visit of " + held.record().name() + " wrote to its disk is not stored here (its next visit"
                    + " sends it again): " + e.getMessage());
        }
        visitKept = null;
    }

    /** Starts storing what {@code source} reads (as large as {@code file}) as what a visit wrote, on a thread of its own. */
    private DiskIngest ingesting(DiskIngest.Source source, java.nio.file.Path file) {
        DiskIngest i = new DiskIngest(store, AnimaStore.writesOf("disk"), source, file, false, false, p -> { });
        ingesting.add(i);
        return i;
    }

    /**
     * Starts storing the disk on a thread of its own (see {@link DiskIngest}); if it was stored ahead while
     * the anima ran here and nothing wrote it since ({@link org.zos.agent.anima.DiskBase#AHEAD}), takes that
     * generation as the disk's instead, reading nothing.
     */
    private DiskIngest ingesting(java.nio.file.Path disk, boolean indexBlocks) {
        java.util.Optional<org.zos.agent.anima.DiskBase> ahead = disk.equals(held.paths().disk())
                ? org.zos.agent.anima.DiskBase.read(held.paths(), org.zos.agent.anima.DiskBase.AHEAD) : java.util.Optional.empty();
        DiskIngest i = ahead.isPresent() ? adoptAhead(ahead.get(), disk, indexBlocks) : null;
        if (i == null) {
            i = new DiskIngest(store, disk, indexBlocks, diverted, progress);
        }
        ingesting.add(i);
        return i;
    }

    /**
     * A live visit whose disk is still being read (the guest wrote it since it was stored ahead) first offers
     * what this host stored of it ahead while the anima ran ({@link AnimaStore#aheadOf}), if it did: its
     * chunks, most of the disk's on a first visit, go on the link until the read ends, and the disk's own
     * offer then sends the rest. The receiver writes them where the disk goes and brings that up to the
     * disk at its offer (docs/protocol.md, "Moving an anima", step 2).
     */
    private void offerStoredAhead(DiskIngest reading) throws IOException {
        if (reading.adopted()) {
            return;
        }
        org.zos.store.manifest.Manifest stored;
        try {
            stored = store.manifest(AnimaStore.aheadOf("disk"), 0);
        } catch (ZosException e) {
            if (e.code() == ErrorCode.ANIMA_NOT_FOUND) {
                return; // never stored ahead
            }
            throw e;
        }
        // Only while the disk is read: what the guest wrote since it was stored ahead goes with the disk,
        // not as it was then (a stale chunk sent is a chunk sent in vain).
        out.offer(peer, transfer, stored.image(), stored, reading::done);
    }

    /** The disk as stored ahead ({@code ahead}, still the file), committed as its next generation; null if it cannot be. */
    private DiskIngest adoptAhead(org.zos.agent.anima.DiskBase ahead, java.nio.file.Path disk, boolean indexBlocks) {
        try {
            long t0 = System.nanoTime();
            org.zos.store.manifest.Manifest m = store.adoptAhead("disk", ahead.generation(), java.util.HexFormat.of().parseHex(ahead.digest()));
            LOG.info(String.format(java.util.Locale.ROOT, "%s: the disk as stored ahead while it ran here, unwritten since"
                    + " (%d MiB, nothing read) in %d ms", m.label(), m.length() >> 20, (System.nanoTime() - t0) / 1_000_000));
            return DiskIngest.adopted(m, disk, indexBlocks, progress);
        } catch (IOException | RuntimeException e) {
            LOG.info("the disk stored ahead of " + held.record().name() + " is not taken (" + e.getMessage() + "): it is read");
            return null;
        }
    }

    private void checkCancelled() {
        if (cancelled.getAsBoolean()) {
            throw new ZosException(ErrorCode.CANCELLED, "the move of anima '" + held.record().name() + "' to " + target
                    + " was cancelled; it runs here as before", "");
        }
    }

}
