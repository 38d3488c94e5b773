package org.zos.agent.move;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.store.AnimaStore;
import org.zos.store.chunk.ChunkId;
import org.zos.store.chunk.SealedChunk;
import org.zos.store.manifest.Manifest;

/**
 * The chunks of one offered image, imported into the anima's store on a thread of their own as the data
 * frames come (the store verifies each), and the image filed once every chunk is there.
 */
final class ImageImport implements Iterable<SealedChunk> {
    private static final Object END = new Object();

    private final AnimaStore store;
    final byte[] file;
    final Manifest manifest;
    private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(16);
    private final AtomicLong received = new AtomicLong();
    private volatile int added;
    private volatile Exception failure;
    /** Given each chunk's content once it is checked (null: nobody writes the image out as it comes). */
    private volatile java.util.function.BiConsumer<ChunkId, byte[]> opened;
    private final Thread thread;
    /** How long {@link #finish} waited for the last chunks to arrive. */
    private volatile long arrivedMillis;
    private volatile boolean whole;

    private ImageImport(AnimaStore store, byte[] file, Manifest manifest, String anima) {
        this.store = store;
        this.file = file;
        this.manifest = manifest;
        this.thread = new Thread(() -> {
            try {
                added = store.importChunks(this, true, (id, plain) -> {
                    java.util.function.BiConsumer<ChunkId, byte[]> o = opened;
                    if (o != null) {
                        o.accept(id, plain);
                    }
                });
            } catch (Exception e) {
                failure = e;
                queue.clear();
            }
        }, "zos-import-" + anima);
        thread.setDaemon(true);
    }

    /** Starts importing the chunks of the image whose sealed manifest is {@code file}. */
    static ImageImport start(AnimaStore store, byte[] file, Manifest manifest, String anima) {
        ImageImport i = new ImageImport(store, file, manifest, anima);
        i.thread.start();
        return i;
    }

    /** Gives {@code to} each chunk's content once it is checked, on the import's thread, from the next chunk on. */
    void onOpened(java.util.function.BiConsumer<ChunkId, byte[]> to) {
        opened = to;
    }

    /**
     * Hands one chunk to the import, waiting while it is behind.
     *
     * @param over whether the move ended meanwhile (then INVALID_STATE)
     */
    void accept(SealedChunk chunk, java.util.function.BooleanSupplier over) throws InterruptedException {
        if (failure != null) {
            throw new ZosException(ErrorCode.INTEGRITY_ERROR, "a chunk was refused: " + failure.getMessage(), "");
        }
        while (!queue.offer(chunk, 100, TimeUnit.MILLISECONDS)) {
            if (over.getAsBoolean() || failure != null) {
                throw new ZosException(ErrorCode.INVALID_STATE, "the move is over", "");
            }
        }
        received.incrementAndGet();
    }

    /**
     * Waits for the {@code chunks} the sender says it sent (up to {@code waitMillis}), ends the import and
     * checks that the image is whole. Returns how many chunks were new here.
     */
    int finish(long chunks, long waitMillis, String image) throws InterruptedException, java.io.IOException {
        return finish(chunks, waitMillis, image, false);
    }

    /**
     * As above; {@code inPart}: the sender may have sent only part of what was asked (the disk stored
     * ahead, docs/protocol.md): then an image not whole is no error, its chunks are kept and it is not
     * filed ({@link #whole}).
     */
    int finish(long chunks, long waitMillis, String image, boolean inPart) throws InterruptedException, java.io.IOException {
        long t0 = System.nanoTime();
        long deadline = System.currentTimeMillis() + waitMillis;
        while (received.get() < chunks && failure == null) {
            if (System.currentTimeMillis() > deadline) {
                throw new ZosException(ErrorCode.HOST_UNREACHABLE, "only " + received.get() + " of " + chunks + " chunks of " + image
                        + " arrived", "send the image again");
            }
            Thread.sleep(5);
        }
        arrivedMillis = (System.nanoTime() - t0) / 1_000_000;
        queue.put(END);
        thread.join();
        if (failure != null) {
            throw failure instanceof ZosException z ? z : new ZosException(ErrorCode.INTEGRITY_ERROR,
                    "storing the chunks of " + image + " failed: " + failure, "");
        }
        Set<ChunkId> still = store.missing(manifest);
        whole = still.isEmpty();
        if (!whole && !inPart) {
            throw new ZosException(ErrorCode.INTEGRITY_ERROR, still.size() + " chunks of " + manifest.label() + " did not arrive",
                    "send the image again");
        }
        return added;
    }

    /** Whether every chunk of the image is here, once {@link #finish}ed. */
    boolean whole() {
        return whole;
    }

    /** How long {@link #finish} waited for the chunks the sender said it sent to arrive (the rest of it: storing them). */
    long arrivedMillis() {
        return arrivedMillis;
    }

    /** Ends the import at once (the move is dropped): it holds the store's lock until it ends. */
    void stop() {
        while (thread.isAlive()) {
            queue.clear();
            queue.offer(END);
            try {
                thread.join(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
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
