package org.zos.store.folder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Overwriting a file before it is deleted, also on a filesystem with no space left. */
class ScrubTest {

    @Test
    void aFileIsOverwrittenWhereItHoldsDataAndTheTreeRemoved(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("a/b/memory");
        Files.createDirectories(f.getParent());
        byte[] data = new byte[3 << 20];
        Arrays.fill(data, (byte) 7);
        Files.write(f, data);
        Path seen = dir.resolve("seen");
        Files.createLink(seen, f);
        assertEquals(0, Scrub.file(f, new long[] {4096, 8192}));
        byte[] now = Files.readAllBytes(seen);
        assertEquals(7, now[4095]);
        assertEquals(0, now[4096]);
        assertEquals(0, now[12287]);
        assertEquals(7, now[12288]);
        Scrub.tree(dir.resolve("a"));
        assertFalse(Files.exists(dir.resolve("a")));
        assertArrayEquals(new byte[data.length], Files.readAllBytes(seen));
    }

    /**
     * On a full filesystem a sparse file's holes cannot be written: the data around them is overwritten all
     * the same, and the holes are reported, not an error. Needs root (it mounts a 2 MiB tmpfs).
     */
    @Test
    void aFullDiskDoesNotKeepASparseFilesDataFromBeingOverwritten(@TempDir Path dir) throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "mounting a tmpfs needs root");
        Path mnt = Files.createDirectories(dir.resolve("mnt"));
        assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=2m", "zos-scrub-test", mnt.toString()) == 0, "mount failed");
        try {
            Path f = mnt.resolve("disk");
            try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
                raf.setLength(8 << 20); // 8 MiB, nearly all of it a hole
                byte[] data = new byte[256 << 10];
                Arrays.fill(data, (byte) 7);
                raf.seek(1 << 20);
                raf.write(data);
                raf.seek(6 << 20);
                raf.write(data);
            }
            Path fill = mnt.resolve("fill");
            try (var out = Files.newOutputStream(fill)) {
                byte[] mib = new byte[64 << 10];
                while (true) {
                    out.write(mib);
                }
            } catch (IOException full) {
                // the filesystem is full now
            }
            long skipped = Scrub.file(f, null);
            assertTrue(skipped > 0 && skipped <= (8 << 20) - (512 << 10), "skipped " + skipped);
            byte[] now = Files.readAllBytes(f);
            for (int i = 0; i < now.length; i++) {
                if (now[i] != 0) {
                    throw new AssertionError("byte " + i + " is still " + now[i]);
                }
            }
        } finally {
            run("umount", mnt.toString());
        }
    }

    private static int run(String... cmd) throws Exception {
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
    }
}
