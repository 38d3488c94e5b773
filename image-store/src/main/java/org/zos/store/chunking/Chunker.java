package org.zos.store.chunking;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Splits a stream into content-defined chunks. It keeps a window of at least {@code max} bytes ahead of
 * each cut, so the chunks are the same however the stream delivers its bytes.
 *
 * <pre>{@code
 * Chunker chunker = new Chunker(in, ChunkerParams.DEFAULT);
 * for (Chunk c; (c = chunker.next()) != null; ) { ... }
 * }</pre>
 */
public final class Chunker {
    private final InputStream in;
    private final Holes holes;
    private final FastCdc cdc;
    private final byte[] buf;
    private int start;
    private int end;
    private boolean eof;
    private long offset;

    public Chunker(InputStream in, ChunkerParams params) {
        this(in, params, Holes.NONE);
    }

    /**
     * A chunker that takes the bytes of {@code holes} as zeros without reading them (it skips them in
     * {@code in}). The chunks are exactly those of reading every byte.
     */
    public Chunker(InputStream in, ChunkerParams params, Holes holes) {
        this.in = in;
        this.holes = holes;
        this.cdc = new FastCdc(params);
        this.buf = new byte[Math.max(2 * params.max(), 1 << 20)];
    }

    /** The next chunk, or null at the end of the stream. */
    public Chunk next() throws IOException {
        int max = cdc.params().max();
        if (start == end && holes.zerosAt(offset) >= max) {
            // what cut() would say of max buffered zeros, without buffering them
            in.skipNBytes(max);
            Chunk c = Chunk.zeros(offset, max);
            offset += max;
            return c;
        }
        fill();
        if (start == end) {
            return null;
        }
        int len = cdc.cut(buf, start, end - start);
        Chunk c = cdc.lastWasZero() ? Chunk.zeros(offset, len)
                : new Chunk(offset, len, Arrays.copyOfRange(buf, start, start + len));
        start += len;
        offset += len;
        return c;
    }

    /** Reads until at least max bytes are buffered after start, or the stream ends. */
    private void fill() throws IOException {
        int want = cdc.params().max();
        if (eof || end - start >= want) {
            return;
        }
        if (buf.length - start < want) {
            System.arraycopy(buf, start, buf, 0, end - start);
            end -= start;
            start = 0;
        }
        while (end - start < want) {
            long at = offset + (end - start);
            int zeros = (int) Math.min(holes.zerosAt(at), buf.length - end);
            if (zeros > 0) {
                in.skipNBytes(zeros);
                Arrays.fill(buf, end, end + zeros, (byte) 0);
                end += zeros;
                continue;
            }
            int n = in.read(buf, end, (int) Math.min(buf.length - end, holes.dataAt(at)));
            if (n < 0) {
                eof = true;
                return;
            }
            end += n;
        }
    }
}
