package org.zos.protocol.net;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import org.zos.protocol.wire.Frame;

/**
 * A zos connection after a request opened a stream on it ({@code view-open}): bytes both ways as data
 * frames, with the connection's own TLS, keepalives and deadlines. Blocking on both sides for the user of
 * the stream, never on the event loop:
 * <ul>
 * <li>{@link #write} sends data frames of at most {@link #FRAME} bytes and waits while the channel is not
 *     writable (more than {@link Peer#HIGH_WATER} bytes unsent);</li>
 * <li>{@link #input} reads what arrived; while more than {@link #BUFFER} bytes wait unread, the connection
 *     stops reading, so TCP holds the sender back.</li>
 * </ul>
 * Closing the stream closes the connection.
 */
public final class ChannelStream implements org.zos.protocol.stream.Duplex {
    static final int FRAME = 64 * 1024;
    static final int BUFFER = 1 << 20;

    private final Channel channel;
    private final Runnable readMore;
    private final ArrayDeque<byte[]> inbound = new ArrayDeque<>();
    private int buffered;
    private boolean ended;
    /** When reading last resumed after the reader fell behind (nanoTime). */
    private long resumedAt = System.nanoTime();

    /** @param readMore asks the channel for more bytes once the reader caught up (on the event loop) */
    ChannelStream(Channel channel, Runnable readMore) {
        this.channel = channel;
        this.readMore = readMore;
        channel.closeFuture().addListener(f -> end());
    }

    /** Called on the event loop for each data frame. */
    void deliver(ByteBuf payload) {
        byte[] b = new byte[payload.readableBytes()];
        payload.readBytes(b);
        synchronized (this) {
            inbound.add(b);
            buffered += b.length;
            notifyAll();
        }
    }

    /** Called on the event loop after reads: whether to read more now. */
    synchronized boolean mayRead() {
        return buffered < BUFFER;
    }

    /**
     * Whether this end has wanted the peer's bytes for at least {@code silence}: reading is not paused
     * for a reader behind, and did not resume within it. A connection whose own reader is slow (a busy
     * QEMU, a loaded host) is not taken for a dead peer.
     */
    synchronized boolean awaited(java.time.Duration silence) {
        return buffered < BUFFER && System.nanoTime() - resumedAt >= silence.toNanos();
    }

    private synchronized void end() {
        ended = true;
        notifyAll();
    }

    /** Sends bytes as data frames, waiting while the connection is backed up. */
    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        while (len > 0) {
            synchronized (this) {
                while (channel.isActive() && !channel.isWritable()) {
                    try {
                        wait(100);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new InterruptedIOException();
                    }
                }
            }
            if (!channel.isActive()) {
                throw new IOException("the connection closed");
            }
            int n = Math.min(len, FRAME);
            ByteBuf buf = Unpooled.copiedBuffer(b, off, n);
            channel.writeAndFlush(new Frame(Frame.Kind.DATA, buf));
            off += n;
            len -= n;
        }
    }

    /** Wakes writers waiting for the channel to drain (called on the event loop). */
    synchronized void writable() {
        notifyAll();
    }

    /** The bytes the other side sends; -1 once the connection closed. */
    @Override
    public InputStream input() {
        return new InputStream() {
            private byte[] head;
            private int pos;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                java.util.Objects.checkFromIndexSize(off, len, b.length);
                if (len == 0) {
                    return 0; // as InputStream says (readNBytes asks so once it has all it wanted)
                }
                boolean resume;
                int n;
                synchronized (ChannelStream.this) {
                    while (head == null && inbound.isEmpty()) {
                        if (ended) {
                            return -1;
                        }
                        try {
                            ChannelStream.this.wait();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new InterruptedIOException();
                        }
                    }
                    if (head == null) {
                        head = inbound.poll();
                        pos = 0;
                    }
                    n = Math.min(len, head.length - pos);
                    System.arraycopy(head, pos, b, off, n);
                    pos += n;
                    if (pos == head.length) {
                        head = null;
                    }
                    boolean wasFull = buffered >= BUFFER;
                    buffered -= n;
                    resume = wasFull && buffered < BUFFER;
                    if (resume) {
                        resumedAt = System.nanoTime();
                    }
                }
                if (resume) {
                    channel.eventLoop().execute(readMore);
                }
                return n;
            }

            @Override
            public void close() {
                ChannelStream.this.close();
            }
        };
    }

    /** Closes the connection. */
    @Override
    public void close() {
        channel.close();
    }
}
