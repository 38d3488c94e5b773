package org.zos.store.chunking;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * lseek(2)'s SEEK_DATA and SEEK_HOLE through JNA (Java 17 has no API for them). Only {@link Holes#of}
 * loads this class, so the rest of the chunking package runs where JNA is absent.
 */
final class SeekData {
    private static final int SEEK_DATA = 3;
    private static final int SEEK_HOLE = 4;
    private static final int ENXIO = 6;
    private static final int O_RDONLY = 0;

    private SeekData() {
    }

    /**
     * The data ranges of {@code file} in [0, size): [r[2i], r[2i+1]), ascending, not touching; null where
     * the C library or SEEK_DATA is not available.
     */
    static long[] ranges(Path file, long size) {
        if (Libc.INSTANCE == null) {
            return null;
        }
        int fd;
        try {
            fd = Libc.INSTANCE.open(file.toString(), O_RDONLY);
        } catch (LastErrorException e) {
            return null;
        }
        try {
            long[] out = new long[8];
            int n = 0;
            long at = 0;
            while (at < size) {
                long data;
                try {
                    data = Libc.INSTANCE.lseek(fd, at, SEEK_DATA);
                } catch (LastErrorException e) {
                    if (e.getErrorCode() == ENXIO) {
                        break; // nothing but hole from here to the end
                    }
                    return null; // SEEK_DATA not supported here
                }
                long hole = Libc.INSTANCE.lseek(fd, data, SEEK_HOLE);
                if (n + 2 > out.length) {
                    out = Arrays.copyOf(out, out.length * 2);
                }
                out[n++] = data;
                out[n++] = Math.min(hole, size);
                at = hole;
            }
            return Arrays.copyOf(out, n);
        } catch (LastErrorException e) {
            return null;
        } finally {
            Libc.INSTANCE.close(fd);
        }
    }

    /** The three calls of the C library this needs; null where JNA cannot load it. */
    private interface Libc extends Library {
        Libc INSTANCE = load();

        int open(String path, int flags) throws LastErrorException;

        long lseek(int fd, long offset, int whence) throws LastErrorException;

        int close(int fd);

        private static Libc load() {
            try {
                return Native.load("c", Libc.class);
            } catch (UnsatisfiedLinkError e) {
                return null;
            }
        }
    }
}
