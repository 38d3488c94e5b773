package org.zos.agent.move;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
    /** The chunks taken so far, for a move that offers them ahead (null: none is kept). */
    private final Taken taken;

    DiskIngest(AnimaStore store, Path disk, boolean indexBlocks, Consumer<Progress> progress) {
        this.progress = progress;
        this.taken = indexBlocks ? new Taken() : null;
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
                Manifest m = (taken != null ? store.ingest("disk", in, ChunkerParams.DEFAULT, work, taken)
                        : store.ingest("disk", in, ChunkerParams.DEFAULT, work)).manifest();
                blocks = index;
                LOG.info(String.format(java.util.Locale.ROOT, "%s: read %d MiB in %d ms%s", m.label(), m.length() >> 20,
                        (System.nanoTime() - t0) / 1_000_000, index != null ? ", " + index.size() + " distinct blocks indexed" : ""));
                result.complete(m);
            } catch (Throwable e) {
                result.completeExceptionally(e);
            } finally {
                if (taken != null) {
                    taken.end();
                }
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

    /**
     * The chunks taken since the last call, in the image's order, waiting up to {@code waitMillis} for
     * one: each a {@link org.zos.store.chunk.ChunkId} the store held already or a
     * {@link org.zos.store.chunk.SealedChunk} the read added. Empty once the read ended and all were taken.
     */
    List<Object> taken(int most, long waitMillis) throws InterruptedException {
        return taken.next(most, waitMillis);
    }

    /** Whether the read ended (well or not) and every chunk it took was handed out by {@link #taken}. */
    boolean takenAll() {
        return taken.drained();
    }

    /**
     * The chunks an ingest takes, for a move to offer ahead. A new chunk's sealed bytes are kept until
     * handed out, up to {@link #KEEP_BYTES} in all; past that only its id is (the move leaves it to the
     * disk's offer unless the store has it by then), so a slow link does not make the read hold the disk.
     */
    static final class Taken implements AnimaStore.Taken {
        static final long KEEP_BYTES = 64L << 20;
        private final java.util.ArrayDeque<Object> queue = new java.util.ArrayDeque<>();
        private long keptBytes;
        private boolean ended;

        @Override
        public synchronized void held(org.zos.store.chunk.ChunkId id) {
            queue.add(id);
            notifyAll();
        }

        @Override
        public synchronized void sealed(org.zos.store.chunk.SealedChunk chunk) {
            if (keptBytes + chunk.bytes().length > KEEP_BYTES) {
                queue.add(chunk.id());
            } else {
                keptBytes += chunk.bytes().length;
                queue.add(chunk);
            }
            notifyAll();
        }

        synchronized void end() {
            ended = true;
            notifyAll();
        }

        synchronized List<Object> next(int most, long waitMillis) throws InterruptedException {
            long deadline = System.nanoTime() + waitMillis * 1_000_000L;
            while (queue.isEmpty() && !ended) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return List.of();
                }
                java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            List<Object> out = new java.util.ArrayList<>(Math.min(most, queue.size()));
            while (out.size() < most && !queue.isEmpty()) {
                Object o = queue.poll();
                if (o instanceof org.zos.store.chunk.SealedChunk c) {
                    keptBytes -= c.bytes().length;
                }
                out.add(o);
            }
            return out;
        }

        synchronized boolean drained() {
            return ended && queue.isEmpty();
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
