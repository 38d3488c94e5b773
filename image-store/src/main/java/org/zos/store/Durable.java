package org.zos.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * fsync for files and directories, and the commit that zos uses for every file it must not lose or leave
 * half written: write a temp file, fsync it, rename it over the target, fsync the directory.
 */
public final class Durable {
    private Durable() {
    }

    public static Path sync(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        return file;
    }

    public static void syncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Some file systems refuse fsync on directories; the rename itself is still atomic.
        }
    }

    /** Makes a fully written temp file the target, atomically and durably. */
    public static void commit(Path tmp, Path target) throws IOException {
        Files.move(sync(tmp), target, StandardCopyOption.ATOMIC_MOVE);
        syncDirectory(target.getParent());
    }

    /** Writes {@code bytes} to {@code target} through {@code tmp} with {@link #commit}. */
    public static void write(Path tmp, Path target, byte[] bytes) throws IOException {
        Files.write(tmp, bytes);
        commit(tmp, target);
    }
}
