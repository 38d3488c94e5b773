package org.zos.agent.move;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.logging.Logger;
import org.zos.protocol.stream.Duplex;

/**
 * The agents' part of a live migration (issue 17): libvirt and QEMU on the sender talk to UNIX sockets
 * the sender's agent listens on, as if they were the receiver's; each connection goes to the receiver's
 * agent as a stream of its own, and from there to the UNIX socket of the receiver's libvirtd, QEMU
 * incoming side or NBD server. The direction that carries data ({@link Kind#MIGRATION} from the sending
 * QEMU, {@link Kind#DISKS} from the sending QEMU's NBD client) is coded with {@link LiveStream}; the other
 * direction, and the libvirt connection both ways, go as they are (the receiver lets only a migration's
 * libvirt calls through: {@link LibvirtGuard}).
 */
final class LivePipe {
    private static final Logger LOG = Logger.getLogger(LivePipe.class.getName());

    private LivePipe() {
    }

    /** What a connection carries. */
    enum Kind {
        /** libvirtd's connection between the two hosts: verbatim both ways. */
        LIBVIRT,
        /** QEMU's migration stream: RAM pages the receiver holds become references. */
        MIGRATION,
        /** QEMU's NBD client writing the disk: blocks the receiver holds at their offset become references. */
        DISKS,
        /** The guest's memory by content, from the sender's agent itself ('W' records): no hypervisor's connection. */
        MEMORY
    }

    /**
     * The sender's coding of its data direction, the cap on the rate it is sent at (shared by a move's
     * streams), where the migration stream notes what each page of guest memory went as (null: nowhere),
     * and the digests of the pages the receiver's memory starts with (null: zero everywhere).
     */
    record Coding(LiveStream.Pages pages, int level, RateLimit rate, PageLedger ledger, long[] initial, QemuFollower.Last last,
            WholeBlocks.Sent mirror, WholeBlocks.Sent copied) {
        static final Coding NONE = new Coding(p -> -1, 0, new RateLimit(0), null);

        /** To a receiver whose memory starts zero. */
        Coding(LiveStream.Pages pages, int level, RateLimit rate, PageLedger ledger) {
            this(pages, level, rate, ledger, null, null, null, null);
        }

        /**
         * QEMU's stream carries the memory; the disk's mirror sends whole blocks as 'B' records numbered in
         * {@code mirror}, the memory by content numbers the pages it sends whole in {@code copied} (null: neither).
         */
        Coding(LiveStream.Pages pages, int level, RateLimit rate, PageLedger ledger, long[] initial, WholeBlocks.Sent mirror,
                WholeBlocks.Sent copied) {
            this(pages, level, rate, ledger, initial, null, mirror, copied);
        }

        /** The same, with memory by content: {@code last} sends its last pages. */
        Coding byContent(QemuFollower.Last last) {
            return new Coding(pages, level, rate, ledger, initial, last, mirror, copied);
        }
    }

    /**
     * The sender's end of one connection: {@code local}'s bytes (libvirt's or QEMU's) go coded to
     * {@code remote} (the stream to the receiver's agent), {@code remote}'s come back as they are. Both
     * ends are closed when either way ends; {@code done} then gets the figures of the coded way (null for
     * LIBVIRT or if it failed) and the failure (null at a plain end). With a {@code window} (MIGRATION
     * only; null: none), QEMU's stream is read only as the receiver's acknowledgements let it, and what
     * comes back is {@link Reverse}'s records.
     */
    static void send(Kind kind, Duplex local, Duplex remote, Coding coding, LiveStream.Window window, Done done) {
        Way down = window == null ? plain(remote, local) : () -> Reverse.read(remote.input(), outputOf(local), window);
        both(kind, local, remote, (in, sofar) -> {
            OutputStream out = capped(outputOf(remote), coding.rate());
            LiveStream.Figures f = switch (kind) {
                case MIGRATION -> LiveStream.encode(in, out, coding.pages(), coding.level(), coding.ledger(), window, coding.initial(),
                        coding.last(), sofar);
                case DISKS -> LiveStream.encodeNbd(in, out, coding.pages(), coding.level(), coding.mirror(), sofar);
                case LIBVIRT -> {
                    in.transferTo(out);
                    yield null;
                }
                case MEMORY -> throw new IllegalArgumentException("the memory stream is the agent's own, not a hypervisor's");
            };
            out.flush();
            return f;
        }, down, window != null ? window::close : () -> { }, done);
    }

    /**
     * The receiver's end of one connection: {@code remote}'s records (the stream from the sender's agent)
     * are put back together for {@code local} (the receiver's libvirtd, QEMU or NBD server), with the
     * pages the sender referred to read from {@code base} (or {@code kept}, the memory kept here, if not
     * null); libvirt's calls pass through {@code guard} (LIBVIRT only); {@code local}'s bytes go back as
     * they are, or, {@code windowed} (MIGRATION only), as {@link Reverse}'s records with the acknowledgements.
     */
    static void receive(Kind kind, Duplex remote, Duplex local, LiveStream.Disk base, LiveStream.Disk kept, LibvirtGuard guard,
            boolean windowed, Done done) {
        receive(kind, remote, local, base, kept, guard, windowed, null, done);
    }

    /** As above; {@code memory} (MIGRATION only; null: none) takes the last pages of a move by content. */
    static void receive(Kind kind, Duplex remote, Duplex local, LiveStream.Disk base, LiveStream.Disk kept, LibvirtGuard guard,
            boolean windowed, LiveStream.Memory memory, Done done) {
        Reverse reverse = windowed ? new Reverse(remote) : null;
        Way down = reverse != null ? () -> local.input().transferTo(reverse)
                : kind == Kind.LIBVIRT ? () -> guard.answers(local.input(), outputOf(remote)) : plain(local, remote);
        both(kind, remote, local, (in, sofar) -> {
            OutputStream out = outputOf(local);
            if (kind == Kind.LIBVIRT) {
                guard.copy(in, out);
            } else {
                LiveStream.decode(in, out, base, kept, reverse != null ? reverse::ack : null, memory);
            }
            out.flush();
            return null;
        }, down, () -> { }, done);
    }

    /** {@code from}'s bytes as they are to {@code to}. */
    private static Way plain(Duplex from, Duplex to) {
        return () -> from.input().transferTo(outputOf(to));
    }

    /**
     * The receiver-to-sender direction of a stream with a window (big-endian): {@code 'R' u32 n, n bytes}
     * of the receiver's QEMU (it writes to its migration socket only with a return path, which zos does not
     * ask for; they would go if it did), {@code 'A' u64 position}: the mark at {@code position} is acknowledged. Writes of both kinds come from two threads,
     * one record at a time.
     */
    static final class Reverse extends OutputStream {
        private final Duplex to;

        Reverse(Duplex to) {
            this.to = to;
        }

        synchronized void ack(long position) throws IOException {
            byte[] b = new byte[9];
            b[0] = 'A';
            java.nio.ByteBuffer.wrap(b, 1, 8).putLong(position);
            to.write(b, 0, b.length);
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) throws IOException {
            while (len > 0) {
                int n = Math.min(len, LiveStream.BATCH);
                byte[] head = new byte[5];
                head[0] = 'R';
                java.nio.ByteBuffer.wrap(head, 1, 4).putInt(n);
                to.write(head, 0, head.length);
                to.write(b, off, n);
                off += n;
                len -= n;
            }
        }

        /** Reads {@code in}'s records to their end: the receiver's QEMU's bytes to {@code qemu}, the acknowledgements to {@code window}. */
        static void read(InputStream in, OutputStream qemu, LiveStream.Window window) throws IOException {
            java.io.DataInputStream r = new java.io.DataInputStream(in);
            while (true) {
                int type = r.read();
                switch (type) {
                    case 'R' -> {
                        int n = r.readInt();
                        if (n < 0 || n > LiveStream.BATCH) {
                            throw malformed("a record of " + Integer.toUnsignedString(n) + " bytes");
                        }
                        byte[] b = new byte[n];
                        r.readFully(b);
                        qemu.write(b);
                    }
                    case 'A' -> window.acked(r.readLong());
                    case -1 -> {
                        return;
                    }
                    default -> throw malformed("unknown record type " + type);
                }
            }
        }

        private static org.zos.protocol.ZosException malformed(String what) {
            return new org.zos.protocol.ZosException(org.zos.protocol.ErrorCode.PROTOCOL_ERROR,
                    "the live migration stream's acknowledgements are malformed: " + what, "");
        }
    }

    /** {@code out}, each write waiting for its turn under {@code rate}. */
    static OutputStream capped(OutputStream out, RateLimit rate) {
        return new java.io.FilterOutputStream(out) {
            @Override
            public void write(int b) throws IOException {
                rate.acquire(1);
                out.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                rate.acquire(len);
                out.write(b, off, len);
            }
        };
    }

    /** How a pipe ended. */
    @FunctionalInterface
    interface Done {
        void ended(LiveStream.Figures figures, Exception failure);
    }

    @FunctionalInterface
    private interface Coded {
        /** Copies {@code in} on; {@code sofar} gets the coded way's figures, also if it fails (a QEMU that closes at its end). */
        LiveStream.Figures copy(InputStream in, Consumer<LiveStream.Figures> sofar) throws IOException;
    }

    @FunctionalInterface
    private interface Way {
        void run() throws IOException;
    }

    /**
     * {@code from}'s input through {@code way} to {@code to}; {@code to}'s input by {@code back} to {@code from}.
     * The first way to end closes both ends and runs {@code closing} (its failure is the pipe's: the other way's, after the close,
     * is only its echo); {@code done} runs once both ways have ended, with the coded way's figures.
     */
    private static void both(Kind kind, Duplex from, Duplex to, Coded way, Way back, Runnable closing, Done done) {
        Object lock = new Object();
        int[] running = {2};
        Exception[] first = new Exception[1];
        LiveStream.Figures[] figures = new LiveStream.Figures[1];
        Consumer<Exception> end = failure -> {
            boolean last;
            boolean firstToEnd;
            synchronized (lock) {
                firstToEnd = running[0] == 2;
                if (firstToEnd) {
                    first[0] = failure;
                }
                last = --running[0] == 0;
            }
            if (firstToEnd) {
                from.close();
                to.close();
                closing.run();
            }
            if (last) {
                done.ended(figures[0], first[0]);
            }
        };
        start("zos-live-" + kind.name().toLowerCase() + "-up", () -> {
            way.copy(from.input(), f -> figures[0] = f);
        }, end);
        start("zos-live-" + kind.name().toLowerCase() + "-down", back, end);
    }

    private static void start(String name, Way copy, Consumer<Exception> end) {
        Thread t = new Thread(() -> {
            Exception failure = null;
            try {
                copy.run();
            } catch (IOException | RuntimeException e) {
                failure = e;
            } finally {
                end.accept(failure);
            }
        }, name);
        t.setDaemon(true);
        t.start();
    }

    static OutputStream outputOf(Duplex d) {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                d.write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                d.write(b, off, len);
            }
        };
    }

    /**
     * A connected UNIX socket as a duplex. Not through {@code java.nio.channels.Channels}' streams: those take the channel's
     * blocking lock, so a read waiting for the other side would hold up every write (and both sides wait
     * for each other). The channel's own read and write may run at once.
     */
    static Duplex of(SocketChannel channel) {
        InputStream in = new InputStream() {
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
                int n = channel.read(java.nio.ByteBuffer.wrap(b, off, len));
                return n == 0 ? read(b, off, len) : n;
            }
        };
        return new Duplex() {
            @Override
            public InputStream input() {
                return in;
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(b, off, len);
                while (buf.hasRemaining()) {
                    channel.write(buf);
                }
            }

            @Override
            public void close() {
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        };
    }

    /** Connects to the UNIX socket at {@code path} (the receiver's libvirtd, QEMU incoming side or NBD server). */
    static Duplex connect(Path path) throws IOException {
        return of(SocketChannel.open(UnixDomainSocketAddress.of(path)));
    }

    /**
     * A UNIX socket the sender's libvirt or QEMU connects to as if it were the receiver's: each connection
     * is handed to {@code accepted} on a thread of its own, until {@link #close}.
     */
    static final class Listener implements AutoCloseable {
        private final Path path;
        private final ServerSocketChannel server;
        /** A gated listener's two connections of its own that fill its queue until {@link #open}; empty otherwise. */
        private final List<SocketChannel> plugs = new ArrayList<>();
        private final java.util.concurrent.CountDownLatch gate;

        Listener(Path path, Consumer<Duplex> accepted) throws IOException {
            this(path, accepted, false);
        }

        /**
         * Listens at {@code path}; each connection goes to {@code accepted}. A {@code gated} listener takes
         * none until {@link #open}: its queue holds one connection (the least listen(2) takes) and two of
         * its own are in it, so a client's blocking connect(2) waits in the kernel until the gate opens, or
         * fails once the listener closes. QEMU connects its outgoing migration so, on a thread of its own,
         * with the guest running: the live migration's stop waits for the gate (docs/protocol.md, "Memory
         * by content").
         */
        Listener(Path path, Consumer<Duplex> accepted, boolean gated) throws IOException {
            this.path = path;
            Files.createDirectories(path.getParent());
            Files.deleteIfExists(path);
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(path), gated ? 1 : 0);
            gate = new java.util.concurrent.CountDownLatch(gated ? 1 : 0);
            if (gated) {
                try {
                    for (int i = 0; i < 2; i++) {
                        plugs.add(SocketChannel.open(UnixDomainSocketAddress.of(path)));
                    }
                } catch (IOException e) {
                    close();
                    throw e;
                }
            }
            Thread t = new Thread(() -> {
                try {
                    gate.await();
                    for (int i = 0; i < plugs.size() && server.isOpen(); i++) {
                        server.accept().close(); // the plugs, first in the queue
                    }
                } catch (IOException | InterruptedException e) {
                    return;
                }
                while (server.isOpen()) {
                    try {
                        SocketChannel c = server.accept();
                        accepted.accept(of(c));
                    } catch (IOException e) {
                        if (server.isOpen()) {
                            LOG.warning("live migration socket " + path + ": " + e);
                        }
                        return;
                    }
                }
            }, "zos-live-listen");
            t.setDaemon(true);
            t.start();
        }

        Path path() {
            return path;
        }

        /** Lets a gated listener take its connections (nothing for another). */
        void open() {
            gate.countDown();
        }

        @Override
        public void close() {
            try {
                server.close(); // a connect(2) that waits on a gate fails now
                gate.countDown();
                for (SocketChannel p : plugs) {
                    p.close();
                }
                Files.deleteIfExists(path);
            } catch (IOException e) {
                LOG.fine("closing " + path + ": " + e);
            }
        }
    }
}
