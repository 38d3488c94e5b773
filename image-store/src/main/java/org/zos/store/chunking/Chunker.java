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
    private final Earlier earlier;
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
        this(in, params, holes, null);
    }

    /**
     * As {@link #Chunker(InputStream, ChunkerParams, Holes)}, trying first, where the stream's earlier
     * version had a chunk, whether that chunk is there again ({@code earlier}; null: never): the chunks
     * are the same, found without the rolling hash over the bytes that did not change.
     */
    public Chunker(InputStream in, ChunkerParams params, Holes holes, Earlier earlier) {
        this.in = in;
        this.holes = holes;
        this.earlier = earlier;
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
        if (earlier != null) {
            int was = earlier.lengthAt(offset);
            if (was > 0 && was <= end - start && earlier.same(offset, buf, start, was)) {
                Chunk c = new Chunk(offset, was, Arrays.copyOfRange(buf, start, start + was));
                start += was;
                offset += was;
                return c;
            }
        }
        int len = cdc.cut(buf, start, end - start);
        Chunk c = cdc.lastWasZero() ? Chunk.zeros(offset, len)
                : new Chunk(offset, len, Arrays.copyOfRange(buf, start, start + len));
        start += len;
        offset += len;
        return c;
    }

    /**
     * The chunks of an earlier version of the stream. A cut depends only on the bytes of the chunk it ends
     * ({@link FastCdc}), so where the earlier version had a chunk that the content did not end (any but its
     * last) and the same bytes stand at the same offset, the cut falls where it fell then.
     */
    public interface Earlier {
        /**
         * The length of the chunk that began at {@code offset} in the earlier version, if it had one there
         * that was not all zeros and not its last; else 0.
         */
        int lengthAt(long offset);

        /**
         * Whether {@code buf[off, off + len)} holds the bytes of that chunk again (by a digest that cannot be
         * forged); asked right after {@link #lengthAt} of the same offset gave {@code len}.
         */
        boolean same(long offset, byte[] buf, int off, int len);
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
