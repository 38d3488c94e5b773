package org.zos.store.folder;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Leaves nothing readable: overwrites files with zeros and syncs them before deleting them. Used for a
 * visiting anima's files when it leaves and for lent folder copies when their share ends.
 */
public final class Scrub {
    private Scrub() {
    }

    /**
     * Overwrites a file (all of it, or the given ranges: offset, length, …) with zeros and syncs it. Where
     * the filesystem cannot take a write (a sparse file's hole on a full disk: there is nothing there to
     * overwrite), it goes on block by block and skips the blocks it cannot write, so a full disk cannot keep
     * a file from being overwritten where it holds data; returns how many bytes it skipped.
     */
    public static long file(Path file, long[] ranges) throws IOException {
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            return 0;
        }
        long skipped = 0;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            long[] r = ranges != null ? ranges : new long[] {0, ch.size()};
            ByteBuffer zeros = ByteBuffer.allocateDirect(1 << 20);
            for (int i = 0; i + 1 < r.length; i += 2) {
                long pos = r[i];
                long end = Math.min(ch.size(), r[i] + r[i + 1]);
                while (pos < end) {
                    long stop = Math.min(end, pos + zeros.capacity());
                    zeros.clear().limit((int) (stop - pos));
                    try {
                        pos += ch.write(zeros, pos);
                    } catch (IOException full) {
                        for (; pos < stop; pos += BLOCK) {
                            zeros.clear().limit((int) Math.min(BLOCK, stop - pos));
                            try {
                                ch.write(zeros, pos);
                            } catch (IOException hole) {
                                skipped += zeros.limit();
                            }
                        }
                    }
                }
            }
            ch.force(true);
        }
        return skipped;
    }

    /** The filesystem's block, the unit in which a write into a hole either finds space or not. */
    private static final int BLOCK = 4096;

    /** Overwrites every file under {@code root} and removes the whole tree (symbolic links are removed, not followed). */
    public static void tree(Path root) throws IOException {
        walk(root, true);
    }

    /**
     * Removes the whole tree under {@code root} without overwriting it; a file or directory that another
     * thread removes meanwhile is no error (a file set aside to be overwritten on a thread of its own).
     */
    public static void remove(Path root) throws IOException {
        walk(root, false);
    }

    private static void walk(Path root, boolean overwrite) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
                try {
                    if (overwrite && attrs.isRegularFile()) {
                        file(f, null);
                    }
                    Files.deleteIfExists(f);
                } catch (NoSuchFileException gone) {
                    // removed since the directory was listed
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path f, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE; // gone since the directory was listed: nothing left to scrub
                }
                throw e;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                if (e != null && !(e instanceof NoSuchFileException)) {
                    throw e;
                }
                Files.deleteIfExists(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
