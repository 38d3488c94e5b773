package org.zos.agent.anima;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.StandardOpenOption;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;

/** One process at a time works on an anima: an exclusive lock on its {@code .lock} file. */
final class AnimaLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private AnimaLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** @throws ZosException BUSY if another process holds the anima */
    static AnimaLock acquire(AnimaPaths paths, String name) {
        try {
            FileChannel ch = FileChannel.open(paths.lock(), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock l;
            try {
                l = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                l = null;
            }
            if (l == null) {
                ch.close();
                throw new ZosException(ErrorCode.BUSY, "another zos-vm command is working on anima '" + name + "'",
                        "wait for it to finish and try again");
            }
            return new AnimaLock(ch, l);
        } catch (IOException e) {
            throw new UncheckedIOException("locking " + paths.lock(), e);
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            // The lock goes with the process anyway.
        }
    }
}
