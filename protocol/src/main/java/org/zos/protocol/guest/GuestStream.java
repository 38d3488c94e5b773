package org.zos.protocol.guest;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;

/**
 * One multiplexed stream of a {@link GuestMux}: bytes both ways with per-stream credit, so a slow reader
 * of one stream never stops another. Each side may have {@link #WINDOW} bytes in flight; the reader grants
 * credit back as it consumes.
 */
public final class GuestStream implements org.zos.protocol.stream.Duplex {
    /** Bytes a side may send on a stream before the other side grants more. */
    public static final int WINDOW = 256 * 1024;

    private final GuestMux mux;
    private final int id;
    private final CompletableFuture<String> opened = new CompletableFuture<>();
    private final ArrayDeque<byte[]> inbound = new ArrayDeque<>();
    private int inboundBytes;
    private int consumedSinceCredit;
    private int sendCredit = WINDOW;
    private boolean remoteClosed;
    private boolean localClosed;
    private String closeReason = "";
    private final InputStream input = new Input();

    GuestStream(GuestMux mux, int id) {
        this.mux = mux;
        this.id = id;
    }

    public int id() {
        return id;
    }

    /** Completes with the guest's answer to the open (JSON), or fails when it refused or the link ended. */
    public CompletableFuture<String> opened() {
        return opened;
    }

    /** The bytes the other side sends; -1 once it closed the stream (or the link ended). */
    @Override
    public InputStream input() {
        return input;
    }

    /** Why the other side closed the stream (its JSON reason, or what ended the link); empty while open. */
    public synchronized String closeReason() {
        return closeReason;
    }

    /** Sends bytes, waiting for credit; fails once the stream is closed. */
    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        while (len > 0) {
            int n;
            synchronized (this) {
                while (sendCredit == 0 && !remoteClosed && !localClosed) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new InterruptedIOException();
                    }
                }
                if (remoteClosed || localClosed) {
                    throw new IOException("stream " + id + " is closed" + (closeReason.isEmpty() ? "" : ": " + closeReason));
                }
                n = Math.min(Math.min(len, sendCredit), GuestFrame.MAX_PAYLOAD);
                sendCredit -= n;
            }
            byte[] chunk = new byte[n];
            System.arraycopy(b, off, chunk, 0, n);
            mux.send(new GuestFrame(GuestFrame.Kind.DATA, id, chunk));
            off += n;
            len -= n;
        }
    }

    /** Closes the stream (telling the other side once), and wakes its reader and writer. */
    @Override
    public void close() {
        boolean tell;
        synchronized (this) {
            tell = !localClosed && !remoteClosed;
            localClosed = true;
            notifyAll();
        }
        if (tell) {
            mux.sendQuietly(GuestFrame.text(GuestFrame.Kind.CLOSE, id, "{}"));
        }
        mux.forget(this);
    }

    // ---- called by the mux's reader thread ----

    void onOpened(String json) {
        opened.complete(json);
    }

    void onData(byte[] data) throws GuestProtocolException {
        synchronized (this) {
            if (localClosed) {
                return; // in flight when we closed
            }
            if (inboundBytes + consumedSinceCredit + data.length > WINDOW) {
                throw new GuestProtocolException("stream " + id + " sent beyond its credit");
            }
            inbound.add(data);
            inboundBytes += data.length;
            notifyAll();
        }
    }

    synchronized void onCredit(int n) throws GuestProtocolException {
        if (n <= 0 || (long) sendCredit + n > WINDOW) {
            throw new GuestProtocolException("stream " + id + " granted a bad credit of " + n);
        }
        sendCredit += n;
        notifyAll();
    }

    void onClosed(String reason) {
        synchronized (this) {
            remoteClosed = true;
            closeReason = reason;
            notifyAll();
        }
        opened.completeExceptionally(new IOException("the guest refused the stream: " + reason));
    }

    private final class Input extends InputStream {
        private byte[] head;
        private int pos;

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            int grant = 0;
            int n;
            synchronized (GuestStream.this) {
                while (head == null && inbound.isEmpty()) {
                    if (remoteClosed || localClosed) {
                        return -1;
                    }
                    try {
                        GuestStream.this.wait();
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
                inboundBytes -= n;
                consumedSinceCredit += n;
                if (consumedSinceCredit >= WINDOW / 4 && !remoteClosed && !localClosed) {
                    grant = consumedSinceCredit;
                    consumedSinceCredit = 0;
                }
            }
            if (grant > 0) {
                mux.sendQuietly(GuestFrame.text(GuestFrame.Kind.CREDIT, id, String.valueOf(grant)));
            }
            return n;
        }

        @Override
        public void close() {
            GuestStream.this.close();
        }
    }
}
