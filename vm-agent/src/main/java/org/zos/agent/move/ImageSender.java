package org.zos.agent.move;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.logging.Logger;
import org.zos.agent.anima.AnimaPaths;
import org.zos.protocol.message.ChunksAhead;
import org.zos.protocol.message.ChunksWanted;
import org.zos.protocol.message.ImageOffer;
import org.zos.protocol.message.ImageReceived;
import org.zos.protocol.message.ImageSent;
import org.zos.protocol.message.Progress;
import org.zos.store.AnimaStore;
import org.zos.store.chunk.ChunkId;
import org.zos.store.chunk.SealedChunk;
import org.zos.store.chunking.ChunkerParams;
import org.zos.store.manifest.Manifest;

/**
 * The images of a move (or a stage) as the sender sends them: each stored as a generation of the anima's
 * store, offered ({@code image-offer}, in parts), and only the chunks the receiver says it lacks sent as
 * data frames, under the move's rate cap, then {@code image-sent}. Counts what went on the wire.
 */
final class ImageSender {
    private static final Logger LOG = Logger.getLogger(ImageSender.class.getName());

    private final MoveContext ctx;
    private final AnimaStore store;
    private final String anima;
    private final String target;
    private final Consumer<Progress> progress;
    private final RateLimit rate;
    private final BooleanSupplier cancelled;
    /** Throws the move's CANCELLED if it was cancelled. */
    private final Runnable checkCancelled;
    private long wireBytes;
    private long chunks;

    ImageSender(MoveContext ctx, AnimaStore store, String anima, String target, Consumer<Progress> progress, RateLimit rate,
            BooleanSupplier cancelled, Runnable checkCancelled) {
        this.ctx = ctx;
        this.store = store;
        this.anima = anima;
        this.target = target;
        this.progress = progress;
        this.rate = rate;
        this.cancelled = cancelled;
        this.checkCancelled = checkCancelled;
    }

    /** Bytes of data frames sent so far (header and sealed chunk). */
    long wireBytes() {
        return wireBytes;
    }

    /** Chunks sent so far. */
    long chunks() {
        return chunks;
    }

    /**
     * Sends the disk being stored and the saved memory in {@code paths}: split against that disk (pages the
     * disk holds become references, see {@link MemoryImage}), or whole if the save image is not one the
     * splitter understands. The generations sent go into {@code images}.
     */
    void sendMemory(MoveLink peer, long transfer, AnimaPaths paths, DiskIngest disk, DiskBlocks diskBlocks, Map<String, Long> images)
            throws IOException {
        Path state = paths.state();
        Path rest = ImageWriter.rest(paths);
        Path refs = ImageWriter.refs(paths);
        try {
            long t0 = System.nanoTime();
            progress.accept(new Progress("finding memory pages on the disk", 0, 0, 0));
            Optional<MemoryImage.Split> split = MemoryImage.split(state, paths.disk(), rest, refs, diskBlocks);
            long diskGeneration = offer(peer, transfer, "disk", disk.manifest());
            images.put("disk", diskGeneration);
            // The memory is numbered after the disk: both hosts number the disk alike (it goes through the
            // store on every move), the memory only on moves suspended to a file (not live ones), so its
            // own count could repeat a generation the receiver holds from another move.
            if (split.isEmpty()) {
                LOG.info("the save image of " + anima + " is sent whole (not a format the splitter reads)");
                images.put("memory", sendFile(peer, transfer, "memory", state, diskGeneration));
                return;
            }
            LOG.info(String.format(java.util.Locale.ROOT, "%d of %d memory pages are on the disk (split in %d ms)",
                    split.get().refs(), split.get().pages(), (System.nanoTime() - t0) / 1_000_000));
            images.put("memory", sendFile(peer, transfer, "memory", rest, diskGeneration));
            images.put("memory-refs", sendFile(peer, transfer, "memory-refs", refs, diskGeneration));
        } finally {
            ImageWriter.dropSplit(paths);
        }
    }

    /** Stores a file as generation {@code atLeast} or later of an image and sends the chunks the peer lacks; returns the generation. */
    long sendFile(MoveLink peer, long transfer, String image, Path file, long atLeast) throws IOException {
        long t0 = System.nanoTime();
        try (Meter meter = Meter.report("reading " + image, progress)) {
            Manifest m = store.ingest(image, file, ChunkerParams.DEFAULT, meter.work(), atLeast).manifest();
            LOG.info(String.format(java.util.Locale.ROOT, "%s: read %d MiB in %d ms", m.label(), m.length() >> 20,
                    (System.nanoTime() - t0) / 1_000_000));
            return offer(peer, transfer, image, m);
        }
    }

    /** Offers a stored generation of an image and sends the chunks the peer lacks; returns the generation. */
    long offer(MoveLink peer, long transfer, String image, Manifest m) throws IOException {
        long tRead = System.nanoTime();
        List<ChunkId> ids = new ArrayList<>(m.chunkIds());
        java.util.Set<ChunkId> ordered = store.withBases(ids); // each delta's base before it
        List<ChunkId> bases = new ArrayList<>(ordered);
        bases.removeAll(new HashSet<>(ids));
        List<ChunkId> all = new ArrayList<>(ids);
        all.addAll(bases);
        List<ImageOffer> parts = OfferParts.split(transfer, store.exportManifest(image, m.generation()), ChunkFrames.ids(bases),
                OfferParts.PART);
        ChunksWanted wanted = null;
        for (ImageOffer part : parts) {
            wanted = MoveProtocol.answer(peer.request(part, ctx.times().idle(), progress), ChunksWanted.class, part); // all but the last part's answers are empty
        }
        BitSet bits = ChunkFrames.bitmap(wanted.bitmap());
        java.util.Set<ChunkId> want = new HashSet<>();
        for (int i = bits.nextSetBit(0); i >= 0 && i < all.size(); i = bits.nextSetBit(i + 1)) {
            want.add(all.get(i));
        }
        // Sent in the order that puts every base before the deltas that need it, also a base that is one of
        // the image's own chunks further on (the receiver opens each chunk as it files it).
        List<ChunkId> send = new ArrayList<>();
        for (ChunkId id : ordered) {
            if (want.contains(id)) {
                send.add(id);
            }
        }
        long tOffer = System.nanoTime();
        long sent = 0;
        long lastReport = 0;
        int total = send.size();
        int n = 0;
        for (ChunkId id : send) {
            sent += sendChunk(peer, transfer, store.exportChunk(id));
            n++;
            if (System.nanoTime() - lastReport > 250_000_000L || n == send.size()) {
                lastReport = System.nanoTime();
                progress.accept(new Progress("sending " + image + " (" + n + "/" + total + " chunks)", sent,
                        sent * total / n, (System.nanoTime() - tOffer) / 1_000_000));
            }
        }
        long tSent = System.nanoTime();
        ImageSent done = new ImageSent(transfer, image, m.generation(), send.size());
        MoveProtocol.answer(peer.request(done, ctx.times().idle(), progress), ImageReceived.class, done);
        long tDone = System.nanoTime();
        LOG.info(String.format(java.util.Locale.ROOT, "%s to %s: offered in %d ms (%d part%s), %d chunks (%d bytes) sent in "
                + "%d ms, filed there in %d ms", m.label(), target, (tOffer - tRead) / 1_000_000, parts.size(),
                parts.size() == 1 ? "" : "s", send.size(), sent,
                (tSent - tOffer) / 1_000_000, (tDone - tSent) / 1_000_000));
        return m.generation();
    }

    /** Sends one chunk as a data frame under the rate cap; returns the bytes it took on the wire. */
    private long sendChunk(MoveLink peer, long transfer, SealedChunk c) {
        checkCancelled.run();
        if (ctx.faults().at("sender.chunk")) {
            byte[] spoiled = c.bytes().clone();
            spoiled[spoiled.length / 2] ^= 1;
            c = new SealedChunk(c.id(), spoiled);
        }
        rate.acquire(ChunkFrames.HEADER + c.bytes().length, cancelled);
        checkCancelled.run();
        peer.sendData(ChunkFrames.encode(transfer, c), ctx.times().frameWait());
        wireBytes += ChunkFrames.HEADER + c.bytes().length;
        chunks++;
        return ChunkFrames.HEADER + c.bytes().length;
    }

    /** Ids in one {@code chunks-ahead}: a batch of chunks and their bases. */
    static final int AHEAD_IDS = 2048;

    /**
     * Offers the chunks of the disk being read ({@code disk}) as the read takes them ({@code chunks-ahead},
     * a batch at a time) and sends those the peer lacks, so the link carries the disk while the rest is
     * read; then the closing {@code chunks-ahead} with their number, once the read ended. The disk's offer,
     * which follows, sends what is still lacking. A chunk is sent only after its delta bases (or none, if
     * a base the peer lacks could not be sent). A peer that does not take {@code chunks-ahead}
     * (PROTOCOL_ERROR on the first) gets nothing ahead.
     */
    void sendAhead(MoveLink peer, long transfer, DiskIngest disk) throws IOException {
        long t0 = System.nanoTime();
        java.util.Set<ChunkId> offered = new HashSet<>();
        java.util.Set<ChunkId> unsent = new HashSet<>();
        long sent = 0;
        long bytes = 0;
        long lastReport = 0;
        boolean first = true;
        try {
            while (true) {
                checkCancelled.run();
                List<Object> batch = disk.taken(AHEAD_IDS / 4, 100);
                if (batch.isEmpty()) {
                    if (disk.takenAll()) {
                        break;
                    }
                    continue;
                }
                List<ChunkId> ids = new ArrayList<>();
                Map<ChunkId, SealedChunk> sealed = new java.util.HashMap<>();
                for (Object o : batch) {
                    if (o instanceof SealedChunk c) {
                        for (ChunkId b : c.bases()) {
                            if (offered.add(b)) {
                                ids.add(b);
                            }
                        }
                        if (offered.add(c.id())) {
                            ids.add(c.id());
                            sealed.put(c.id(), c);
                        }
                    } else if (offered.add((ChunkId) o)) {
                        ids.add((ChunkId) o);
                    }
                }
                for (int from = 0; from < ids.size(); from += ChunksAhead.MAX_IDS) {
                    List<ChunkId> part = ids.subList(from, Math.min(ids.size(), from + ChunksAhead.MAX_IDS));
                    ChunksAhead ask = new ChunksAhead(transfer, java.util.Base64.getEncoder().encodeToString(ChunkFrames.ids(part)),
                            sent, false);
                    ChunksWanted wanted;
                    try {
                        wanted = MoveProtocol.answer(peer.request(ask, ctx.times().idle(), progress), ChunksWanted.class, ask);
                    } catch (org.zos.protocol.ZosException e) {
                        if (first && e.code() == org.zos.protocol.ErrorCode.PROTOCOL_ERROR) {
                            LOG.info(target + " does not take chunks ahead (" + e.getMessage() + "); the disk's offer sends them");
                            return;
                        }
                        throw e;
                    }
                    first = false;
                    BitSet bits = ChunkFrames.bitmap(wanted.bitmap());
                    for (int i = bits.nextSetBit(0); i >= 0 && i < part.size(); i = bits.nextSetBit(i + 1)) {
                        ChunkId id = part.get(i);
                        SealedChunk c = sealed.containsKey(id) ? sealed.get(id) : exportable(id);
                        if (c == null || c.bases().stream().anyMatch(unsent::contains)) {
                            unsent.add(id);
                            continue;
                        }
                        bytes += sendChunk(peer, transfer, c);
                        sent++;
                        if (System.nanoTime() - lastReport > 250_000_000L) {
                            lastReport = System.nanoTime();
                            progress.accept(new Progress("sending disk while reading it (" + sent + " chunks)", bytes, 0,
                                    (System.nanoTime() - t0) / 1_000_000));
                        }
                    }
                }
            }
            if (first) {
                return; // nothing was offered ahead
            }
            ChunksAhead last = new ChunksAhead(transfer, "", sent, true);
            long tLast = System.nanoTime();
            MoveProtocol.answer(peer.request(last, ctx.times().idle(), progress), ChunksWanted.class, last);
            LOG.info(String.format(java.util.Locale.ROOT, "disk to %s ahead of its offer: %d chunks offered as it was read, %d (%d bytes) "
                    + "sent in %d ms, %d left to the offer, filed there in %d ms", target, offered.size(), sent, bytes,
                    (tLast - t0) / 1_000_000, unsent.size(), (System.nanoTime() - tLast) / 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new org.zos.protocol.ZosException(org.zos.protocol.ErrorCode.CANCELLED, "interrupted while sending the disk", "");
        }
    }

    /** A chunk the store holds, or null if it cannot give it now (one an ingest is still committing). */
    private SealedChunk exportable(ChunkId id) {
        try {
            return store.exportChunk(id);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
