package org.zos.store.chunking;

import java.util.Arrays;

/**
 * Finds cut points with FastCDC: a Gear rolling hash ({@code h = (h << 1) + GEAR[byte]}), no hashing of
 * the first {@code min} bytes of a chunk, and normalized chunking (see {@link ChunkerParams}).
 *
 * <p>A cut point depends only on the bytes of the chunk it ends, so the same content gives the same
 * chunks wherever it stands in an image, and an insertion disturbs only the chunks it touches.
 *
 * <p>Zero runs: a chunk that begins with at least {@code min} zero bytes ends at the first non-zero byte
 * (or at {@code max}), so a run of zeros becomes zero chunks that cost only their length, and the data
 * after a run always starts a new chunk.
 */
public final class FastCdc {
    private final ChunkerParams params;
    private final long maskSmall;
    private final long maskLarge;
    private final byte[] zeros;
    private boolean lastZero;

    public FastCdc(ChunkerParams params) {
        this.params = params;
        this.zeros = new byte[params.max()];
        this.maskSmall = params.maskSmall();
        this.maskLarge = params.maskLarge();
    }

    public ChunkerParams params() {
        return params;
    }

    /**
     * The length of the chunk that starts at {@code buf[off]}. The caller gives {@code len} bytes: at least
     * {@code max} of them unless the image ends within them, else the result depends on where the buffer
     * ends.
     */
    public int cut(byte[] buf, int off, int len) {
        int n = Math.min(len, params.max());
        int zeros = Arrays.mismatch(buf, off, off + n, this.zeros, 0, n); // vectorized by the JIT
        zeros = zeros < 0 ? n : zeros;
        lastZero = zeros == n || zeros >= params.min();
        if (lastZero) {
            return zeros;
        }
        if (len <= params.min()) {
            return len;
        }
        int normal = off + Math.min(n, params.avg());
        int end = off + n;
        long[] gear = GearTable.GEAR;
        long small = maskSmall;
        long large = maskLarge;
        long h = 0;
        int i = off + params.min();
        for (; i < normal; i++) {
            h = (h << 1) + gear[buf[i] & 0xff];
            if ((h & small) == 0) {
                return i + 1 - off;
            }
        }
        for (; i < end; i++) {
            h = (h << 1) + gear[buf[i] & 0xff];
            if ((h & large) == 0) {
                return i + 1 - off;
            }
        }
        return n;
    }

    /** Whether the chunk of the last {@link #cut} is all zero bytes. */
    public boolean lastWasZero() {
        return lastZero;
    }
}
