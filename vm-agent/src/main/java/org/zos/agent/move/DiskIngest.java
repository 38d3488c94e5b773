package org.zos.agent.move;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import java.util.logging.Logger;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.protocol.message.Progress;
import org.zos.store.AnimaStore;
import org.zos.store.WorkMeter;
import org.zos.store.chunking.ChunkerParams;
import org.zos.store.manifest.Manifest;

/**
 * A move's disk, stored as a new generation on a thread of its own (and, ahead of the suspend or the live
 * migration, its blocks indexed by content as they are read, so the index is of exactly the image the
 * receiver gets) while the move does other things; progress is shown only while the move waits for it.
 * It stops when the move fails.
 */
final class DiskIngest {
    private static final Logger LOG = Logger.getLogger(DiskIngest.class.getName());
    private final WorkMeter work = new WorkMeter();
    private final Consumer<Progress> progress;
    private final CompletableFuture<Manifest> result = new CompletableFuture<>();
    private final CompletableFuture<DiskBlocks> blocks = new CompletableFuture<>();
    private volatile boolean cancelled;
    /** Taken as stored ahead ({@link #adopted}): nothing is read. */
    private final boolean adopted;

    /**
     * Stores {@code disk}; {@code indexBlocks}: and indexes its blocks, as they are read, or, if the disk
     * is {@code frozen} (a live move diverted the guest's writes to an overlay), once it is read, while
     * the move offers it ({@link #blocks} waits for it): 0.1 s of hashing off the read, which a return and
     * a second domination wait for before anything but the kernel goes on the link.
     */
    DiskIngest(AnimaStore store, Path disk, boolean indexBlocks, boolean frozen, Consumer<Progress> progress) {
        this(store, "disk", () -> Files.newInputStream(disk), disk, indexBlocks, frozen, progress);
    }

    /** What a disk is read from. */
    interface Source {
        InputStream open() throws IOException;
    }

    /**
     * Stores what {@code source} reads as the next generation of {@code image}; {@code disk} is the file
     * whose size the progress shows and that is indexed if it is {@code frozen} (the same bytes).
     */
    DiskIngest(AnimaStore store, String image, Source source, Path disk, boolean indexBlocks, boolean frozen, Consumer<Progress> progress) {
        this.progress = progress;
        this.adopted = false;
        Thread t = new Thread(() -> {
            DiskBlocks index = indexBlocks && !frozen ? new DiskBlocks() : null; // indexed as it is read
            try (InputStream in = new FilterInputStream(source.open()) {
                private final Indexer indexer = index == null ? null : new Indexer(index);

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    if (cancelled) {
                        throw new IOException("the move ended before the disk was read");
                    }
                    int n = super.read(b, off, len);
                    if (indexer != null && n > 0) {
                        indexer.add(b, off, n);
                    }
                    return n;
                }
            }) {
                long t0 = System.nanoTime();
                work.total(Files.size(disk));
                AnimaStore.Ingested ingested = store.ingest(image, in, ChunkerParams.DEFAULT, work);
                Manifest m = ingested.manifest();
                LOG.info(String.format(java.util.Locale.ROOT, "%s: read %d MiB in %d ms%s%s", m.label(), m.length() >> 20,
                        (System.nanoTime() - t0) / 1_000_000, ingested.blocksMadeAhead() ? " (the blocks of the generation before made ahead)" : "",
                        index != null ? ", " + index.size() + " distinct blocks indexed" : ""));
                result.complete(m);
                blocks.complete(indexBlocks && frozen ? indexFrozen(disk) : index);
            } catch (Throwable e) {
                result.completeExceptionally(e);
                blocks.completeExceptionally(e);
            }
        }, "zos-ingest-disk");
        t.setDaemon(true);
        t.start();
    }

    /** One {@link #adopted}. */
    private DiskIngest(Consumer<Progress> progress) {
        this.progress = progress;
        this.adopted = true;
    }

    /**
     * The disk as generation {@code m}, which its caller adopted from what was stored ahead while the anima
     * ran ({@link AnimaStore#adoptAhead}: the file is unwritten since): nothing is read to store it; its
     * blocks, if asked for, are indexed by a read on a thread of its own.
     */
    static DiskIngest adopted(Manifest m, Path disk, boolean indexBlocks, Consumer<Progress> progress) {
        DiskIngest i = new DiskIngest(progress);
        i.result.complete(m);
        if (!indexBlocks) {
            i.blocks.complete(null);
            return i;
        }
        org.zos.agent.anima.Background.supply("zos-index-disk", () -> index(disk, () -> i.cancelled)).whenComplete((b, e) -> {
            if (e != null) {
                i.blocks.completeExceptionally(e);
            } else {
                i.blocks.complete(b);
            }
        });
        return i;
    }

    /** The blocks of a disk nothing writes to, by content: read again (from the page cache, as it was just read). */
    private DiskBlocks indexFrozen(Path disk) throws IOException {
        return index(disk, () -> cancelled);
    }

    /** The blocks of {@code disk} (nothing writes to it) by content; stops with an IOException once {@code stop} says so. */
    static DiskBlocks index(Path disk, java.util.function.BooleanSupplier stop) throws IOException {
        long t0 = System.nanoTime();
        DiskBlocks index = new DiskBlocks();
        Indexer indexer = new Indexer(index);
        byte[] buf = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(disk)) {
            for (int n; (n = in.read(buf)) > 0; ) {
                if (stop.getAsBoolean()) {
                    throw new IOException("the move ended before the disk's blocks were indexed");
                }
                indexer.add(buf, 0, n);
            }
        }
        LOG.info(String.format(java.util.Locale.ROOT, "%s: %d distinct blocks indexed in %d ms", disk.getFileName(), index.size(),
                (System.nanoTime() - t0) / 1_000_000));
        return index;
    }

    /** Puts each whole 4 KiB block of what it is given, in order, into an index at its offset (the first of equal blocks stays). */
    private static final class Indexer {
        private final DiskBlocks index;
        private final byte[] block = new byte[MemoryImage.PAGE];
        private int filled;
        private long offset;

        Indexer(DiskBlocks index) {
            this.index = index;
        }

        void add(byte[] b, int off, int n) {
            for (int i = off, end = off + n; i < end; ) {
                int take = Math.min(end - i, block.length - filled);
                System.arraycopy(b, i, block, filled, take);
                filled += take;
                i += take;
                if (filled == block.length) {
                    long h = MemoryImage.hash(block);
                    if (h != 0) {
                        index.putIfAbsent(h, offset);
                    }
                    offset += block.length;
                    filled = 0;
                }
            }
        }
    }

    /** Whether the disk is stored (or its read failed). */
    boolean done() {
        return result.isDone();
    }

    /** Whether the disk was taken as stored ahead, reading nothing ({@link #adopted}). */
    boolean adopted() {
        return adopted;
    }

    Manifest manifest() throws IOException {
        try (Meter meter = Meter.poll("reading disk", () -> Optional.of(new Progress("reading disk", work.done(),
                work.total(), work.elapsedMillis())), progress)) {
            return await(result, "reading the disk");
        }
    }

    /** As {@link #manifest}, without showing progress. */
    Manifest quietly() throws IOException {
        return await(result, "storing the disk");
    }

    /** The disk's blocks by content, if asked for (null if not); once {@link #manifest} returned, waiting for them. */
    DiskBlocks blocks() throws IOException {
        return await(blocks, "indexing the disk");
    }

    /** What {@code f} gives; its failure as thrown ({@code what} names the work in a failure that was not an exception of its own). */
    static <T> T await(CompletableFuture<T> f, String what) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ZosException(ErrorCode.CANCELLED, "interrupted while " + what, "");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IOException(what + " failed", e.getCause());
        }
    }

    /** Stops the work and waits until it ended: a move that fails leaves nothing running behind. */
    void settle() {
        cancelled = true;
        try {
            blocks.exceptionally(e -> null).join();
            result.join();
        } catch (RuntimeException e) {
            LOG.fine("storing the disk: " + e);
        }
    }
}
