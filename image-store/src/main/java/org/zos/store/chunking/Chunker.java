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
    private final FastCdc cdc;
    private final byte[] buf;
    private int start;
    private int end;
    private boolean eof;
    private long offset;

    public Chunker(InputStream in, ChunkerParams params) {
        this.in = in;
        this.cdc = new FastCdc(params);
        this.buf = new byte[Math.max(2 * params.max(), 1 << 20)];
    }

    /** The next chunk, or null at the end of the stream. */
    public Chunk next() throws IOException {
        fill();
        if (start == end) {
            return null;
        }
        int len = cdc.cut(buf, start, end - start);
        Chunk c = new Chunk(offset, Arrays.copyOfRange(buf, start, start + len), cdc.lastWasZero());
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
            int n = in.read(buf, end, buf.length - end);
            if (n < 0) {
                eof = true;
                return;
            }
            end += n;
        }
    }
}
