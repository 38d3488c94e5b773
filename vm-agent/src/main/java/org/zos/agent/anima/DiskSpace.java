package org.zos.agent.anima;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;

/** Refuses work that would run out of disk before it starts, instead of failing half way. */
public final class DiskSpace {
    static final long MIB = 1L << 20;

    private DiskSpace() {
    }

    /**
     * @throws ZosException NO_SPACE if the file system holding {@code dir} has less than {@code bytes} free
     */
    public static void require(Path dir, long bytes, String forWhat) {
        long free;
        try {
            free = Files.getFileStore(dir).getUsableSpace();
        } catch (IOException e) {
            throw new UncheckedIOException("reading free space of " + dir, e);
        }
        if (free < bytes) {
            throw new ZosException(ErrorCode.NO_SPACE, "not enough disk space for " + forWhat + ": " + free / MIB
                    + " MiB free in " + dir + ", " + (bytes + MIB - 1) / MIB + " MiB needed",
                    "free some space there and try again");
        }
    }

    /**
     * Whether the file system holding {@code dir} is (all but) full: how a write that failed with an
     * IOException is told apart as NO_SPACE, by the file system's state rather than the error's text.
     */
    public static boolean exhausted(Path dir) {
        try {
            return Files.getFileStore(dir).getUsableSpace() < 16 * MIB;
        } catch (IOException e) {
            return false;
        }
    }
}
