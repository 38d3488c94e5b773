package org.zos.agent.anima;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;
import org.zos.protocol.guest.GuestFrame;
import org.zos.protocol.guest.GuestMux;
import org.zos.protocol.guest.GuestStream;

/**
 * The host end of guest channel v1 on one running anima's {@code org.zos.agent.0} (libvirt's UNIX socket
 * for it). QEMU takes one connection at a time on that socket, so every user of the channel on this host
 * (requests, viewers' streams) shares one link: see {@link #of}. The link ends when the guest's QEMU goes
 * away (a save, a move, a stop); the next call connects again.
 */
public final class GuestLink implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(GuestLink.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<Path, GuestLink> LINKS = new ConcurrentHashMap<>();
    /** One lock per channel: a guest slow to answer its hello holds up only the users of its own channel. */
    private static final Map<Path, Object> CONNECTING = new ConcurrentHashMap<>();
    /**
     * The longest a write to the channel may wait (10 s). QEMU stops reading the socket while the guest takes
     * nothing from the port (a guest that crashed, hangs, or closed its end): a write then waits for good,
     * so the link is closed, which ends the write, and its users learn that the guest does not answer.
     */
    static volatile Duration writeLimit = Duration.ofSeconds(10); // tests shorten it

    private final Path socketPath;
    private final SocketChannel socket;
    private final GuestMux mux;
    /** Request ids start anywhere, so an answer an earlier link left in the pipe never completes one of this link's requests. */
    private final AtomicLong ids = new AtomicLong(new java.security.SecureRandom().nextLong(1L << 40));
    private final Map<Long, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final CompletableFuture<JsonNode> hello = new CompletableFuture<>();
    /** This link's id, in each of its hellos: a guest that hears the same id again keeps the link's streams. */
    private final String id = java.util.UUID.randomUUID().toString();
    private volatile boolean ended;
    /** When the write under way began (nanoTime), 0 when none is. */
    private volatile long writingSince;
    private final java.util.concurrent.ScheduledFuture<?> writeWatch;

    private GuestLink(Path socketPath, SocketChannel socket) {
        this.socketPath = socketPath;
        this.socket = socket;
        this.mux = new GuestMux(input(socket), output(socket, t -> writingSince = t), new GuestMux.Listener() {
            @Override
            public void control(GuestFrame frame) {
                received(frame);
            }

            @Override
            public void ended(IOException why) {
                end(why);
            }
        }, "zos-guest-link-" + socketPath.getFileName());
        this.writeWatch = WATCH.scheduleWithFixedDelay(this::endIfStuck, 1, 1, TimeUnit.SECONDS);
    }

    /** Closes the link if a write has waited longer than {@link #writeLimit}: see there. */
    private void endIfStuck() {
        long since = writingSince;
        if (!ended && since != 0 && System.nanoTime() - since > writeLimit.toNanos()) {
            LOG.warning("guest channel " + socketPath + ": the guest has taken nothing from it for " + writeLimit.toSeconds()
                    + " s; closing the link");
            end(new IOException("the guest takes nothing from its channel")); // the socket closed ends the write
            mux.close();
        }
    }

    /**
     * The link to the channel behind {@code socketPath}: the one open now, or a new one once the guest
     * answered its hello within {@code timeout}.
     *
     * @throws IOException when the socket refuses or the guest does not answer in time
     */
    public static GuestLink of(Path socketPath, Duration timeout) throws IOException {
        synchronized (CONNECTING.computeIfAbsent(socketPath, p -> new Object())) {
            GuestLink link = LINKS.get(socketPath);
            if (link != null && !link.ended) {
                return link;
            }
            link = connect(socketPath, timeout);
            LINKS.put(socketPath, link);
            return link;
        }
    }

    private static GuestLink connect(Path socketPath, Duration timeout) throws IOException {
        SocketChannel s = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            s.connect(UnixDomainSocketAddress.of(socketPath));
        } catch (IOException e) {
            s.close();
            throw e;
        }
        GuestLink link = new GuestLink(socketPath, s);
        link.mux.start();
        try {
            // Said again each second until answered: a guest whose port was not open when it came (it was
            // just restored, or its agent is starting) never saw it.
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                link.sayHello();
                long left = Math.min(1000, (deadline - System.nanoTime()) / 1_000_000);
                if (left <= 0) {
                    throw new TimeoutException();
                }
                try {
                    link.hello.get(left, TimeUnit.MILLISECONDS);
                    break;
                } catch (TimeoutException again) {
                    if (System.nanoTime() >= deadline) {
                        throw again;
                    }
                }
            }
        } catch (TimeoutException e) {
            link.close();
            throw new IOException("the guest did not answer guest channel v1's hello within " + timeout.toMillis()
                    + " ms (still booting, or a guest made by an older zos)");
        } catch (InterruptedException | ExecutionException e) {
            link.close();
            throw new IOException("the guest channel ended during its hello", e);
        }
        link.keepSayingHello();
        return link;
    }

    private static final java.util.concurrent.ScheduledExecutorService HELLOS = daemon("zos-guest-hellos");
    /** Watches the links' writes; a thread of its own, since the hellos' thread may be the one whose write waits. */
    private static final java.util.concurrent.ScheduledExecutorService WATCH = daemon("zos-guest-write-watch");

    private static java.util.concurrent.ScheduledExecutorService daemon(String name) {
        return java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Says this link's hello again every 2 s for as long as it lives. A guest can see its side of the port
     * end and start again while this connection goes on (QEMU tells it of an earlier connection's end
     * late); it then waits for a hello and hears nothing else. The same link's hello keeps its streams.
     */
    private void keepSayingHello() {
        java.util.concurrent.ScheduledFuture<?>[] task = new java.util.concurrent.ScheduledFuture<?>[1];
        task[0] = HELLOS.scheduleWithFixedDelay(() -> {
            if (ended) {
                task[0].cancel(false);
                return;
            }
            try {
                sayHello();
            } catch (IOException e) {
                task[0].cancel(false);
            }
        }, 2, 2, TimeUnit.SECONDS);
    }

    /** This link's hello, after padding that ends whatever an earlier host left half-written in the pipe. */
    private void sayHello() throws IOException {
        mux.sendPadding();
        mux.send(GuestFrame.text(GuestFrame.Kind.HELLO, 0, "{\"version\":1,\"host\":\"zos\",\"link\":\"" + id + "\"}"));
    }

    /** The guest's hello: its agent, kind ("mini", "desktop") and features. */
    public JsonNode hello() {
        return hello.getNow(null);
    }

    /**
     * Sends one control request ({"op":…, fields}; the id is added here) and returns the guest's answer
     * ({"ok":true,…} or {"ok":false,"error":…}).
     */
    public JsonNode request(ObjectNode request, Duration timeout) throws IOException {
        long id = ids.incrementAndGet();
        ObjectNode withId = JSON.createObjectNode().put("id", id); // first: the mini guest reads "text" as the last field
        request.fields().forEachRemaining(f -> {
            if (!f.getKey().equals("id")) { // the link's own id: a request cannot take another's answer
                withId.set(f.getKey(), f.getValue());
            }
        });
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        pending.put(id, answer);
        try {
            mux.send(GuestFrame.text(GuestFrame.Kind.CTL, 0, JSON.writeValueAsString(withId)));
            return answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            endIfDeaf(timeout);
            throw new IOException("the guest did not answer '" + request.path("op").asText() + "' within "
                    + timeout.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (ExecutionException e) {
            throw new IOException("the guest channel ended", e.getCause());
        } finally {
            pending.remove(id);
        }
    }

    /** Opens a stream to a target in the guest (e.g. {"target":"app","app":1}) and waits for the guest's yes. */
    public GuestStream open(ObjectNode target, Duration timeout) throws IOException {
        GuestStream s = mux.open(JSON.writeValueAsString(target));
        try {
            s.opened().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return s;
        } catch (TimeoutException e) {
            s.close();
            endIfDeaf(timeout);
            throw new IOException("the guest did not open the stream within " + timeout.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            s.close();
            throw new IOException("interrupted", e);
        } catch (ExecutionException e) {
            throw new IOException(reason(s.closeReason()));
        }
    }

    public boolean ended() {
        return ended;
    }

    private void received(GuestFrame frame) {
        JsonNode n;
        try {
            n = JSON.readTree(frame.text());
        } catch (IOException e) {
            LOG.warning("guest channel " + socketPath + ": an answer that is not JSON; ignored");
            return;
        }
        if (frame.kind() == GuestFrame.Kind.HELLO) {
            if (n.has("link") && !n.path("link").asText().equals(id)) {
                return; // an answer to an earlier link's hello, handed over late: this link's is still to come
            }
            hello.complete(n);
            return;
        }
        CompletableFuture<JsonNode> f = pending.get(n.path("id").asLong(-1));
        if (f != null) {
            f.complete(n); // answers to requests of an earlier connection find nobody waiting
        }
    }

    /**
     * Ends this link if the guest said nothing at all while a request waited {@code timeout}: it no longer
     * hears this link (its side of the port ended and it waits for a new hello), so the next use makes a
     * new link, which says hello again. A guest that is only slow keeps sending (answers, credits, view
     * data) and keeps its link.
     */
    private void endIfDeaf(Duration timeout) {
        if (System.nanoTime() - mux.lastFrameNanos() >= timeout.toNanos()) {
            LOG.warning("guest channel " + socketPath + ": the guest said nothing for " + timeout.toMillis()
                    + " ms; connecting again");
            mux.close();
            end(new IOException("the guest stopped hearing this link"));
        }
    }

    private void end(IOException why) {
        ended = true;
        writeWatch.cancel(false);
        LINKS.remove(socketPath, this);
        hello.completeExceptionally(why);
        pending.values().forEach(f -> f.completeExceptionally(why));
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    @Override
    public void close() {
        mux.close();
        end(new IOException("closed"));
    }

    private static String reason(String json) {
        try {
            return JSON.readTree(json).path("error").asText(json);
        } catch (IOException e) {
            return json;
        }
    }

    /** Reads the socket directly: Channels' streams hold one lock for reads and writes alike. */
    private static InputStream input(SocketChannel ch) {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return len == 0 ? 0 : ch.read(ByteBuffer.wrap(b, off, len));
            }
        };
    }

    /** Writes to {@code ch}; {@code writing} hears when each write begins (nanoTime) and that it ended (0). */
    private static OutputStream output(SocketChannel ch, java.util.function.LongConsumer writing) {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            /**
             * Writes with the calling thread's interrupt held back: the JDK closes an interruptible channel
             * when an interrupted thread does I/O on it, which would end the link under every other user of
             * it (a folder syncer told to stop, which closes its stream on the way out, ended a concurrent
             * request with "the guest channel ended"). The interrupt is kept for the caller.
             */
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                boolean interrupted = Thread.interrupted();
                writing.accept(System.nanoTime());
                try {
                    ByteBuffer buf = ByteBuffer.wrap(b, off, len);
                    while (buf.hasRemaining()) {
                        ch.write(buf);
                    }
                } finally {
                    writing.accept(0);
                    if (interrupted) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        };
    }
}
