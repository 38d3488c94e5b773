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
import org.zos.protocol.message.MoveCancel;
import org.zos.protocol.message.MoveDone;
import org.zos.protocol.message.Progress;
import org.zos.protocol.message.ReturnRequest;
import org.zos.protocol.message.StatusQuery;
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
public final class Moves {
    private static final Logger LOG = Logger.getLogger(Moves.class.getName());
    private static final Duration DIAL = Duration.ofSeconds(15);

    private final HostIdentity me;
    private final KnownHosts known;
    private final Path stateDir;
    private final Supplier<LibvirtHypervisor> hypervisor;
    private final Supplier<AnimaManager> manager;
    private final AnimaRegistry registry;
    private final String software;
    private final Map<String, byte[]> visitKeks = new ConcurrentHashMap<>();
    private final Map<String, String> moving = new ConcurrentHashMap<>();
    private final Map<String, java.util.concurrent.atomic.AtomicBoolean> cancels = new ConcurrentHashMap<>();
    private final MoveReceiver receiver = new MoveReceiver(this);
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
    }

    /** What a move of the anima this host sends is doing now ("to host2: sending disk 40%"), or null. */
    public String moving(String anima) {
        return moving.get(anima);
    }

    /** Progress of a move sent from here, also kept for {@link #moving}. */
    private Consumer<Progress> tracked(String anima, String target, Consumer<Progress> progress) {
        return p -> {
            String pct = p.total() > 0 ? " " + Math.min(100, p.done() * 100 / p.total()) + "%" : "";
            moving.put(anima, "to " + target + ": " + p.phase() + pct);
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
        try (AnimaManager.Held held = manager().hold(name)) {
            AnimaRecord r = held.record();
            if (r.home() != null) {
                throw new ZosException(ErrorCode.INVALID_STATE, "anima '" + name + "' only visits this host (its home is "
                        + r.home() + ")", "return it home first with 'zos-vm return " + name + "'");
            }
            try (Peer peer = dial(host, user)) {
                peer.request(new AccessQuery("full"), DIAL); // DENIED, with the line to add, before anything moves
                LOG.info("dominate " + name + " on " + host + ": connected and allowed in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
                byte[] visitKek = new byte[32];
                new SecureRandom().nextBytes(visitKek);
                saveVisitKek(name, visitKek);
                byte[] kek = hostKek();
                try (AnimaStore s = store().openOrCreate(name, kek)) {
                    MasterKey key = store().key(name, kek);
                    try {
                        MoveSender.Figures f = new MoveSender(held, s, key, peer, host, tracked(name, host, progress),
                                a -> runsOn(host, a, user), bytesPerSecond, cancellable(name)).send(me.host(), visitKek, () -> { });
                        held.away(host);
                        return f.note();
                    } finally {
                        key.destroy();
                        moving.remove(name);
                        cancels.remove(name);
                    }
                }
            }
        }
    }

    /**
     * Brings anima {@code name} home: asked at home, the host it visits is told to send it; asked on the
     * visited host, this host sends it.
     */
    public String returnHome(String name, String user, long bytesPerSecond, Consumer<Progress> progress) throws IOException {
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
            try (AnimaStore s = store().open(name, kek); Peer peer = dial(home, user)) {
                MasterKey key = store().key(name, kek);
                MoveSender.Figures f;
                try {
                    f = new MoveSender(held, s, key, peer, home, tracked(name, home, progress), a -> runsOn(home, a, user),
                            bytesPerSecond, cancellable(name)).send(home, null, () -> { });
                } finally {
                    key.destroy();
                    moving.remove(name);
                    cancels.remove(name);
                }
                // Home runs it: nothing readable of it stays here. Its sealed chunks stay without their key,
                // so a later visit sends only what changed since.
                held.forget(MoveReceiver.written(s.manifest("disk", 0)));
                s.retire();
                forgetVisitKek(name);
                LOG.info("anima " + name + " went home to " + home + "; its files are erased here, its key destroyed");
                return f.note();
            }
        }
    }

    private boolean runsOn(String host, String anima, String user) {
        try (Peer p = dial(host, user)) {
            StatusReport r = (StatusReport) p.request(new StatusQuery(anima, 0), DIAL);
            return r.animas().stream().anyMatch(a -> a.name().equals(anima) && a.state().equals("running"));
        } catch (ZosException e) {
            return false;
        }
    }

    private Peer dial(String host, String user) {
        KnownHosts.Entry e = known.byName(host).orElseThrow(() -> new ZosException(ErrorCode.UNKNOWN_PEER,
                host + " is not enrolled on " + me.host(), "enrol it with 'zos-vm trust " + host + "'"));
        return Peer.connect(me, known, e.hostPart(), e.port(), user, software, DIAL);
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
