package org.zos.agent.move;

import com.github.luben.zstd.Zstd;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * The sending side of one stream: reads it, and writes records. Every byte it reads goes into the
 * batch of verbatim bytes as it is read (so a stream cut anywhere is still carried exactly; the batch goes when it
 * is full or the stream goes quiet, so neither side waits for bytes held here), except
 * blocks it reads aside with {@link #readAside}, which it then sends as a reference or verbatim.
 * A subclass follows one kind of stream in {@link #follow}.
 */
abstract class Follower {
    private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger(Follower.class.getName());
    private final java.io.PushbackInputStream source;
    final DataInputStream in;
    private final DataOutputStream out;
    private final int level;
    /** Verbatim bytes, sent as one record ('Z' or 'R') when {@link LiveStream#BATCH} are gathered or the stream goes quiet. */
    private final LiveStream.Gathered batch = new LiveStream.Gathered() {
        @Override
        void spill(byte[] b, int n) throws IOException {
            byte[] raw = Arrays.copyOf(b, n);
            byte[] z = level > 0 ? Zstd.compress(raw, level) : null;
            if (z != null && z.length < raw.length - 16) {
                out.writeByte('Z');
                out.writeInt(raw.length);
                out.writeInt(z.length);
                out.write(z);
            } else {
                out.writeByte('R');
                out.writeInt(raw.length);
                out.write(raw);
            }
        }
    };
    long read;
    long blocks;
    long refs;
    boolean followed;
    private boolean teeing = true;
    /** How far the stream may run ahead of the receiver (null: as far as the link takes it). */
    final LiveStream.Window window;
    /** The position last marked for the receiver to acknowledge. */
    private long marked;

    Follower(InputStream stream, DataOutputStream out, int level) {
        this(stream, out, level, null);
    }

    Follower(InputStream stream, DataOutputStream out, int level, LiveStream.Window window) {
        this.source = new java.io.PushbackInputStream(stream, 1);
        this.in = new DataInputStream(new java.io.FilterInputStream(source) {
            @Override
            public int read() throws IOException {
                flushIfIdle();
                int b = super.read();
                if (b >= 0) {
                    read++;
                    if (teeing) {
                        add1(b);
                    }
                }
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                flushIfIdle();
                int n = super.read(b, off, len);
                if (n > 0) {
                    read += n;
                    if (teeing) {
                        add(b, off, n);
                    }
                }
                return n;
            }

            @Override
            public long skip(long n) throws IOException { // skipped bytes are carried too
                byte[] b = new byte[(int) Math.min(n, 4096)];
                int got = read(b, 0, b.length);
                return Math.max(got, 0);
            }
        });
        this.out = out;
        this.level = level;
        this.window = window;
    }

    /** Follows the stream as far as it can; true if it followed it to its end (or to where only opaque bytes follow). */
    abstract boolean follow() throws IOException;

    /**
     * Carries the whole stream, ending with 'E'; returns {@link #follow}'s answer (false if the stream
     * surprised it), which {@link #followed} keeps also if the stream's carriage then fails (a receiver that
     * closes once its QEMU has all it needs, before the end record).
     */
    final boolean run() throws IOException {
        try {
            followed = follow();
        } catch (Unfollowed | EOFException e) {
            followed = false; // what was read so far is in the batch: the rest follows it verbatim
            LOG.info(getClass().getSimpleName() + " stopped following its stream at byte " + read + ": "
                    + (e.getMessage() != null ? e.getMessage() : "it ended"));
        }
        byte[] b = new byte[1 << 16];
        while (in.read(b) > 0) {
            // teed into the batch
        }
        flushBatch();
        out.writeByte('E');
        out.flush();
        return followed;
    }

    /** Reads {@code block.length} bytes aside (not into the batch); if the stream ends inside, what came goes verbatim. */
    final void readAside(byte[] block) throws IOException {
        readAside(block, 0, block.length);
        blocks++;
    }

    /**
     * Reads {@code len} bytes into {@code b} at {@code off} aside, to be sent with {@link #emit}, changed, or
     * not at all; {@code b}'s bytes before {@code off} are those read aside before them for the same record.
     * If the stream ends inside, those and what came go verbatim.
     */
    final void readAside(byte[] b, int off, int len) throws IOException {
        int got = readFully(b, off, len);
        if (got < len) {
            add(b, 0, off + got);
            throw new EOFException();
        }
    }

    /**
     * Reads a block aside, as {@link #readAside(byte[])}, but if the stream ends inside, returns how much
     * came and sends none of it: the caller sends the record's bytes before it as it would have, then those.
     */
    final int readAsideOrEnd(byte[] block) throws IOException {
        int got = readFully(block, 0, block.length);
        if (got == block.length) {
            blocks++;
        }
        return got;
    }

    /** Reads up to {@code len} bytes aside (not into the batch), fewer only at the end of the stream; returns how many. */
    private int readFully(byte[] b, int off, int len) throws IOException {
        teeing = false;
        int got = 0;
        try {
            while (got < len) {
                int n = in.read(b, off + got, len - got);
                if (n < 0) {
                    break;
                }
                got += n;
            }
        } finally {
            teeing = true;
        }
        return got;
    }

    /** Sends bytes as verbatim stream bytes (bytes read aside, or bytes in their place). */
    final void emit(byte[] b, int off, int len) throws IOException {
        add(b, off, len);
    }

    /** Sends a block read aside: as a reference to the receiver's disk at {@code offset} (if not -1), or verbatim. */
    final void send(byte[] block, long offset) throws IOException {
        if (offset >= 0) {
            flushBatch();
            out.writeByte((offset & LiveStream.KEPT) != 0 ? 'M' : 'D');
            out.writeLong(offset & ~LiveStream.KEPT);
            out.writeLong(LiveStream.check(block));
            refs++;
        } else {
            add(block, 0, block.length);
        }
    }

    /** Sends a block read aside whole, as a 'B' record: the receiver keeps it to be referred to ({@link WholeBlocks}). */
    final void sendKept(byte[] block) throws IOException {
        flushBatch();
        out.writeByte('B');
        out.write(block);
    }

    /** Sends a page of the guest's memory for the receiver to write into its domain's memory ({@link LiveStream#writePage}). */
    final void writePage(long at, byte[] page, long found) throws IOException {
        flushBatch();
        LiveStream.writePage(out, at, page, found);
        if (found >= 0) {
            refs++;
        }
    }

    /**
     * Where every byte read so far is batched or sent (a subclass calls it between records): every
     * {@link LiveStream.Window#step} bytes, sends what is batched and a mark ({@code 'P'}) of the position,
     * then waits while the window is full. Nothing is held back while it waits, so the receiver can
     * acknowledge everything marked.
     */
    final void mark() throws IOException {
        if (window == null || read - marked < window.step()) {
            return;
        }
        flushBatch();
        out.writeByte('P');
        out.writeLong(read);
        out.flush();
        marked = read;
        window.await(read);
    }

    /** Peeks at the next byte without reading it; -1 at the end. */
    final int peek() throws IOException {
        flushIfIdle();
        int b = source.read();
        if (b >= 0) {
            source.unread(b);
        }
        return b;
    }

    private void add1(int b) throws IOException {
        batch.write(b);
    }

    private void add(byte[] b, int off, int len) throws IOException {
        batch.write(b, off, len);
    }

    /**
     * Sends what is batched, and the records written but not yet sent, before a read that would wait: the
     * other side may be waiting for it (an NBD client's option before the server's reply; QEMU's last
     * pages before its completion), and nothing is held back while the stream is quiet. While the stream
     * flows, records gather in the output's buffer and go in large frames (a reference is 17 bytes; a
     * frame of its own would cost more than that again).
     */
    private void flushIfIdle() throws IOException {
        if (source.available() == 0) {
            flushBatch();
            out.flush();
        }
    }

    private void flushBatch() throws IOException {
        batch.spill();
    }

    /** A page record with flags the encoder does not follow (XBZRLE, compression, multifd): the rest goes verbatim. */
    static final class Unfollowed extends IOException {
        Unfollowed() {
            super("a page record the encoder does not follow", null);
        }
    }
}
