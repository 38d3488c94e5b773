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
        try (Meter meter = Meter.report("reading " + image, progress)) {
            return offer(peer, transfer, image, read(image, file, atLeast, meter.work()));
        }
    }

    /** Stores a file as generation {@code atLeast} or later of an image. */
    private Manifest read(String image, Path file, long atLeast, org.zos.store.WorkMeter work) throws IOException {
        long t0 = System.nanoTime();
        Manifest m = store.ingest(image, file, ChunkerParams.DEFAULT, work, atLeast).manifest();
        LOG.info(String.format(java.util.Locale.ROOT, "%s: read %d MiB in %d ms", m.label(), m.length() >> 20,
                (System.nanoTime() - t0) / 1_000_000));
        return m;
    }

    /**
     * Stores files (image name to file, in order) as generation {@code atLeast} or later of their images, on
     * a thread of their own, while the move connects and is offered, as the disk is: their read then does
     * not stand between the offer's answer and the first byte on the link. {@link #readFiles} waits for it.
     */
    java.util.concurrent.CompletableFuture<Map<String, Manifest>> readAhead(Map<String, Path> files, long atLeast) {
        return org.zos.agent.anima.Background.supply("zos-read-ahead", () -> {
            Map<String, Manifest> out = new java.util.LinkedHashMap<>();
            for (Map.Entry<String, Path> f : files.entrySet()) {
                out.put(f.getKey(), read(f.getKey(), f.getValue(), atLeast, new org.zos.store.WorkMeter()));
            }
            return out;
        });
    }

    /** What {@link #readAhead} stored, once it is done (its failure as thrown). */
    static Map<String, Manifest> readFiles(java.util.concurrent.CompletableFuture<Map<String, Manifest>> ahead) throws IOException {
        return DiskIngest.await(ahead, "reading the kernel and initrd");
    }

    /** Offers a stored generation of an image and sends the chunks the peer lacks; returns the generation. */
    long offer(MoveLink peer, long transfer, String image, Manifest m) throws IOException {
        return offer(peer, transfer, image, m, () -> false);
    }

    /**
     * As above, but stops sending chunks once {@code enough} says so, and then says how many it sent: for
     * the disk stored ahead, sent only while the disk is read (the receiver keeps what came, and files it
     * only whole; docs/protocol.md, "Moving an anima", step 2).
     */
    long offer(MoveLink peer, long transfer, String image, Manifest m, java.util.function.BooleanSupplier enough) throws IOException {
        return offer(peer, transfer, image, m, enough, () -> { });
    }

    /** As above; {@code answered} runs once the receiver said which chunks it lacks, before they go. */
    long offer(MoveLink peer, long transfer, String image, Manifest m, java.util.function.BooleanSupplier enough, Runnable answered)
            throws IOException {
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
        answered.run();
        long sent = 0;
        long lastReport = 0;
        int total = send.size();
        int n = 0;
        for (ChunkId id : send) {
            if (enough.getAsBoolean()) {
                break;
            }
            checkCancelled.run();
            SealedChunk c = store.exportChunk(id);
            if (ctx.faults().at("sender.chunk")) {
                byte[] spoiled = c.bytes().clone();
                spoiled[spoiled.length / 2] ^= 1;
                c = new SealedChunk(c.id(), spoiled);
            }
            rate.acquire(ChunkFrames.HEADER + c.bytes().length, cancelled);
            checkCancelled.run();
            peer.sendData(ChunkFrames.encode(transfer, c), ctx.times().frameWait());
            sent += ChunkFrames.HEADER + c.bytes().length;
            n++;
            if (System.nanoTime() - lastReport > 250_000_000L || n == send.size()) {
                lastReport = System.nanoTime();
                progress.accept(new Progress("sending " + image + " (" + n + "/" + total + " chunks)", sent,
                        sent * total / n, (System.nanoTime() - tOffer) / 1_000_000));
            }
        }
        long tSent = System.nanoTime();
        ImageSent done = new ImageSent(transfer, image, m.generation(), n);
        MoveProtocol.answer(peer.request(done, ctx.times().idle(), progress), ImageReceived.class, done);
        long tDone = System.nanoTime();
        wireBytes += sent;
        chunks += n;
        LOG.info(String.format(java.util.Locale.ROOT, "%s to %s: offered in %d ms (%d part%s), %d chunks (%d bytes) sent in "
                + "%d ms%s, %s there in %d ms", m.label(), target, (tOffer - tRead) / 1_000_000, parts.size(),
                parts.size() == 1 ? "" : "s", n, sent, (tSent - tOffer) / 1_000_000,
                n < total ? " (of " + total + ": stopped there)" : "", n < total ? "kept" : "filed", (tDone - tSent) / 1_000_000));
        return m.generation();
    }
}
