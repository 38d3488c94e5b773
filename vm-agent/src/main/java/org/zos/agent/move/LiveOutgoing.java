package org.zos.agent.move;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.logging.Logger;
import org.zos.protocol.ZosException;
import org.zos.protocol.message.LiveOpen;
import org.zos.protocol.message.LiveReady;
import org.zos.protocol.message.Message;
import org.zos.protocol.stream.Duplex;

/**
 * The sending side of a live move (docs/protocol.md, "Live moves"): this host's libvirtd and QEMU connect
 * to the sockets of {@link LiveSockets} as if they were the receiver's; each connection goes to the
 * receiver's agent as a stream of its own ({@code live-open} on a new link), and its data direction is
 * coded by {@link LivePipe}. Closing it closes the sockets (the streams end with the hypervisor's own
 * connections).
 */
final class LiveOutgoing implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(LiveOutgoing.class.getName());

    private final long transfer;
    private final LiveSockets sockets;
    private final Supplier<MoveLink> dial;
    private final Duration timeout;
    private final LivePipe.Coding coding;
    private final List<LivePipe.Listener> listeners = new ArrayList<>();
    private final Map<LivePipe.Kind, LiveStream.Figures> figures = new EnumMap<>(LivePipe.Kind.class);
    private Exception failure;
    /**
     * Links dialed as the migration begins, for the two connections the hypervisor makes last (the disks'
     * and the migration's, once the memory is copied): their dial and TLS handshake, 0.1 to 0.2 s each,
     * are then not on the way to the guest's stop.
     */
    private final java.util.concurrent.ConcurrentLinkedQueue<java.util.concurrent.CompletableFuture<MoveLink>> spare =
            new java.util.concurrent.ConcurrentLinkedQueue<>();
    static final int SPARES = 2;
    /**
     * The link for the stream of memory by content, dialed while the receiver prepared its domain
     * ({@link #dialAhead}): the stream opens as the migration begins, not a dial and handshake later; null
     * if none was dialed ahead, or once it is taken.
     */
    private java.util.concurrent.CompletableFuture<MoveLink> memoryLink;

    /** Listens for move {@code transfer}'s connections; each is carried over a link {@code dial} makes. */
    LiveOutgoing(long transfer, Supplier<MoveLink> dial, Duration timeout, LivePipe.Coding coding) throws IOException {
        this(transfer, dial, timeout, coding, null);
    }

    /** As above, with the link for the memory stream dialed ahead ({@link #dialAhead}; null: dialed when it opens). */
    LiveOutgoing(long transfer, Supplier<MoveLink> dial, Duration timeout, LivePipe.Coding coding,
            java.util.concurrent.CompletableFuture<MoveLink> memoryLink) throws IOException {
        this(transfer, dial, timeout, coding, memoryLink, false);
    }

    /**
     * As above; if {@code gated} (memory by content), QEMU's migration connection waits in its connect(2)
     * until {@link #letMigrationGo}, and fails once {@link #refuseMigration} (a {@link LivePipe.Listener} gate).
     */
    LiveOutgoing(long transfer, Supplier<MoveLink> dial, Duration timeout, LivePipe.Coding coding,
            java.util.concurrent.CompletableFuture<MoveLink> memoryLink, boolean gated) throws IOException {
        this.transfer = transfer;
        this.memoryLink = memoryLink;
        this.sockets = LiveSockets.of(transfer).create();
        this.dial = dial;
        this.timeout = timeout;
        this.coding = coding;
        try {
            for (LivePipe.Kind kind : List.of(LivePipe.Kind.LIBVIRT, LivePipe.Kind.MIGRATION, LivePipe.Kind.DISKS)) {
                Path at = switch (kind) {
                    case LIBVIRT -> sockets.libvirt();
                    case MIGRATION -> sockets.migration();
                    case DISKS -> sockets.disks();
                    case MEMORY -> throw new IllegalStateException("no socket");
                };
                LivePipe.Listener l = new LivePipe.Listener(at, local -> carry(kind, local), gated && kind == LivePipe.Kind.MIGRATION);
                listeners.add(l);
                if (kind == LivePipe.Kind.MIGRATION) {
                    migration = l;
                }
                Files.setPosixFilePermissions(at, PosixFilePermissions.fromString("rw-rw-rw-")); // QEMU may run as another user
            }
            for (int i = 0; i < SPARES; i++) {
                spare.add(dialAhead(dial));
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    LiveSockets sockets() {
        return sockets;
    }

    /** QEMU's migration connection, gated until the memory by content ended whole. */
    private LivePipe.Listener migration;

    /** Lets QEMU's migration connection through (the memory by content ended whole). */
    void letMigrationGo() {
        migration.open();
    }

    /** Refuses QEMU's migration connection: its migration fails, and the anima runs on here. */
    void refuseMigration() {
        migration.close();
    }

    /** Bytes a coded stream may queue ahead of the link (with as much in the socket): 0.08 s at 100 Mbit/s. */
    static final int QUEUE = 1 << 20;

    /** One connection of the hypervisor's, to the receiver's agent. */
    private void carry(LivePipe.Kind kind, Duplex local) {
        MoveLink link = null;
        try {
            LiveOpen open = new LiveOpen(transfer, kind.name().toLowerCase(), kind == LivePipe.Kind.MIGRATION ? LiveStream.Window.SIZE : 0);
            Opened opened = streamOn(kind == LivePipe.Kind.LIBVIRT ? null : spare.poll(), open, timeout);
            link = opened.link();
            LiveReady ready = MoveProtocol.answer(opened.answer(), LiveReady.class, open);
            if (kind != LivePipe.Kind.LIBVIRT) {
                // QEMU paces itself by how fast its bytes leave: a deep queue between it and the link makes it
                // stop the guest with more to send than it thinks, and its last pages wait behind the queue.
                link.shortQueue(QUEUE);
            }
            // The same for the stream's bytes the link's are worth (a reference stands for 4 KiB): the
            // receiver acknowledges what its QEMU has taken (LiveStream.Window), if it keeps the window.
            LiveStream.Window window = open.window() > 0 && ready.window() == open.window() ? new LiveStream.Window(open.window()) : null;
            MoveLink carrying = link;
            LivePipe.send(kind, local, opened.stream(), kind == LivePipe.Kind.LIBVIRT ? LivePipe.Coding.NONE : coding, window, (f, x) -> {
                carrying.close();
                ended(kind, f, x);
            });
            LOG.info("move " + transfer + ": " + open.kind() + " connection carried to the receiver");
        } catch (RuntimeException e) {
            local.close();
            if (link != null) {
                link.close();
            }
            ended(kind, null, e);
        }
    }

    /**
     * Opens the stream of the guest's memory by content to the receiver ({@code live-open} "memory"); it
     * answers at once (a receiver of the first version of memory by content only once its domain's memory
     * could be written), waited for up to {@code wait}. The link closes with the stream.
     */
    Duplex memory(Duration wait) {
        LiveOpen open = new LiveOpen(transfer, LivePipe.Kind.MEMORY.name().toLowerCase());
        Opened opened = streamOn(takeMemoryLink(), open, wait);
        try {
            MoveProtocol.answer(opened.answer(), LiveReady.class, open);
            opened.link().shortQueue(QUEUE);
            return opened.stream().onClose(opened.link()::close, false);
        } catch (RuntimeException e) {
            opened.link().close();
            throw e;
        }
    }

    /** A stream opened to the receiver: the link it is on, the receiver's answer, the stream. */
    private record Opened(MoveLink link, Message answer, Duplex stream) {
    }

    /**
     * Opens {@code open} on the link dialed ahead ({@code ahead}; null: none), or on a new one if there is
     * none or it broke meanwhile. A failure closes the link it was tried on.
     */
    private Opened streamOn(java.util.concurrent.CompletableFuture<MoveLink> ahead, LiveOpen open, Duration wait) {
        MoveLink link = take(ahead);
        if (link != null) {
            try {
                Map.Entry<Message, Duplex> e = link.openStream(open, wait);
                return new Opened(link, e.getKey(), e.getValue());
            } catch (RuntimeException e) {
                link.close();
                if (!(e instanceof ZosException z && z.code() == org.zos.protocol.ErrorCode.HOST_UNREACHABLE)) {
                    throw e;
                } // it broke meanwhile: dialed again
            }
        }
        link = dial.get();
        try {
            Map.Entry<Message, Duplex> e = link.openStream(open, wait);
            return new Opened(link, e.getKey(), e.getValue());
        } catch (RuntimeException e) {
            link.close();
            throw e;
        }
    }

    /** Dials a link on a thread of its own, for a stream that opens later. */
    static java.util.concurrent.CompletableFuture<MoveLink> dialAhead(Supplier<MoveLink> dial) {
        return java.util.concurrent.CompletableFuture.supplyAsync(dial, r -> {
            Thread t = new Thread(r, "zos-live-dial");
            t.setDaemon(true);
            t.start();
        });
    }

    /** Closes a link dialed ahead that no stream took (once its dial is over). */
    static void discard(java.util.concurrent.CompletableFuture<MoveLink> ahead) {
        if (ahead != null) {
            ahead.thenAccept(MoveLink::close);
        }
    }

    private synchronized java.util.concurrent.CompletableFuture<MoveLink> takeMemoryLink() {
        java.util.concurrent.CompletableFuture<MoveLink> f = memoryLink;
        memoryLink = null;
        return f;
    }

    /** A link dialed ahead, waiting for its dial if it is still under way; null if there is none or it failed. */
    private static MoveLink take(java.util.concurrent.CompletableFuture<MoveLink> f) {
        if (f == null) {
            return null;
        }
        try {
            return f.join();
        } catch (RuntimeException e) {
            return null;
        }
    }

    private synchronized void ended(LivePipe.Kind kind, LiveStream.Figures f, Exception x) {
        if (f != null) {
            figures.put(kind, f);
            LOG.info("move " + transfer + ": " + kind.name().toLowerCase() + " stream: " + LiveStream.describe(f));
        }
        if (x != null && failure == null) {
            failure = x;
            LOG.info("move " + transfer + ": " + kind.name().toLowerCase() + " connection ended: " + x);
        }
    }

    /** Bytes the coded streams sent so far to the receiver (after they ended). */
    synchronized long sentBytes() {
        return figures.values().stream().mapToLong(LiveStream.Figures::sentBytes).sum();
    }

    /** The first failure of a connection, or null. */
    synchronized Exception failure() {
        return failure;
    }

    @Override
    public void close() {
        for (LivePipe.Listener l : listeners) {
            l.close();
        }
        for (java.util.concurrent.CompletableFuture<MoveLink> f; (f = spare.poll()) != null; ) {
            discard(f);
        }
        discard(takeMemoryLink());
        try {
            sockets.remove();
        } catch (IOException e) {
            LOG.fine("removing " + sockets.dir() + ": " + e);
        }
    }
}
