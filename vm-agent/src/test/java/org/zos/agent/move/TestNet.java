package org.zos.agent.move;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.zos.agent.anima.AnimaManager;
import org.zos.agent.anima.AnimaPaths;
import org.zos.agent.anima.AnimaRecord;
import org.zos.agent.anima.AnimaRegistry;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.protocol.message.AccessGrant;
import org.zos.protocol.message.AccessQuery;
import org.zos.protocol.message.EnvelopeCodec;
import org.zos.protocol.message.Hello;
import org.zos.protocol.message.Message;
import org.zos.protocol.message.Progress;
import org.zos.protocol.net.Responder;
import org.zos.protocol.tls.KnownHosts;

/**
 * Agents of several hosts in one JVM, joined by in-memory links: each with its own state directory, store,
 * registry and {@link FakeHypervisor}, and the real {@link Moves}. Messages cross a link as their JSON wire
 * form (and are checked against their bounds, as a real peer does); each link answers on a thread of its
 * own, in order, as one connection does. An agent can crash at a fault point (its moves stop at once, its
 * locks go, as with a killed process) and starts again by itself a moment later, taking up its journal.
 */
final class TestNet implements AutoCloseable {
    /** Short deadlines: a whole move with a crash settles in about a second. */
    static final MoveTimes TIMES = new MoveTimes(Duration.ofSeconds(2), Duration.ofSeconds(10), Duration.ofSeconds(3),
            Duration.ofSeconds(2), Duration.ofMillis(50), Duration.ofSeconds(1), Duration.ofMillis(100), Duration.ofSeconds(10),
            Duration.ofSeconds(10), Duration.ofMillis(300), Duration.ofMillis(100), Duration.ofSeconds(3));

    private final Path root;
    final Map<String, Agent> agents = new ConcurrentHashMap<>();

    TestNet(Path root) {
        this.root = root;
    }

    Agent agent(String name) throws IOException {
        Files.createDirectories(root.resolve(name));
        Agent a = new Agent(name, root.resolve(name));
        for (Agent other : agents.values()) { // a live migration goes to the other host (the tests have two)
            other.hypervisor.migrationTarget = () -> a.hypervisor;
            a.hypervisor.migrationTarget = () -> other.hypervisor;
        }
        agents.put(name, a);
        a.start();
        return a;
    }

    @Override
    public void close() {
        for (Agent a : agents.values()) {
            a.stop();
        }
    }

    /** Thrown at a fault point where the agent crashes: unwinds its thread as a killed process would stop it. */
    static final class Crash extends Error {
        Crash(String point) {
            super("crashed at " + point, null, false, false);
        }
    }

    /** One host's agent. */
    final class Agent {
        final String name;
        final Path stateDir;
        final FakeHypervisor hypervisor = new FakeHypervisor();
        final AnimaRegistry registry;
        private final Map<String, Runnable> faults = new ConcurrentHashMap<>();
        volatile AnimaManager manager;
        volatile Moves moves;
        volatile boolean up;
        volatile int starts;
        volatile boolean denies;
        /** The guests this host has built (null: none), from the next start on. */
        volatile org.zos.guest.GuestImageBuilder guests;
        /** What this agent answered to requests, in order. */
        final java.util.List<Message> answered = new java.util.concurrent.CopyOnWriteArrayList<>();
        /** The requests this agent was asked, in order. */
        final java.util.List<Message> asked = new java.util.concurrent.CopyOnWriteArrayList<>();

        Agent(String name, Path stateDir) {
            this.name = name;
            this.stateDir = stateDir;
            this.registry = new AnimaRegistry(stateDir);
        }

        synchronized void start() {
            manager = new AnimaManager(hypervisor, registry, guests);
            AnimaManager m = manager;
            moves = new Moves(new MoveContext(name, stateDir, dialer(name), () -> hypervisor, () -> m, registry, this::at, TIMES));
            moves.start();
            starts++;
            up = true;
        }

        /** The agent stops as if killed: nothing more of its moves runs, its locks are released. */
        synchronized void crash() {
            up = false;
            moves.close();
            manager.releaseAll();
            // A dead process's threads are gone: an import blocked on its next chunk holds the store's lock.
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                if (t.getName().startsWith("zos-import-")) {
                    t.interrupt();
                }
            }
        }

        void stop() {
            if (up) {
                crash();
            }
        }

        /** At {@code point}, this agent crashes and starts again 200 ms later (once). */
        void crashAt(String point) {
            faults.put(point, () -> {
                faults.remove(point);
                crashHere(point);
            });
        }

        /** This agent crashes now, on the calling thread, and starts again 200 ms later. */
        void crashHere(String point) {
            crash();
            Thread t = new Thread(() -> {
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
                start();
            }, "restart-" + name);
            t.setDaemon(true);
            t.start();
            throw new Crash(point);
        }

        /** At {@code point}, this agent runs {@code action} (once). */
        void at(String point, Runnable action) {
            faults.put(point, () -> {
                faults.remove(point);
                action.run();
            });
        }

        private boolean at(String point) {
            Runnable r = faults.get(point);
            if (r != null) {
                r.run();
            }
            return false;
        }

        /** Makes an anima at home here, running, with {@code memory} as its memory and a disk of some data. */
        AnimaRecord anima(String anima, byte[] memory, long seed) throws IOException {
            AnimaPaths p = registry.paths(anima);
            Files.createDirectories(p.kernel().getParent());
            Files.createDirectories(p.disk().getParent());
            Random r = new Random(seed);
            Files.write(p.kernel(), bytes(r, 64 << 10));
            Files.write(p.initrd(), bytes(r, 32 << 10));
            byte[] disk = new byte[8 << 20];
            for (int off = 0; off < disk.length; off += 1 << 20) {
                byte[] data = bytes(r, 256 << 10);
                System.arraycopy(data, 0, disk, off, data.length);
            }
            Files.write(p.disk(), disk);
            AnimaRecord rec = new AnimaRecord(AnimaRecord.FORMAT, anima, UUID.nameUUIDFromBytes(anima.getBytes()), 64, 1, 8,
                    "test", "test", "tcg", Instant.now(), false, null, 0, null, null, null);
            registry.save(rec);
            hypervisor.running(anima, "<domain type='qemu'><name>" + anima + "</name><memory unit='MiB'>64</memory><os>"
                    + "<kernel>" + p.kernel() + "</kernel><initrd>" + p.initrd() + "</initrd></os><devices>"
                    + "<disk type='file' device='disk'><source file='" + p.disk() + "'/><target dev='vda'/></disk>"
                    + "</devices></domain>", memory);
            return rec;
        }
    }

    static byte[] bytes(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    /** A link from {@code from} to agent {@code to}, as {@code from}'s agent would dial it for alice. */
    MoveLink dial(String from, String to) {
        return dialer(from).dial(to, "alice", java.time.Duration.ofSeconds(1));
    }

    private MoveLink.Dialer dialer(String from) {
        return (host, user, timeout) -> {
            Agent to = agents.get(host);
            if (to == null) {
                throw new ZosException(ErrorCode.UNKNOWN_PEER, host + " is not enrolled on " + from, "");
            }
            if (!to.up) {
                throw new ZosException(ErrorCode.HOST_UNREACHABLE, "cannot reach " + host + ": connection refused", "");
            }
            return new Link(from, to, user, root);
        };
    }

    /** One connection from {@code from} to agent {@code to}. */
    static final class Link implements MoveLink {
        private final Agent to;
        private final Responder.Caller caller;
        private final ExecutorService worker;
        private final int incarnation;
        private volatile boolean broken;
        private final Path root;

        Link(String from, Agent to, String user, Path root) {
            this.to = to;
            this.root = root;
            this.caller = new Responder.Caller(new KnownHosts.Entry(from, from, null), new Hello(from, user, "test"), false);
            this.worker = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "link-" + from + "-" + to.name);
                t.setDaemon(true);
                return t;
            });
            this.incarnation = to.starts;
        }

        private boolean alive() {
            return !broken && to.up && to.starts == incarnation;
        }

        private ZosException lost() {
            broken = true;
            return new ZosException(ErrorCode.HOST_UNREACHABLE, to.name + " closed the connection", "");
        }

        @Override
        public Message request(Message m, Duration idle, Consumer<Progress> progress) {
            return request(m, idle, progress, worker, () -> { });
        }

        /**
         * A request the sender sends beside the data frames that follow it (live-prepare before a disk's
         * chunks): answered on a thread of its own, as an agent answers every request, so that the data
         * frames it waits for are taken meanwhile; {@code written} runs once it is on its way.
         */
        @Override
        public Message request(Message m, Duration idle, Consumer<Progress> progress, Runnable written) {
            ExecutorService aside = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "link-request");
                t.setDaemon(true);
                return t;
            });
            try {
                return request(m, idle, progress, aside, written);
            } finally {
                aside.shutdown();
            }
        }

        private Message request(Message m, Duration idle, Consumer<Progress> progress, ExecutorService on, Runnable written) {
            if (!alive()) {
                throw lost();
            }
            Message sent = wire(m);
            Future<Message> answer = on.submit(() -> {
                if (!alive()) { // a data frame before it broke the connection
                    throw lost();
                }
                if (sent instanceof AccessQuery q) {
                    if (to.denies) {
                        throw new ZosException(ErrorCode.DENIED, caller.host().name() + " may not dominate " + to.name, "");
                    }
                    return new AccessGrant(q.control());
                }
                to.asked.add(sent);
                Message a = to.moves.answer(caller, sent, progress);
                to.answered.add(a);
                return a;
            });
            written.run();
            try {
                return wire(answer.get(idle.toMillis(), TimeUnit.MILLISECONDS));
            } catch (TimeoutException e) {
                answer.cancel(true);
                throw lost();
            } catch (InterruptedException e) {
                throw Interrupts.cancelled(e);
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                if (c instanceof Crash || !alive()) {
                    throw lost();
                }
                if (c instanceof ZosException z) {
                    throw new ZosException(z.code(), z.getMessage(), z.hint());
                }
                throw new ZosException(ErrorCode.INTERNAL, String.valueOf(c), "");
            }
        }

        /**
         * A stream as a connection of its own carries it: here a pair of connected UNIX sockets, one end to
         * the receiving agent's {@code openLive}, the other returned.
         */
        @Override
        public java.util.Map.Entry<Message, org.zos.protocol.stream.Duplex> openStream(Message m, Duration timeout) {
            if (!alive()) {
                throw lost();
            }
            Message sent = wire(m);
            Path at = root.resolve("stream-" + System.nanoTime() + ".sock");
            try (java.nio.channels.ServerSocketChannel server = java.nio.channels.ServerSocketChannel.open(
                    java.net.StandardProtocolFamily.UNIX)) {
                server.bind(java.net.UnixDomainSocketAddress.of(at));
                java.nio.channels.SocketChannel mine = java.nio.channels.SocketChannel.open(java.net.UnixDomainSocketAddress.of(at));
                java.nio.channels.SocketChannel theirs = server.accept();
                Files.deleteIfExists(at);
                Responder.Opened opened;
                try {
                    opened = to.moves.openLive(caller, (org.zos.protocol.message.LiveOpen) sent, LivePipe.of(theirs));
                } catch (ZosException e) {
                    mine.close();
                    theirs.close();
                    throw e;
                }
                Message answer = wire(opened.answer());
                opened.start().run();
                return java.util.Map.entry(answer, LivePipe.of(mine));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (ZosException e) {
                throw e;
            } catch (Exception e) {
                throw new ZosException(ErrorCode.INTERNAL, String.valueOf(e), "");
            }
        }

        @Override
        public void sendData(ByteBuf payload, Duration timeout) {
            if (!alive()) {
                payload.release();
                throw lost();
            }
            worker.execute(() -> {
                try {
                    if (alive()) {
                        to.moves.receiver().accept(caller, payload);
                    }
                } catch (Throwable t) { // a data frame the receiver refuses ends the connection, as on a real host
                    broken = true;
                } finally {
                    payload.release();
                }
            });
        }

        @Override
        public void close() {
            broken = true;
            worker.shutdown();
        }

        /** A message as the peer reads it: through its JSON form, checked against its bounds. */
        private static Message wire(Message m) {
            try {
                Message copy = EnvelopeCodec.JSON.readValue(EnvelopeCodec.JSON.writeValueAsBytes(m), Message.class);
                copy.check();
                return copy;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
