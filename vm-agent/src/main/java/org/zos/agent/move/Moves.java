package org.zos.agent.move;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.logging.Logger;
import org.zos.agent.anima.AnimaManager;
import org.zos.agent.anima.AnimaRecord;
import org.zos.agent.anima.AnimaRegistry;
import org.zos.agent.hypervisor.LibvirtHypervisor;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.protocol.message.AccessQuery;
import org.zos.protocol.message.MoveAbort;
import org.zos.protocol.message.MoveCancel;
import org.zos.protocol.message.MoveGo;
import org.zos.protocol.message.MoveQuery;
import org.zos.protocol.message.MoveDone;
import org.zos.protocol.message.Progress;
import org.zos.protocol.message.ReturnRequest;
import org.zos.protocol.message.StatusReport;
import org.zos.protocol.net.Peer;
import org.zos.protocol.net.Responder;
import org.zos.protocol.tls.HostIdentity;
import org.zos.protocol.tls.KnownHosts;
import org.zos.store.AnimaStore;
import org.zos.store.Durable;
import org.zos.store.Store;
import org.zos.store.crypto.MasterKey;

/**
 * Dominate and return, as this host's agent carries them out: which side sends, with which keys, and
 * what each host keeps afterwards. The anima's home keeps its store (and so every chunk it ever sent) and
 * a key-encryption key per visit in {@code keys/visits/}; the visited host keeps the anima's key only
 * wrapped under that visit key, which it holds in memory, and erases everything of the anima when it
 * goes home.
 */
public final class Moves implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Moves.class.getName());
    static final Duration DIAL = Duration.ofSeconds(15);

    private final HostIdentity me;
    private final KnownHosts known;
    private final Path stateDir;
    private final Supplier<LibvirtHypervisor> hypervisor;
    private final Supplier<AnimaManager> manager;
    private final AnimaRegistry registry;
    private final String software;
    private final Map<String, byte[]> visitKeks = new ConcurrentHashMap<>();
    private final Map<String, StatusReport.Move> moving = new ConcurrentHashMap<>();
    private final Map<String, java.util.concurrent.atomic.AtomicBoolean> cancels = new ConcurrentHashMap<>();
    private final MoveReceiver receiver = new MoveReceiver(this);
    private final Faults faults;
    private final java.util.concurrent.ScheduledExecutorService background = java.util.concurrent.Executors
            .newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "zos-moves");
                t.setDaemon(true);
                return t;
            });
    private Store store;

    public Moves(HostIdentity me, KnownHosts known, Path stateDir, Supplier<LibvirtHypervisor> hypervisor,
            Supplier<AnimaManager> manager, AnimaRegistry registry, String software) {
        this.me = me;
        this.known = known;
        this.stateDir = stateDir;
        this.hypervisor = hypervisor;
        this.manager = manager;
        this.registry = registry;
        this.software = software;
        this.faults = new Faults(stateDir);
    }

    /** What a move of the anima this host sends is doing now ("to host2: sending disk 40%"), or null. */
    public String moving(String anima) {
        StatusReport.Move m = moving.get(anima);
        return m == null ? null : m.describe();
    }

    /** The move of the anima this host sends, as fields, or null. */
    public StatusReport.Move move(String anima) {
        return moving.get(anima);
    }

    /** Progress of a move sent from here, also kept for {@link #move}. */
    private Consumer<Progress> tracked(String anima, String action, String target, Consumer<Progress> progress) {
        moving.put(anima, new StatusReport.Move(action, target, "starting", 0, 0, 0));
        return p -> {
            moving.put(anima, new StatusReport.Move(action, target, p.phase(), p.done(), p.total(), p.elapsedMillis()));
            progress.accept(p);
        };
    }

    private java.util.function.BooleanSupplier cancellable(String anima) {
        java.util.concurrent.atomic.AtomicBoolean flag = new java.util.concurrent.atomic.AtomicBoolean();
        cancels.put(anima, flag);
        return flag::get;
    }

    /**
     * Cancels the move of {@code name} under way: one this host sends, or (at its home) the return the
     * visited host sends. The move then ends with CANCELLED and the anima runs where it ran before; a
     * move already committed (the receiver restoring it) completes.
     */
    public String cancel(String name, String user) {
        java.util.concurrent.atomic.AtomicBoolean flag = cancels.get(name);
        java.util.Optional<MoveJournal> j = MoveJournal.read(stateDir, name);
        if (j.isPresent() && j.get().phase().equals(MoveJournal.COMMITTED)) {
            throw new ZosException(ErrorCode.INVALID_STATE, "the move of anima '" + name + "' to " + j.get().peer()
                    + " is decided already: it runs there in a moment", "bring it back afterwards with 'zos-vm return " + name + "'");
        }
        if (flag != null) {
            flag.set(true);
            LOG.info("cancelling the move of " + name);
            return "cancelling";
        }
        AnimaRecord r = registry.get(name);
        if (r.away() != null) {
            try (Peer peer = dial(r.away(), user)) {
                return ((MoveDone) peer.request(new MoveCancel(name), DIAL)).state();
            }
        }
        throw new ZosException(ErrorCode.INVALID_STATE, "no move of anima '" + name + "' is under way here", "");
    }

    /** The home cancels the return this host sends. */
    public MoveDone onCancel(Responder.Caller caller, MoveCancel c) {
        AnimaRecord r = registry.get(c.anima());
        if (!caller.host().name().equals(r.home())) {
            throw new ZosException(ErrorCode.DENIED, caller.host().name() + " is not the home of anima '" + c.anima() + "'", "");
        }
        return new MoveDone(0, cancel(c.anima(), caller.user()), "");
    }

    public MoveReceiver receiver() {
        return receiver;
    }

    AnimaManager manager() {
        return manager.get();
    }

    /** Trims the running anima's file systems before its disk is read (see {@link AnimaManager#trim}). */
    boolean trim(String name) {
        return manager().trim(name);
    }

    LibvirtHypervisor hypervisor() {
        return hypervisor.get();
    }

    Path stateDir() {
        return stateDir;
    }

    synchronized Store store() throws IOException {
        if (store == null) {
            store = Store.open(stateDir.resolve("store"));
        }
        return store;
    }

    byte[] hostKek() throws IOException {
        return Store.hostKek(stateDir.resolve("keys").resolve("store.kek"));
    }

    void rememberVisitKek(String anima, byte[] kek) {
        visitKeks.put(anima, kek.clone());
    }

    void forgetVisitKek(String anima) {
        byte[] k = visitKeks.remove(anima);
        if (k != null) {
            java.util.Arrays.fill(k, (byte) 0);
        }
    }

    /** A rate such as "100mbit" or "12M" (bytes per second) as bytes per second; 0 for none. */
    public static long rate(String rate) {
        return RateLimit.parse(rate);
    }

    /**
     * Sends anima {@code name}, which is home here, to run on {@code host}, sending at most
     * {@code bytesPerSecond} (0: no cap). Returns what the move cost.
     */
    public String dominate(String name, String host, String user, long bytesPerSecond, Consumer<Progress> progress)
            throws IOException {
        if (host.equals(me.host())) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "anima '" + name + "' is on " + host + " already", "name another host");
        }
        long t0 = System.nanoTime();
        requireNoMove(name);
        try (AnimaManager.Held held = manager().hold(name)) {
            AnimaRecord r = held.record();
            if (r.home() != null) {
                throw new ZosException(ErrorCode.INVALID_STATE, "anima '" + name + "' only visits this host (its home is "
                        + r.home() + ")", "return it home first with 'zos-vm return " + name + "'");
            }
            // The move goes on over this connection (closed by the move, or here if it never starts).
            try (Peer peer = dial(host, user)) {
                peer.request(new AccessQuery("full"), DIAL); // DENIED, with the line to add, before anything moves
                LOG.info("dominate " + name + " on " + host + ": connected and allowed in " + (System.nanoTime() - t0) / 1_000_000
                        + " ms");
                byte[] visitKek = new byte[32];
                new SecureRandom().nextBytes(visitKek);
                saveVisitKek(name, visitKek);
                byte[] kek = hostKek();
                try (AnimaStore s = store().openOrCreate(name, kek)) {
                    MasterKey key = store().key(name, kek);
                    try {
                        return new MoveSender(this, held, s, key, host, user, tracked(name, "dominate", host, progress), bytesPerSecond,
                                cancellable(name)).send(me.host(), visitKek, peer).note();
                    } finally {
                        key.destroy();
                        moving.remove(name);
                        cancels.remove(name);
                    }
                }
            }
        }
    }

    /** Refuses to start a move of an anima whose last move is still being finished (journaled). */
    private void requireNoMove(String name) {
        MoveJournal.read(stateDir, name).ifPresent(j -> {
            throw new ZosException(ErrorCode.BUSY, "the move of anima '" + name + "' " + (j.role().equals(MoveJournal.SEND)
                    ? "to " : "from ") + j.peer() + " is still being finished (" + j.phase() + ")",
                    "wait until 'zos-vm status " + name + "' shows where it runs; see the agent's log");
        });
    }

    /**
     * Brings anima {@code name} home: asked at home, the host it visits is told to send it; asked on the
     * visited host, this host sends it.
     */
    public String returnHome(String name, String user, long bytesPerSecond, Consumer<Progress> progress) throws IOException {
        requireNoMove(name);
        AnimaRecord r = registry.get(name);
        if (r.home() != null) {
            byte[] kek = visitKeks.get(name);
            if (kek == null) {
                throw new ZosException(ErrorCode.INVALID_STATE, "this host lost the key of visiting anima '" + name
                        + "' (its agent restarted)", "run 'zos-vm return " + name + "' on its home, " + r.home());
            }
            return sendHome(name, kek, user, bytesPerSecond, progress);
        }
        if (r.away() == null) {
            throw new ZosException(ErrorCode.INVALID_STATE, "anima '" + name + "' is home already", "");
        }
        Path kekFile = visitKekFile(name);
        byte[] kek = Files.readAllBytes(kekFile);
        try (Peer peer = dial(r.away(), user)) {
            MoveDone d = (MoveDone) peer.request(new ReturnRequest(name, Base64.getEncoder().encodeToString(kek), bytesPerSecond),
                    MoveSender.IDLE, progress);
            Files.deleteIfExists(kekFile);
            return d.note();
        } catch (ZosException e) {
            if (e.code() != ErrorCode.HOST_UNREACHABLE || !cameHome(name)) {
                throw e;
            }
            Files.deleteIfExists(kekFile);
            return "it came home, but " + r.away() + "'s report of the move was lost (" + e.getMessage() + ")";
        }
    }

    /**
     * Whether anima {@code name}, whose return this host asked for, is home: it may be even though the
     * connection to the visited host broke, since this host receives the move over a connection of its own.
     * Waits while the move is still being received (up to two minutes).
     */
    private boolean cameHome(String name) {
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (true) {
            if (registry.get(name).away() == null) {
                return true;
            }
            if (!receiver.receiving(name) || System.nanoTime() > deadline) {
                return false;
            }
            sleep(500);
        }
    }

    /** The home asks this host, which the anima visits, to send it home. */
    public MoveDone onReturnRequest(Responder.Caller caller, ReturnRequest q, Consumer<Progress> progress) throws IOException {
        AnimaRecord r = registry.get(q.anima());
        if (!caller.host().name().equals(r.home())) {
            throw new ZosException(ErrorCode.DENIED, caller.host().name() + " is not the home of anima '" + q.anima() + "'",
                    "ask from its home, " + r.home());
        }
        byte[] kek = Base64.getDecoder().decode(q.kek());
        rememberVisitKek(q.anima(), kek);
        return new MoveDone(0, "running", sendHome(q.anima(), kek, caller.user(), q.bytesPerSecond(), progress));
    }

    private String sendHome(String name, byte[] kek, String user, long bytesPerSecond, Consumer<Progress> progress)
            throws IOException {
        try (AnimaManager.Held held = manager().hold(name)) {
            String home = held.record().home();
            MoveSender.Figures f;
            long[] written;
            try (AnimaStore s = store().open(name, kek)) {
                MasterKey key = store().key(name, kek);
                try {
                    f = new MoveSender(this, held, s, key, home, user, tracked(name, "return", home, progress), bytesPerSecond,
                            cancellable(name)).send(home, null, null);
                } finally {
                    key.destroy();
                    moving.remove(name);
                    cancels.remove(name);
                }
                written = MoveReceiver.written(s.manifest("disk", 0));
            }
            leave(held, written);
            return f.note();
        }
    }

    /**
     * A visitor went home and runs there: nothing readable of it stays here. Its sealed chunks stay
     * without their key, so a later visit sends only what changed since.
     */
    private void leave(AnimaManager.Held held, long[] written) throws IOException {
        String name = held.record().name();
        held.forget(written);
        store().retire(name);
        forgetVisitKek(name);
        LOG.info("anima " + name + " went home to " + held.record().home() + "; its files are erased here, its key destroyed");
    }

    /**
     * Tells the receiver of a decided move to run the anima, dialling again while it does not answer,
     * for up to {@code patience}.
     *
     * @throws ZosException HOST_UNREACHABLE if it did not answer in time; another code if it answered
     *     that it cannot run it
     */
    void go(MoveJournal j, Duration patience) {
        go(j, patience, null);
    }

    /** As {@link #go(MoveJournal, Duration)}, asking first over {@code open}, the move's own connection (if not null). */
    void go(MoveJournal j, Duration patience, Peer open) {
        long deadline = System.nanoTime() + patience.toNanos();
        Peer first = open;
        while (true) {
            try {
                if (first != null) {
                    Peer p = first;
                    first = null;
                    p.request(new MoveGo(j.transfer(), j.anima()), MoveSender.IDLE);
                } else {
                    try (Peer p = dial(j.peer(), j.user())) {
                        p.request(new MoveGo(j.transfer(), j.anima()), MoveSender.IDLE);
                    }
                }
                return;
            } catch (ZosException e) {
                if (e.code() != ErrorCode.HOST_UNREACHABLE || System.nanoTime() > deadline) {
                    throw e;
                }
                LOG.info("telling " + j.peer() + " to run " + j.anima() + ": " + e.getMessage() + "; again in 2 s");
                sleep(2000);
            }
        }
    }

    /** Goes on telling the receiver of a decided move to run the anima, in the background, until it answers. */
    void goLater(MoveJournal j) {
        background.schedule(() -> {
            boolean runs;
            try {
                go(j, Duration.ZERO);
                runs = true;
            } catch (ZosException e) {
                if (e.code() == ErrorCode.HOST_UNREACHABLE) {
                    goLater(j);
                    return;
                }
                LOG.warning(j.peer() + " cannot run " + j.anima() + " (" + e.getMessage() + "); taking it back");
                runs = false;
            }
            settle(j, runs);
        }, 5, TimeUnit.SECONDS);
    }

    /** Ends a decided move here: the anima runs on the receiver, or ({@code !runs}) here again. */
    private void settle(MoveJournal j, boolean runs) {
        try (AnimaManager.Held held = manager().hold(j.anima())) {
            if (runs && j.visit()) {
                held.letGo();
            } else if (runs) {
                leave(held, null);
            } else {
                if (j.visit()) {
                    held.reclaim();
                }
                held.resume();
            }
            MoveJournal.delete(stateDir, j.anima());
            LOG.info("anima " + j.anima() + " runs " + (runs ? "on " + j.peer() : "here") + " now");
        } catch (ZosException e) {
            if (e.code() == ErrorCode.BUSY) {
                background.schedule(() -> settle(j, runs), 2, TimeUnit.SECONDS);
            } else {
                LOG.severe("ending the move of " + j.anima() + " failed: " + e.getMessage() + "; its move journal is kept");
            }
        } catch (IOException | RuntimeException x) {
            LOG.severe("ending the move of " + j.anima() + " failed: " + x + "; its move journal is kept");
        }
    }

    /** A receiver holding an anima restored paused asks what this host, its sender, decided. */
    public MoveDone onQuery(Responder.Caller caller, MoveQuery q) {
        String state = MoveJournal.read(stateDir, q.anima())
                .filter(j -> j.role().equals(MoveJournal.SEND) && j.transfer() == q.transfer()
                        && j.peer().equals(caller.host().name()))
                .map(j -> j.phase().equals(MoveJournal.COMMITTED) ? "committed" : "undecided").orElse("aborted");
        LOG.info(caller.host().name() + " asks about move " + q.transfer() + " of " + q.anima() + ": " + state);
        return new MoveDone(q.transfer(), state, "");
    }

    /**
     * Takes up, after this agent restarted, the moves its journal says were under way (see
     * {@link MoveJournal}), then looks after moves whose peer falls silent. Returns at once.
     */
    public void start() {
        background.execute(() -> {
            for (MoveJournal j : MoveJournal.all(stateDir)) {
                try {
                    recover(j);
                } catch (RuntimeException | IOException e) {
                    LOG.severe("recovering the move of " + j.anima() + " failed: " + e + "; its journal is kept");
                }
            }
        });
        background.scheduleWithFixedDelay(() -> {
            try {
                receiver.watch();
            } catch (RuntimeException e) {
                LOG.warning("watching moves: " + e);
            }
        }, 5, 5, TimeUnit.SECONDS);
    }

    private void recover(MoveJournal j) throws IOException {
        if (j.role().equals(MoveJournal.RECEIVE)) {
            receiver.recover(j);
            return;
        }
        if (j.phase().equals(MoveJournal.COMMITTED)) {
            LOG.warning("the move of " + j.anima() + " to " + j.peer() + " was decided before this agent restarted; "
                    + "telling " + j.peer() + " to run it");
            if (j.visit()) {
                try (AnimaManager.Held held = manager().hold(j.anima())) {
                    held.away(j.peer());
                }
            }
            goLater(j);
            return;
        }
        LOG.warning("the move of " + j.anima() + " to " + j.peer() + " broke off (this agent restarted); it stays here");
        try (AnimaManager.Held held = manager().hold(j.anima())) {
            if (j.wasRunning() && held.record().suspended() && !held.state().isActive()) {
                held.resume();
                LOG.warning("resumed " + j.anima() + ", which the broken-off move had suspended");
            }
        }
        abort(j.peer(), j.user(), j.transfer(), "the sender's agent restarted", DIAL);
        MoveJournal.delete(stateDir, j.anima());
    }

    /**
     * Tells a receiver to drop a move, waiting up to {@code wait} for its answer (best effort: a receiver
     * that does not hear it drops the move when its sender stays silent).
     */
    void abort(String host, String user, long transfer, String why, Duration wait) {
        try (Peer p = dial(host, user)) {
            p.request(new MoveAbort(transfer, why), wait);
        } catch (ZosException e) {
            LOG.info("abort not delivered to " + host + " (it drops the move by itself): " + e.getMessage());
        }
    }

    @Override
    public void close() {
        background.shutdownNow();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ZosException(ErrorCode.CANCELLED, "interrupted", "");
        }
    }

    Faults faults() {
        return faults;
    }

    AnimaRegistry registry() {
        return registry;
    }

    String host() {
        return me.host();
    }

    Peer dial(String host, String user) {
        return dial(host, user, DIAL);
    }

    /** Dials {@code host} as {@code user}, giving TCP, TLS and hello {@code timeout} each. */
    Peer dial(String host, String user, Duration timeout) {
        KnownHosts.Entry e = known.route(host).orElseThrow(() -> new ZosException(ErrorCode.UNKNOWN_PEER,
                host + " is not enrolled on " + me.host(), "enrol it with 'zos-vm trust " + host + "', or trust the site authority that endorses it"));
        return Peer.connect(me, known, e.hostPart(), e.port(), user, software, timeout);
    }

    private Path visitKekFile(String anima) {
        return stateDir.resolve("keys").resolve("visits").resolve(anima + ".kek");
    }

    private void saveVisitKek(String anima, byte[] kek) throws IOException {
        Path file = visitKekFile(anima);
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(anima + ".kek.tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Durable.write(tmp, file, kek);
    }
}
