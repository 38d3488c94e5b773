package org.zos.store.chunking;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Where a file has data, asked of the file system with lseek(2)'s SEEK_DATA and SEEK_HOLE, so the bytes of
 * a hole are never read: a 512 MiB sparse disk image holding 60 MB is then 60 MB of reading, not 512.
 * Everything outside the data ranges reads as zeros. A file system without SEEK_DATA (or a file that is not
 * a regular file) reports one range over the whole file; a hole that the file system rounds to its blocks
 * is only ever smaller than the real run of zeros, never larger.
 */
public final class Holes {
    /** A file with no holes, or a stream: every byte is data. */
    public static final Holes NONE = new Holes(new long[] {0, Long.MAX_VALUE}, Long.MAX_VALUE);

    private static final int SEEK_DATA = 3;
    private static final int SEEK_HOLE = 4;
    private static final int ENXIO = 6;
    private static final int O_RDONLY = 0;

    /** Data ranges: [ranges[2i], ranges[2i+1]), ascending, not touching. */
    private final long[] ranges;
    /** The file's length when asked: nothing is a hole from here on. */
    private final long size;

    private Holes(long[] ranges, long size) {
        this.ranges = ranges;
        this.size = size;
    }

    /** The data ranges of {@code file} as they are now. */
    public static Holes of(Path file) throws IOException {
        if (!Files.isRegularFile(file) || Libc.INSTANCE == null) {
            return NONE;
        }
        long size = Files.size(file);
        int fd;
        try {
            fd = Libc.INSTANCE.open(file.toString(), O_RDONLY);
        } catch (LastErrorException e) {
            return NONE;
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
                    return NONE; // SEEK_DATA not supported here
                }
                long hole = Libc.INSTANCE.lseek(fd, data, SEEK_HOLE);
                if (n + 2 > out.length) {
                    out = Arrays.copyOf(out, out.length * 2);
                }
                out[n++] = data;
                out[n++] = Math.min(hole, size);
                at = hole;
            }
            return new Holes(Arrays.copyOf(out, n), size);
        } catch (LastErrorException e) {
            return NONE;
        } finally {
            Libc.INSTANCE.close(fd);
        }
    }

    /** How many bytes from {@code offset} on are certainly zero (a hole); 0 if {@code offset} is in data. */
    public long zerosAt(long offset) {
        int i = find(offset);
        if (offset >= size || (i >= 0 && offset < ranges[2 * i + 1])) {
            return 0;
        }
        int next = i + 1;
        return (next * 2 < ranges.length ? Math.min(ranges[2 * next], size) : size) - offset;
    }

    /**
     * How many bytes from {@code offset} on may be read before the next hole; past the end of the file, as
     * many as are there. Never 0 where {@link #zerosAt} is 0.
     */
    public long dataAt(long offset) {
        int i = find(offset);
        if (offset >= size || i < 0 || offset >= ranges[2 * i + 1]) {
            return Long.MAX_VALUE;
        }
        return ranges[2 * i + 1] - offset;
    }

    /** The bytes of data in [0, size). */
    public long dataBytes(long size) {
        long n = 0;
        for (int i = 0; i < ranges.length; i += 2) {
            n += Math.max(0, Math.min(ranges[i + 1], size) - ranges[i]);
        }
        return n;
    }

    /** The index of the last range that starts at or before {@code offset}, or -1. */
    private int find(long offset) {
        int lo = 0;
        int hi = ranges.length / 2 - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (ranges[2 * mid] <= offset) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
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
