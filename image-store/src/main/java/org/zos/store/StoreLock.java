package org.zos.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;

/**
 * A held lock on one anima's store, shared (ingest, materialize, import, export, check) or exclusive
 * (gc, erase, recovery), between threads of this process and between processes. Across processes it is a
 * POSIX lock on the {@code lock} file; inside the process a read-write lock arbitrates, because POSIX
 * locks belong to the process, not to a thread.
 */
final class StoreLock implements AutoCloseable {
    private static final Map<Path, State> STATES = new ConcurrentHashMap<>();

    private static final class State {
        final ReentrantReadWriteLock rw = new ReentrantReadWriteLock();
        final FileChannel channel;
        FileLock fileLock;
        int sharers;

        State(Path file) throws IOException {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        }
    }

    private final Path file;
    private final State state;
    private final boolean exclusive;

    private StoreLock(Path file, State state, boolean exclusive) {
        this.file = file;
        this.state = state;
        this.exclusive = exclusive;
    }

    static StoreLock shared(Path file, Duration wait) throws IOException {
        return acquire(file, false, wait);
    }

    static StoreLock exclusive(Path file, Duration wait) throws IOException {
        return acquire(file, true, wait);
    }

    private static StoreLock acquire(Path file, boolean exclusive, Duration wait) throws IOException {
        long deadline = System.nanoTime() + wait.toNanos();
        State s;
        synchronized (STATES) {
            s = STATES.get(file);
            if (s == null) {
                s = new State(file);
                STATES.put(file, s);
            }
        }
        ReentrantReadWriteLock.ReadLock r = s.rw.readLock();
        ReentrantReadWriteLock.WriteLock w = s.rw.writeLock();
        try {
            if (!(exclusive ? w.tryLock(wait.toNanos(), TimeUnit.NANOSECONDS) : r.tryLock(wait.toNanos(), TimeUnit.NANOSECONDS))) {
                throw busy(file);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw busy(file);
        }
        try {
            synchronized (s) {
                if (exclusive || s.sharers++ == 0) {
                    s.fileLock = lockFile(s.channel, !exclusive, deadline, file);
                }
            }
        } catch (IOException | RuntimeException e) {
            synchronized (s) {
                if (!exclusive) {
                    s.sharers--;
                }
            }
            (exclusive ? (java.util.concurrent.locks.Lock) w : r).unlock();
            throw e;
        }
        return new StoreLock(file, s, exclusive);
    }

    private static FileLock lockFile(FileChannel ch, boolean shared, long deadline, Path file) throws IOException {
        while (true) {
            FileLock l = ch.tryLock(0, Long.MAX_VALUE, shared);
            if (l != null) {
                return l;
            }
            if (System.nanoTime() > deadline) {
                throw busy(file);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw busy(file);
            }
        }
    }

    private static ZosException busy(Path file) {
        return new ZosException(ErrorCode.BUSY, "the store " + file.getParent() + " is locked by another zos process"
                + " (gc, erase, or an ingest while gc waits)", "wait for it to finish and try again");
    }

    /** After an erase: the lock file is gone, so the next user must open a new one. */
    void forget() {
        synchronized (STATES) {
            STATES.remove(file, state);
        }
    }

    @Override
    public void close() throws IOException {
        synchronized (state) {
            if (exclusive || --state.sharers == 0) {
                if (state.fileLock != null && state.fileLock.isValid()) {
                    state.fileLock.release();
                }
                state.fileLock = null;
            }
        }
        if (exclusive) {
            if (!STATES.containsValue(state)) {
                state.channel.close();
            }
            state.rw.writeLock().unlock();
        } else {
            state.rw.readLock().unlock();
        }
    }
}
