package org.zos.protocol;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A configuration file that is re-read when it changes: {@link #changed()} is true the first time and
 * whenever the file's modification time or size differs from the last call (or it appeared, vanished).
 */
public final class WatchedFile {
    private final Path file;
    private long stamp = Long.MIN_VALUE;

    public WatchedFile(Path file) {
        this.file = file;
    }

    public Path path() {
        return file;
    }

    public synchronized boolean changed() {
        long now;
        try {
            now = Files.exists(file) ? Files.getLastModifiedTime(file).toMillis() * 31 + Files.size(file) : 0;
        } catch (IOException e) {
            now = -2;
        }
        boolean changed = now != stamp;
        stamp = now;
        return changed;
    }

    /** Forgets the last stamp, so the next {@link #changed()} is true. */
    public synchronized void invalidate() {
        stamp = Long.MIN_VALUE;
    }
}
