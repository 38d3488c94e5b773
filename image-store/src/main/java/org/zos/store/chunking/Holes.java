package org.zos.store.chunking;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

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

    /** Data ranges: [ranges[2i], ranges[2i+1]), ascending, not touching. */
    private final long[] ranges;
    /** The file's length when asked: nothing is a hole from here on. */
    private final long size;

    private Holes(long[] ranges, long size) {
        this.ranges = ranges;
        this.size = size;
    }

    /**
     * The data ranges of {@code file} as they are now. Where lseek cannot be reached (no JNA on the class
     * path, as in the guest agent, which never reads images) every byte is data.
     */
    public static Holes of(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            return NONE;
        }
        long size = Files.size(file);
        long[] ranges;
        try {
            ranges = SeekData.ranges(file, size);
        } catch (LinkageError e) {
            return NONE;
        }
        return ranges == null ? NONE : new Holes(ranges, size);
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
}
