package org.zos.agent.move;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.logging.Logger;
import org.zos.agent.anima.AnimaManager;
import org.zos.agent.anima.AnimaRecord;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.protocol.message.ChunksWanted;
import org.zos.protocol.message.ImageOffer;
import org.zos.protocol.message.ImageReceived;
import org.zos.protocol.message.ImageSent;
import org.zos.protocol.message.MoveCommit;
import org.zos.protocol.message.MoveDone;
import org.zos.protocol.message.MoveOffer;
import org.zos.protocol.message.MoveReady;
import org.zos.protocol.message.Progress;
import org.zos.protocol.net.Peer;
import org.zos.store.AnimaStore;
import org.zos.store.chunk.ChunkId;
import org.zos.store.chunk.SealedChunk;
import org.zos.store.chunking.ChunkerParams;
import org.zos.store.crypto.MasterKey;
import org.zos.store.manifest.Manifest;

/**
 * The sending side of a move, for a domination (from the anima's home) and for a return (from the host it
 * visits). While the anima runs, its disk is sent ahead (a visit only); then it is suspended, its memory
 * and what changed on its disk are sent, and the receiver restores it. Until the receiver confirms, this
 * host keeps its resumable copy and resumes it if the move fails; once it confirms, this host gives its
 * copy up.
 */
final class MoveSender {
    private static final Logger LOG = Logger.getLogger(MoveSender.class.getName());
    static final Duration IDLE = Duration.ofSeconds(120);
    /** How long a move goes on dialling a target whose connection broke before giving up. */
    static final Duration ABANDON = Duration.ofSeconds(60);
    /**
     * The same once the anima is suspended for the move: every second of it is downtime, so after this
     * the anima runs here again. With {@link org.zos.protocol.net.Liveness#SILENCE} to notice a dead
     * target, a failed move keeps the anima suspended for at most about 20 s (docs/protocol.md).
     */
    static final Duration ABANDON_SUSPENDED = Duration.ofSeconds(10);
    private static final int MAX_ATTEMPTS = 10;
    private static final long RETRY_MILLIS = 2000;
    /** How long the sender itself waits for the target to run an anima it restored. */
    private static final Duration GO_PATIENCE = Duration.ofSeconds(30);
    private static final Duration FRAME_WAIT = Duration.ofSeconds(60);

    /** What a move cost: bytes of data frames, chunks sent, and the anima's downtime. */
    record Figures(long wireBytes, long chunks, long downtimeMillis, long totalMillis) {
        /** "sent 12.3 MiB (12902912 bytes) in 45 chunks; downtime 1.21 s; total 4.50 s" */
        String note() {
            return String.format(java.util.Locale.ROOT, "sent %.1f MiB (%d bytes) in %d chunks; downtime %.2f s; total %.2f s",
                    wireBytes / 1048576.0, wireBytes, chunks, downtimeMillis / 1000.0, totalMillis / 1000.0);
        }
    }

    private final AnimaManager.Held held;
    private final AnimaStore store;
    private final MasterKey key;
    private final Moves moves;
    private final String user;
    private final String target;
    private final Consumer<Progress> progress;
    private final RateLimit rate;
    private final java.util.function.BooleanSupplier cancelled;
    private Peer peer;
    private long transfer;
    /** The disk's blocks by content, made while the anima still runs (see {@link MemoryImage}). */
    private DiskBlocks diskBlocks;
    /** Images being stored on threads of their own. */
    private final List<DiskIngest> ingesting = new ArrayList<>();
    private long wireBytes;
    private long chunks;

    MoveSender(Moves moves, AnimaManager.Held held, AnimaStore store, MasterKey key, String target, String user,
            Consumer<Progress> progress, long bytesPerSecond, java.util.function.BooleanSupplier cancelled) {
        this.moves = moves;
        this.held = held;
        this.store = store;
        this.key = key;
        this.target = target;
        this.user = user;
        this.progress = progress;
        this.rate = new RateLimit(bytesPerSecond);
        this.cancelled = cancelled;
    }

    /**
     * Moves the anima to the target. {@code visitKek} is given for a visit (the target keeps the anima's
     * key wrapped under it) and null for a return home. A connection that breaks before the commit is
     * dialled again (what the target filed already is not sent again) until {@link #ABANDON} passes
     * without one that works; then the move is given up and the anima runs here as before. Once the target
     * has restored the anima paused, this host decides (journaled): from then on the target runs it, and
     * this host's copy is only kept until it does (a target that cannot, gives it back). {@code connected}
     * (may be null) is a connection to the target made already, used for the first attempt.
     */
    Figures send(String home, byte[] visitKek, Peer connected) throws IOException {
        long t0 = System.nanoTime();
        AnimaRecord r = held.record();
        boolean visit = visitKek != null;
        boolean wasRunning = held.state().isActive();
        if (!wasRunning && !r.suspended()) {
            throw new ZosException(ErrorCode.INVALID_STATE, "anima '" + r.name() + "' is shut off",
                    "start it first with 'zos-vm start " + r.name() + "'; a shut-off anima is not moved yet");
        }
        String xml = held.domainXml();
        String purpose = visit ? MoveOffer.VISIT : MoveOffer.HOME;
        long bytes = (r.diskSizeMiB() << 20) * 2 + ((long) r.memoryMiB() << 20) * 2;
        Map<String, Long> images = new LinkedHashMap<>();
        long down = System.nanoTime();
        boolean suspendedHere = false;
        MoveJournal journal = null;
        long lostSince = 0;
        int attempts = 0;
        // Blocks the guest's file systems freed need not move: trim them first (qemu-guest-agent, if it has one).
        if (wasRunning && moves.trim(r.name())) {
            LOG.info("trimmed the file systems of " + r.name() + " in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        }
        // A running anima's disk is read into the store while the move connects and sends the kernel.
        DiskIngest ahead = wasRunning ? ingesting(held.paths().disk(), true) : null;
        while (true) {
            try {
                peer = connected != null ? connected
                        : moves.dial(target, user, suspendedHere ? ABANDON_SUSPENDED : Moves.DIAL);
                connected = null;
                MoveReady ready = (MoveReady) peer.request(new MoveOffer(r.name(), home, purpose, r.uuid().toString(),
                        r.memoryMiB(), r.vcpus(), r.diskSizeMiB(), r.guestKey(), r.kernelPackage(), r.accelerator(), xml,
                        bytes, Base64.getEncoder().encodeToString(key.bytes()),
                        visit ? Base64.getEncoder().encodeToString(visitKek) : null), IDLE, progress);
                transfer = ready.transfer();
                LOG.info("move of " + r.name() + " to " + target + " accepted " + (System.nanoTime() - t0) / 1_000_000
                        + " ms after it began");
                journal = (journal == null ? MoveJournal.sending(r.name(), target, user, transfer, wasRunning, purpose)
                        : journal.transfer(transfer)).save(moves.stateDir());
                lostSince = 0;
                images.put("kernel", sendFile("kernel", held.paths().kernel()));
                images.put("initrd", sendFile("initrd", held.paths().initrd()));
                if (held.state().isActive()) {
                    offer("disk", ahead.manifest()); // ahead, while the anima runs: most of it will not change
                    diskBlocks = ahead.blocks();
                    moves.faults().at("sender.disk-ahead");
                    checkCancelled();
                    progress.accept(new Progress("suspending", 0, 0, 0));
                    down = System.nanoTime(); // the guest stops from here until it runs on the other side
                    held.suspend();
                    LOG.info("suspended " + r.name() + " in " + (System.nanoTime() - down) / 1_000_000 + " ms");
                    suspendedHere = true;
                    moves.faults().at("sender.suspended");
                }
                // The disk as the anima left it is stored while the memory is split against it.
                DiskIngest disk = ingesting(held.paths().disk(), false);
                sendMemory(images, disk);
                moves.faults().at("sender.memory");
                checkCancelled(); // the last moment: once the target restored it, the move completes
                progress.accept(new Progress("restoring on " + target, 0, 0, 0));
                long tc = System.nanoTime();
                MoveDone restored = (MoveDone) peer.request(new MoveCommit(transfer, images, held.record().stateSha256()),
                        IDLE, progress);
                LOG.info("commit on " + target + ": " + (System.nanoTime() - tc) / 1_000_000 + " ms (" + restored.state() + ")");
                break;
            } catch (ZosException e) {
                closePeer();
                attempts++;
                if (e.code() == ErrorCode.HOST_UNREACHABLE && !cancelled.getAsBoolean() && attempts < MAX_ATTEMPTS) {
                    lostSince = lostSince == 0 ? System.nanoTime() : lostSince;
                    if (System.nanoTime() - lostSince < (suspendedHere ? ABANDON_SUSPENDED : ABANDON).toNanos()) {
                        LOG.warning("the move of " + r.name() + " to " + target + " lost its connection (" + e.getMessage()
                                + "); dialling again");
                        progress.accept(new Progress("connection lost; dialling " + target + " again", 0, 0, 0));
                        pause(RETRY_MILLIS);
                        continue;
                    }
                }
                giveUp(journal, e, suspendedHere);
                throw e;
            } catch (IOException | RuntimeException e) {
                closePeer();
                giveUp(journal, e, suspendedHere);
                throw e;
            }
        }
        // Decided: the target holds the anima restored, paused; it is the one copy from here on.
        journal = journal.in(MoveJournal.COMMITTED).save(moves.stateDir());
        if (visit) {
            held.away(target);
        }
        moves.faults().at("sender.committed");
        progress.accept(new Progress("running on " + target, 0, 0, 0));
        try {
            moves.go(journal, GO_PATIENCE, peer);
        } catch (ZosException e) {
            closePeer();
            if (e.code() != ErrorCode.HOST_UNREACHABLE) { // it answered that it cannot run it: ours again
                LOG.warning(target + " could not run " + r.name() + " (" + e.getMessage() + "); resuming it here");
                if (visit) {
                    held.reclaim();
                }
                held.resume();
                MoveJournal.delete(moves.stateDir(), r.name());
                throw new ZosException(e.code(), target + " could not run anima '" + r.name() + "' after its restore ("
                        + e.getMessage() + "); it runs here again", "");
            }
            moves.goLater(journal);
            throw new ZosException(ErrorCode.HOST_UNREACHABLE, "anima '" + r.name() + "' is restored on " + target
                    + " but " + target + " stopped answering before it ran it; this host's agent keeps telling it to",
                    "see 'zos-vm status " + r.name() + "'");
        }
        closePeer();
        if (visit) {
            held.letGo();
        }
        MoveJournal.delete(moves.stateDir(), r.name());
        long end = System.nanoTime();
        Figures f = new Figures(wireBytes, chunks, (end - down) / 1_000_000, (end - t0) / 1_000_000);
        LOG.info("anima " + r.name() + " moved to " + target + ": " + f.note());
        return f;
    }

    /**
     * The move failed before it was decided: the anima runs here as it did, then the target is told to
     * drop the move. Resuming first is safe: the target runs nothing until this host's journal says
     * committed, and a target that missed the abort asks ({@code move-query}) and hears "aborted".
     */
    private void giveUp(MoveJournal journal, Exception why, boolean suspendedHere) throws IOException {
        for (DiskIngest i : ingesting) {
            i.settle();
        }
        if (suspendedHere) {
            held.resume();
        }
        abort(why);
        if (journal != null) {
            MoveJournal.delete(moves.stateDir(), journal.anima());
        }
    }

    private void closePeer() {
        if (peer != null) {
            peer.close();
            peer = null;
        }
    }

    private void pause(long millis) {
        long end = System.currentTimeMillis() + millis;
        while (System.currentTimeMillis() < end && !cancelled.getAsBoolean()) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * Sends the disk being stored and the saved memory: split against that disk (pages the disk holds
     * become references, see {@link MemoryImage}), or whole if the save image is not one the splitter
     * understands.
     */
    private void sendMemory(Map<String, Long> images, DiskIngest disk) throws IOException {
        java.nio.file.Path state = held.paths().state();
        java.nio.file.Path rest = state.resolveSibling(state.getFileName() + ".rest");
        java.nio.file.Path refs = state.resolveSibling(state.getFileName() + ".refs");
        try {
            long t0 = System.nanoTime();
            progress.accept(new Progress("finding memory pages on the disk", 0, 0, 0));
            java.util.Optional<MemoryImage.Split> split = MemoryImage.split(state, held.paths().disk(), rest, refs, diskBlocks);
            images.put("disk", offer("disk", disk.manifest()));
            if (split.isEmpty()) {
                LOG.info("the save image of " + held.record().name() + " is sent whole (not a format the splitter reads)");
                images.put("memory", sendFile("memory", state));
                return;
            }
            LOG.info(String.format(java.util.Locale.ROOT, "%d of %d memory pages are on the disk (split in %d ms)",
                    split.get().refs(), split.get().pages(), (System.nanoTime() - t0) / 1_000_000));
            images.put("memory", sendFile("memory", rest));
            images.put("memory-refs", sendFile("memory-refs", refs));
        } finally {
            AnimaManager.scrub(rest, null);
            java.nio.file.Files.deleteIfExists(rest);
            java.nio.file.Files.deleteIfExists(refs);
        }
    }

    /** Stores a file as the next generation of an image and sends the chunks the peer lacks; returns the generation. */
    private long sendFile(String image, java.nio.file.Path file) throws IOException {
        long t0 = System.nanoTime();
        try (Meter meter = Meter.report("reading " + image, progress)) {
            Manifest m = store.ingest(image, file, ChunkerParams.DEFAULT, meter.work()).manifest();
            LOG.info(String.format(java.util.Locale.ROOT, "%s: read %d MiB in %d ms", m.label(), m.length() >> 20,
                    (System.nanoTime() - t0) / 1_000_000));
            return offer(image, m);
        }
    }

    /** Offers a stored generation of an image and sends the chunks the peer lacks; returns the generation. */
    private long offer(String image, Manifest m) throws IOException {
        long tRead = System.nanoTime();
        List<ChunkId> ids = new ArrayList<>(m.chunkIds());
        List<ChunkId> bases = new ArrayList<>(store.withBases(ids));
        bases.removeAll(new java.util.HashSet<>(ids));
        List<ChunkId> all = new ArrayList<>(ids);
        all.addAll(bases);
        List<ImageOffer> parts = OfferParts.split(transfer, store.exportManifest(image, m.generation()), ChunkFrames.ids(bases),
                OfferParts.PART);
        ChunksWanted wanted = null;
        for (ImageOffer part : parts) {
            wanted = (ChunksWanted) peer.request(part, IDLE, progress); // all but the last part's answers are empty
        }
        BitSet bits = ChunkFrames.bitmap(wanted.bitmap());
        List<ChunkId> send = new ArrayList<>();
        for (int i = ids.size(); i < all.size(); i++) { // bases first
            if (bits.get(i)) {
                send.add(all.get(i));
            }
        }
        for (int i = 0; i < ids.size(); i++) {
            if (bits.get(i)) {
                send.add(all.get(i));
            }
        }
        long tOffer = System.nanoTime();
        long sent = 0;
        long lastReport = 0;
        int total = send.size();
        int n = 0;
        for (ChunkId id : send) {
            checkCancelled();
            SealedChunk c = store.exportChunk(id);
            if (moves.faults().at("sender.chunk")) {
                byte[] spoiled = c.bytes().clone();
                spoiled[spoiled.length / 2] ^= 1;
                c = new SealedChunk(c.id(), spoiled);
            }
            rate.acquire(ChunkFrames.HEADER + c.bytes().length, cancelled);
            checkCancelled();
            peer.sendData(ChunkFrames.encode(transfer, c), FRAME_WAIT);
            sent += ChunkFrames.HEADER + c.bytes().length;
            n++;
            if (System.nanoTime() - lastReport > 250_000_000L || n == send.size()) {
                lastReport = System.nanoTime();
                progress.accept(new Progress("sending " + image + " (" + n + "/" + total + " chunks)", sent,
                        sent * total / n, (System.nanoTime() - tOffer) / 1_000_000));
            }
        }
        long tSent = System.nanoTime();
        ImageReceived got = (ImageReceived) peer.request(new ImageSent(transfer, image, m.generation(), send.size()), IDLE, progress);
        long tDone = System.nanoTime();
        wireBytes += sent;
        chunks += send.size();
        LOG.info(String.format(java.util.Locale.ROOT, "%s to %s: offered in %d ms (%d part%s), %d chunks (%d bytes) sent in "
                + "%d ms, filed there in %d ms", m.label(), target, (tOffer - tRead) / 1_000_000, parts.size(),
                parts.size() == 1 ? "" : "s", send.size(), sent,
                (tSent - tOffer) / 1_000_000, (tDone - tSent) / 1_000_000));
        return m.generation();
    }

    /** Starts storing the disk on a thread of its own (see {@link DiskIngest}). */
    private DiskIngest ingesting(java.nio.file.Path disk, boolean indexBlocks) {
        DiskIngest i = new DiskIngest(store, disk, indexBlocks, progress);
        ingesting.add(i);
        return i;
    }

    private void checkCancelled() {
        if (cancelled.getAsBoolean()) {
            throw new ZosException(ErrorCode.CANCELLED, "the move of anima '" + held.record().name() + "' to " + target
                    + " was cancelled; it runs here as before", "");
        }
    }

    /** Tells the target to drop the move, if it started one. */
    private void abort(Exception why) {
        if (transfer != 0) {
            moves.abort(target, user, transfer, String.valueOf(why.getMessage()), Duration.ofSeconds(10));
        }
    }

}
