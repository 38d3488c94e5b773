package org.zos.store;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/** The worker threads that hash, compress, seal and open chunks: one per core, shared by all stores. */
final class StoreThreads {
    static final int COUNT = Runtime.getRuntime().availableProcessors();
    /** Chunks in flight per operation: enough to keep every worker busy, few enough to bound memory. */
    static final int IN_FLIGHT = Integer.getInteger("zos.inflight", 4 * COUNT + 8);
    private static final AtomicInteger N = new AtomicInteger();
    static final ExecutorService POOL = Executors.newFixedThreadPool(COUNT, r -> {
        Thread t = new Thread(r, "zos-store-" + N.incrementAndGet());
        t.setDaemon(true);
        return t;
    });

    private StoreThreads() {
    }

    /** The result of a worker's task; its exception as it was thrown. */
    static <T> T await(Future<T> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the store's workers");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException(e.getCause());
        }
    }
}
