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
    private volatile DiskBlocks blocks;
    private volatile boolean cancelled;

    DiskIngest(AnimaStore store, Path disk, boolean indexBlocks, Consumer<Progress> progress) {
        this.progress = progress;
        Thread t = new Thread(() -> {
            DiskBlocks index = indexBlocks ? new DiskBlocks() : null;
            try (InputStream in = new FilterInputStream(Files.newInputStream(disk)) {
                private final byte[] block = new byte[MemoryImage.PAGE];
                private int filled;
                private long offset;

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    if (cancelled) {
                        throw new IOException("the move ended before the disk was read");
                    }
                    int n = super.read(b, off, len);
                    if (index != null && n > 0) {
                        index(b, off, n);
                    }
                    return n;
                }

                /** Each whole 4 KiB block read goes into the index at its offset (the first of equal blocks stays). */
                private void index(byte[] b, int off, int n) {
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
            }) {
                long t0 = System.nanoTime();
                work.total(Files.size(disk));
                AnimaStore.Ingested ingested = store.ingest("disk", in, ChunkerParams.DEFAULT, work);
                Manifest m = ingested.manifest();
                blocks = index;
                LOG.info(String.format(java.util.Locale.ROOT, "%s: read %d MiB in %d ms%s%s", m.label(), m.length() >> 20,
                        (System.nanoTime() - t0) / 1_000_000, ingested.blocksMadeAhead() ? " (the blocks of the generation before made ahead)" : "",
                        index != null ? ", " + index.size() + " distinct blocks indexed" : ""));
                result.complete(m);
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        }, "zos-ingest-disk");
        t.setDaemon(true);
        t.start();
    }

    Manifest manifest() throws IOException {
        try (Meter meter = Meter.poll("reading disk", () -> Optional.of(new Progress("reading disk", work.done(),
                work.total(), work.elapsedMillis())), progress)) {
            return result.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ZosException(ErrorCode.CANCELLED, "interrupted while reading the disk", "");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IOException("reading the disk failed", e.getCause());
        }
    }

    /** The disk's blocks by content, if asked for; once {@link #manifest} returned. */
    DiskBlocks blocks() {
        return blocks;
    }

    /** Stops the work and waits until it ended: a move that fails leaves nothing running behind. */
    void settle() {
        cancelled = true;
        try {
            result.join();
        } catch (RuntimeException e) {
            LOG.fine("storing the disk: " + e);
        }
    }
}
