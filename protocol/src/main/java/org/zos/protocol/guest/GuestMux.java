package org.zos.protocol.guest;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * Either end of guest channel v1 over one byte pipe (the virtio-serial port in the guest, libvirt's UNIX
 * socket on the host): one reader thread turns frames into calls on a {@link Listener} and on the open
 * {@link GuestStream}s; any thread may send, one frame at a time.
 *
 * <p>Which frames each end may send (docs/protocol.md, "Guest channel"):
 * <pre>
 *   kind     stream  host → guest                      guest → host
 *   hello    0       first frame of every connection   the answer to it
 *   ctl      0       a request {"id":N,"op":…}          its answer {"id":N,"ok":…}
 *   open     ≥1      open a stream to {"target":…}      the stream is open
 *   data     ≥1      bytes                              bytes
 *   credit   ≥1      n more bytes may come             the same
 *   close    ≥1      the stream is over                the same (also: the open is refused)
 * </pre>
 * A frame that breaks the protocol closes only its stream; an unreadable header is skipped.
 */
public final class GuestMux implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(GuestMux.class.getName());

    /** What the end above the mux does with what arrives (called on the reader thread). */
    public interface Listener {
        /** A hello or ctl frame. */
        void control(GuestFrame frame);

        /** The other side asks to open {@code stream}; answer with {@link #accept} or a close. Host ends refuse. */
        default void open(GuestMux mux, int stream, String json) {
            mux.sendQuietly(GuestFrame.text(GuestFrame.Kind.CLOSE, stream, "{\"error\":\"this end opens no streams\"}"));
        }

        /** The link ended (end of input, or an I/O error). */
        default void ended(IOException why) {
        }
    }

    private final InputStream in;
    private final OutputStream out;
    private final Listener listener;
    private final Map<Integer, GuestStream> streams = new ConcurrentHashMap<>();
    private final Thread reader;
    private volatile boolean closed;
    /** Guest end: frames before the first hello are an earlier host's, and dropped. */
    private boolean helloFirst;
    /** Guest end: the end of the port's input is not the end of the mux (a host may come, or still be there). */
    private boolean outlivesHosts;
    private long dropped;
    /** When the last frame came from the other side (System.nanoTime). */
    private volatile long lastFrame = System.nanoTime();
    /** Stream numbers start anywhere, so frames an earlier connection left in the pipe hardly ever meet a stream of this one. */
    private int nextStream = 1 + new java.security.SecureRandom().nextInt(GuestFrame.MAX_STREAM);

    public GuestMux(InputStream in, OutputStream out, Listener listener, String name) {
        this.in = new java.io.BufferedInputStream(in, GuestFrame.MAX_PAYLOAD + GuestFrame.MAX_HEADER);
        this.out = out;
        this.listener = listener;
        this.reader = new Thread(this::readLoop, name);
        reader.setDaemon(true);
    }

    /**
     * The guest end of a new host connection: every frame before the first {@code hello} is dropped. QEMU
     * hands the guest what an earlier host wrote but the guest had not read yet, even after that host's
     * connection ended; none of it is for the new host.
     */
    public GuestMux helloFirst() {
        this.helloFirst = true;
        return this;
    }

    /**
     * The guest end of the port for the agent's whole life: the end of its input means no host is connected
     * just now, so reading goes on a moment later with the same streams. QEMU can report an earlier
     * connection's end after the next host said hello, so an end says nothing certain about who is there;
     * a hello of another link does ({@link #forgetStreams}).
     */
    public GuestMux outlivesHosts() {
        this.outlivesHosts = true;
        return this;
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** When the last frame came from the other side, as System.nanoTime(). */
    public long lastFrameNanos() {
        return lastFrame;
    }

    public GuestMux start() {
        reader.start();
        return this;
    }

    /** Sends one frame. */
    public void send(GuestFrame f) throws IOException {
        byte[] bytes = f.encode();
        synchronized (out) {
            if (closed) {
                throw new IOException("the guest channel is closed");
            }
            out.write(bytes);
            out.flush();
        }
    }

    /**
     * Sends an empty line, which readers skip: before a hello it ends whatever line an earlier host's
     * leftovers left open on the guest's side, so the hello is read at once.
     */
    public void sendPadding() throws IOException {
        synchronized (out) {
            if (closed) {
                throw new IOException("the guest channel is closed");
            }
            out.write('\n');
            out.flush();
        }
    }

    /** Sends one frame; a failure only closes the link (its reader reports it). */
    public void sendQuietly(GuestFrame f) {
        try {
            send(f);
        } catch (IOException e) {
            LOG.fine("guest channel: sending " + f + " failed: " + e.getMessage());
        }
    }

    /** Opens a stream to {@code targetJson} (host end); its {@link GuestStream#opened()} completes on the answer. */
    public GuestStream open(String targetJson) throws IOException {
        GuestStream s;
        synchronized (this) {
            int id = nextStream;
            while (streams.containsKey(id)) {
                id = id % GuestFrame.MAX_STREAM + 1;
            }
            nextStream = id % GuestFrame.MAX_STREAM + 1;
            s = new GuestStream(this, id);
            streams.put(id, s);
        }
        send(GuestFrame.text(GuestFrame.Kind.OPEN, s.id(), targetJson));
        return s;
    }

    /** Accepts a stream the other side opened (guest end), answering its open with {@code answerJson}. */
    public GuestStream accept(int stream, String answerJson) throws IOException {
        GuestStream s = new GuestStream(this, stream);
        if (streams.putIfAbsent(stream, s) != null) {
            throw new GuestProtocolException("stream " + stream + " is already open");
        }
        send(GuestFrame.text(GuestFrame.Kind.OPEN, stream, answerJson));
        return s;
    }

    /**
     * Forgets every open stream without a word to the other side: the guest's answer to a new host's hello
     * (the streams were the old host's, and their numbers are free for the new one).
     */
    public void forgetStreams(String why) {
        String reason = "{\"error\":\"" + why + "\"}";
        for (GuestStream s : streams.values()) {
            streams.remove(s.id(), s);
            s.onClosed(reason);
            // said too, so a host that is in fact the same one (its hello repeated) ends its side as well; a
            // new host has no such stream yet and ignores it
            sendQuietly(GuestFrame.text(GuestFrame.Kind.CLOSE, s.id(), reason));
        }
    }

    /** The streams open now. */
    public List<GuestStream> streams() {
        return new ArrayList<>(streams.values());
    }

    void forget(GuestStream s) {
        streams.remove(s.id(), s);
    }

    private void readLoop() {
        IOException end = null;
        try {
            while (!closed) {
                GuestFrame f;
                try {
                    f = GuestFrame.read(in);
                } catch (GuestProtocolException e) {
                    if (helloFirst) {
                        dropped++;
                    } else {
                        LOG.warning("guest channel: " + e.getMessage() + "; skipped");
                    }
                    continue;
                } catch (IOException e) {
                    if (!outlivesHosts) {
                        throw e;
                    }
                    if (!(e instanceof EOFException)) {
                        LOG.info("guest channel: " + e + "; reading on");
                    }
                    // the guest end: no host now (or QEMU told of an earlier connection's end late). The
                    // streams stay until a hello of another link; a frame cut short is junk the next read skips.
                    sleepQuietly(300);
                    continue;
                }
                lastFrame = System.nanoTime();
                if (helloFirst) {
                    if (f.kind() != GuestFrame.Kind.HELLO) {
                        dropped++;
                        continue;
                    }
                    helloFirst = false;
                    if (dropped > 0) {
                        LOG.info("guest channel: dropped " + dropped + " frames an earlier host sent before this one's hello");
                    }
                }
                dispatch(f);
            }
        } catch (EOFException e) {
            end = e;
        } catch (IOException e) {
            end = e;
        } catch (RuntimeException e) {
            end = new IOException(e);
        } finally {
            IOException why = end != null ? end : new IOException("closed");
            for (GuestStream s : streams.values()) {
                s.onClosed("{\"error\":\"the guest channel ended\"}");
            }
            streams.clear();
            listener.ended(why);
        }
    }

    private void dispatch(GuestFrame f) {
        switch (f.kind()) {
            case HELLO, CTL -> listener.control(f);
            case OPEN -> {
                GuestStream s = streams.get(f.stream());
                if (s == null) {
                    listener.open(this, f.stream(), f.text());
                } else {
                    s.onOpened(f.text());
                }
            }
            case CLOSE -> {
                GuestStream s = streams.remove(f.stream());
                if (s != null) {
                    s.onClosed(f.text());
                }
            }
            case DATA, CREDIT -> {
                GuestStream s = streams.get(f.stream());
                if (s == null) {
                    return; // a stream closed while this was in flight
                }
                try {
                    if (f.kind() == GuestFrame.Kind.DATA) {
                        s.onData(f.payload());
                    } else {
                        s.onCredit(parseCredit(f.text()));
                    }
                } catch (GuestProtocolException e) {
                    LOG.warning("guest channel: " + e.getMessage() + "; closing the stream");
                    streams.remove(f.stream());
                    s.onClosed("{\"error\":\"protocol error\"}");
                    sendQuietly(GuestFrame.text(GuestFrame.Kind.CLOSE, f.stream(), "{\"error\":\"protocol error\"}"));
                }
            }
        }
    }

    private static int parseCredit(String text) throws GuestProtocolException {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new GuestProtocolException("a credit that is not a number");
        }
    }

    /** Closes every stream and stops reading; the pipe itself belongs to the caller. */
    @Override
    public void close() {
        closed = true;
        for (GuestStream s : streams.values()) {
            s.onClosed("{\"error\":\"the guest channel closed\"}");
        }
        streams.clear();
        reader.interrupt();
    }
}
