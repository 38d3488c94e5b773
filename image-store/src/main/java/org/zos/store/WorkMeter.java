package org.zos.store;

import java.util.concurrent.atomic.AtomicLong;

/**
 * How far a long store operation has come, in bytes: the operation counts, a progress display polls.
 * The total is 0 when it is not known in advance (a stream).
 */
public final class WorkMeter {
    private final AtomicLong done = new AtomicLong();
    private volatile long total;
    private final long startNanos = System.nanoTime();

    public void total(long bytes) {
        total = bytes;
    }

    public void add(long bytes) {
        done.addAndGet(bytes);
    }

    public long done() {
        return done.get();
    }

    public long total() {
        return total;
    }

    public long elapsedMillis() {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
}
