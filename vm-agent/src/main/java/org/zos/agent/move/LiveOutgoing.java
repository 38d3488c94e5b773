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
     * The links dialed ahead ({@link Links}): libvirt's, the spares for the two connections the hypervisor
     * makes last (the disks' and the migration's, once the memory is copied) and the memory stream's.
     */
    private final Links ahead;

    /** Listens for move {@code transfer}'s connections; each is carried over a link {@code dial} makes. */
    LiveOutgoing(long transfer, Supplier<MoveLink> dial, Duration timeout, LivePipe.Coding coding) throws IOException {
        this(transfer, dial, timeout, coding, Links.none(), false);
    }

    /**
     * As above, on the links dialed {@code ahead} (those it lacks are dialed as their connections come); if
     * {@code gated} (memory by content), QEMU's migration connection waits in its connect(2) until
     * {@link #letMigrationGo}, and fails once {@link #refuseMigration} (a {@link LivePipe.Listener} gate).
     * The links are its own from here on: it closes those no connection took.
     */
    LiveOutgoing(long transfer, Supplier<MoveLink> dial, Duration timeout, LivePipe.Coding coding, Links ahead, boolean gated)
            throws IOException {
        this.transfer = transfer;
        this.ahead = ahead;
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
            Opened opened = streamOn(kind == LivePipe.Kind.LIBVIRT ? ahead.takeLibvirt() : ahead.takeSpare(), open, timeout);
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
        Opened opened = streamOn(ahead.takeMemory(), open, wait);
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

    /**
     * The links of a live migration, dialed as the receiver prepares its domain: each TLS handshake takes
     * 0.1 to 0.2 s on a busy host, and none of them is then on the way. libvirt's is the first its migration
     * opens (the receiver's QEMU starts over it: a second domination waits for that QEMU); the two spares
     * are for the disks' and the migration's connections; the memory stream's, if the memory goes by content.
     */
    static final class Links {
        static final int SPARES = 2;
        private java.util.concurrent.CompletableFuture<MoveLink> libvirt;
        private java.util.concurrent.CompletableFuture<MoveLink> memory;
        private final java.util.concurrent.ConcurrentLinkedQueue<java.util.concurrent.CompletableFuture<MoveLink>> spare =
                new java.util.concurrent.ConcurrentLinkedQueue<>();

        private Links() {
        }

        /** None: each connection dials its own. */
        static Links none() {
            return new Links();
        }

        /** Dials libvirt's link, the spares and, if {@code byContent}, the memory stream's, each on a thread of its own. */
        static Links dial(Supplier<MoveLink> dial, boolean byContent) {
            Links l = new Links();
            l.libvirt = dialAhead(dial);
            for (int i = 0; i < SPARES; i++) {
                l.spare.add(dialAhead(dial));
            }
            l.memory = byContent ? dialAhead(dial) : null;
            return l;
        }

        /** The memory stream's link is not needed (the receiver takes the memory in QEMU's stream): closed. */
        void noMemory() {
            LiveOutgoing.discard(takeMemory());
        }

        /** libvirt's link, which no one else takes then; null if it was taken or not dialed. */
        synchronized java.util.concurrent.CompletableFuture<MoveLink> takeLibvirt() {
            java.util.concurrent.CompletableFuture<MoveLink> f = libvirt;
            libvirt = null;
            return f;
        }

        /** A spare link; null if none is left. */
        java.util.concurrent.CompletableFuture<MoveLink> takeSpare() {
            return spare.poll();
        }

        /** The memory stream's link, which no one else takes then; null if it was taken or not dialed. */
        synchronized java.util.concurrent.CompletableFuture<MoveLink> takeMemory() {
            java.util.concurrent.CompletableFuture<MoveLink> f = memory;
            memory = null;
            return f;
        }

        /** Closes every link no connection took (once its dial is over). */
        void discard() {
            LiveOutgoing.discard(takeLibvirt());
            LiveOutgoing.discard(takeMemory());
            for (java.util.concurrent.CompletableFuture<MoveLink> f; (f = spare.poll()) != null; ) {
                LiveOutgoing.discard(f);
            }
        }
    }

    /** Closes a link dialed ahead that no stream took (once its dial is over). */
    static void discard(java.util.concurrent.CompletableFuture<MoveLink> ahead) {
        if (ahead != null) {
            ahead.thenAccept(MoveLink::close);
        }
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
        ahead.discard();
        try {
            sockets.remove();
        } catch (IOException e) {
            LOG.fine("removing " + sockets.dir() + ": " + e);
        }
    }
}
