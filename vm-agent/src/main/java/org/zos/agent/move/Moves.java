package org.zos.agent.move;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.logging.Logger;
import org.zos.agent.anima.AnimaManager;
import org.zos.agent.anima.AnimaRecord;
import org.zos.agent.anima.AnimaRegistry;
import org.zos.agent.hypervisor.Hypervisor;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.protocol.message.AccessGrant;
import org.zos.protocol.message.AccessQuery;
import org.zos.protocol.message.ImageOffer;
import org.zos.protocol.message.ImageSent;
import org.zos.protocol.message.Message;
import org.zos.protocol.message.MoveAbort;
import org.zos.protocol.message.MoveCancel;
import org.zos.protocol.message.MoveCommit;
import org.zos.protocol.message.MoveDone;
import org.zos.protocol.message.MoveGo;
import org.zos.protocol.message.MoveOffer;
import org.zos.protocol.message.MoveQuery;
import org.zos.protocol.message.Progress;
import org.zos.protocol.message.ReturnRequest;
import org.zos.protocol.message.StatusReport;
import org.zos.protocol.net.Peer;
import org.zos.protocol.net.Responder;
import org.zos.protocol.tls.HostIdentity;
import org.zos.protocol.tls.KnownHosts;
import org.zos.store.AnimaStore;
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

    private final MoveContext ctx;
    private final Map<String, StatusReport.Move> moving = new ConcurrentHashMap<>();
    private final Map<String, AtomicBoolean> cancels = new ConcurrentHashMap<>();
    /** Stages under way, by anima: each opens once its stage has ended. */
    private final Map<String, java.util.concurrent.CountDownLatch> staging = new ConcurrentHashMap<>();
    private final ScheduledExecutorService background = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "zos-moves");
        t.setDaemon(true);
        return t;
    });
    private final MoveReceiver receiver;
    private final Decisions decisions;
    /** Open once the moves this host was receiving when its agent stopped are taken up (see {@link #start}). */
    private final java.util.concurrent.CountDownLatch receiverReady = new java.util.concurrent.CountDownLatch(1);

    /** This host's moves over the network: other agents dialled over pinned (or endorsed) TLS. */
    public Moves(HostIdentity me, KnownHosts known, Path stateDir, Supplier<? extends Hypervisor> hypervisor,
            Supplier<AnimaManager> manager, AnimaRegistry registry, String software) {
        this(new MoveContext(me.host(), stateDir, (host, user, timeout) -> {
            KnownHosts.Entry e = known.routeOrThrow(host, me.host());
            return MoveLink.of(Peer.connect(me, known, e.hostPart(), e.port(), user, software, timeout));
        }, hypervisor, manager, registry, new Faults(stateDir), MoveTimes.REAL));
    }

    Moves(MoveContext ctx) {
        this.ctx = ctx;
        this.receiver = new MoveReceiver(ctx);
        this.decisions = new Decisions(ctx, background);
    }

    /**
     * Answers a request of another host's agent about a move: the sender's requests (to the receiver),
     * a receiver's question (to the sender), a home's return request and cancel (to the visited host).
     * The caller checked that the peer may ask it (a visit's offer needs full control).
     */
    public Message answer(Responder.Caller caller, Message m, Consumer<Progress> progress) throws Exception {
        if (!receiverReady.await(ctx.times().idle().toMillis(), TimeUnit.MILLISECONDS)) {
            throw new ZosException(ErrorCode.BUSY, ctx.host() + " is still taking up the moves it was receiving", "try again");
        }
        if (m instanceof MoveQuery q) {
            return decisions.onQuery(caller, q);
        }
        if (m instanceof MoveCancel c) {
            return onCancel(caller, c);
        }
        if (m instanceof ReturnRequest q) {
            return onReturnRequest(caller, q, progress);
        }
        if (m instanceof org.zos.protocol.message.MemoryKept k) {
            return onMemoryKept(caller, k);
        }
        return receiver.answer(caller, m, progress);
    }

    /**
     * The digests of the memory an anima's home kept when it sent the anima here live ({@link KeptMemory}):
     * taken only from that home, for an anima that visits here; kept in memory for its live return.
     */
    private MoveDone onMemoryKept(Responder.Caller caller, org.zos.protocol.message.MemoryKept k) {
        AnimaRecord r = ctx.registry().find(k.anima()).orElseThrow(() -> new ZosException(ErrorCode.ANIMA_NOT_FOUND,
                "anima '" + k.anima() + "' is not here", ""));
        boolean sealed = k.key() != null;
        if (sealed && (r.home() != null || r.away() != null || !caller.host().name().equals(ctx.kept().returnedFrom(k.anima())))) {
            throw new ZosException(ErrorCode.DENIED, "anima '" + k.anima() + "' did not come home here from " + caller.host().name(),
                    "only the host an anima last came home from tells what it sealed of its memory");
        }
        if (!sealed && (r.home() == null || !r.home().equals(caller.host().name()) || r.away() != null)) {
            throw new ZosException(ErrorCode.DENIED, "anima '" + k.anima() + "' does not visit here from " + caller.host().name(),
                    "only the home of a visiting anima tells what it kept of its memory");
        }
        int count = Math.toIntExact(k.count());
        byte[] raw;
        try {
            byte[] z = Base64.getDecoder().decode(k.data());
            if (com.github.luben.zstd.Zstd.decompressedSize(z) != count * 8L) {
                throw new IllegalArgumentException("not " + count + " digests");
            }
            raw = com.github.luben.zstd.Zstd.decompress(z, count * 8);
        } catch (RuntimeException e) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "memory-kept data is not a zstd frame of " + count + " digests ("
                    + e.getMessage() + ")", "the sender runs an incompatible zos version");
        }
        long[] digests = new long[count];
        java.nio.ByteBuffer.wrap(raw).asLongBuffer().get(digests);
        if (sealed) {
            java.util.Optional<KeptMemory.Index> whole = ctx.kept().addSealed(k.anima(), k.tag(), Math.toIntExact(k.pages()),
                    Math.toIntExact(k.first()), digests);
            if (whole.isPresent()) {
                try {
                    new SealedMemory.Record(caller.host().name(), k.tag(), Base64.getDecoder().decode(k.key()), whole.get().digests())
                            .write(ctx.registry().paths(k.anima()).dir());
                } catch (java.io.IOException e) {
                    throw new ZosException(ErrorCode.INTERNAL, "could not keep what " + caller.host().name() + " sealed of the memory of "
                            + k.anima() + ": " + e.getMessage(), "");
                }
                LOG.info(caller.host().name() + " sealed the memory " + k.anima() + " came home with (" + k.pages()
                        + " pages): its next live visit there fills with it");
            }
        } else if (ctx.kept().add(k.anima(), k.tag(), Math.toIntExact(k.pages()), Math.toIntExact(k.first()), digests)) {
            LOG.info("the home of " + k.anima() + " kept its memory of " + k.pages() + " pages: its live return refers to them");
        }
        return new MoveDone(k.tag(), "kept", "");
    }

    /** What this host knows of memory kept by the homes of the animas it hosts. */
    KeptMemory.Indexes kept() {
        return ctx.kept();
    }

    /** Whether {@code m} is a request {@link #answer} takes. */
    public static boolean takes(Message m) {
        return TAKES.contains(m.getClass());
    }

    /** The requests of {@link #takes}: those of the receiver's table (MoveProtocol) but live-open, and the home's. */
    static final java.util.Set<Class<? extends Message>> TAKES = java.util.Set.of(MoveOffer.class, ImageOffer.class,
            ImageSent.class, MoveCommit.class, MoveAbort.class, MoveGo.class, MoveQuery.class, MoveCancel.class, ReturnRequest.class,
            org.zos.protocol.message.LivePrepare.class, org.zos.protocol.message.LivePatch.class,
            org.zos.protocol.message.MemoryKept.class);

    /** Answers {@code live-open} for a live move received here (its transfer names it; the caller must be its sender). */
    public Responder.Opened openLive(Responder.Caller caller, org.zos.protocol.message.LiveOpen o,
            org.zos.protocol.stream.Duplex stream) throws Exception {
        if (!receiverReady.await(ctx.times().idle().toMillis(), TimeUnit.MILLISECONDS)) {
            throw new ZosException(ErrorCode.BUSY, ctx.host() + " is still taking up the moves it was receiving", "try again");
        }
        return receiver.openLive(caller, o, stream);
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

    /**
     * Cancels the move of {@code name} under way: one this host sends, or (at its home) the return the
     * visited host sends. The move then ends with CANCELLED and the anima runs where it ran before; a
     * move already committed (the receiver restoring it) completes.
     */
    public String cancel(String name, String user) {
        AtomicBoolean flag = cancels.get(name);
        Optional<MoveJournal> j = MoveJournal.read(ctx.stateDir(), name);
        if (j.isPresent() && j.get().phase() == MoveJournal.Phase.COMMITTED) {
            throw new ZosException(ErrorCode.INVALID_STATE, "the move of anima '" + name + "' to " + j.get().peer()
                    + " is decided already: it runs there in a moment", "bring it back afterwards with 'zos-vm return " + name + "'");
        }
        if (flag != null) {
            flag.set(true);
            LOG.info("cancelling the move of " + name);
            return "cancelling";
        }
        AnimaRecord r = ctx.registry().get(name);
        if (r.away() != null) {
            MoveCancel c = new MoveCancel(name);
            try (MoveLink peer = ctx.dial(r.away(), user)) {
                return MoveProtocol.answer(peer.request(c, ctx.times().dial()), MoveDone.class, c).state();
            }
        }
        throw new ZosException(ErrorCode.INVALID_STATE, "no move of anima '" + name + "' is under way here", "");
    }

    /** The home cancels the return this host sends. */
    private MoveDone onCancel(Responder.Caller caller, MoveCancel c) {
        AnimaRecord r = ctx.registry().get(c.anima());
        if (!caller.host().name().equals(r.home())) {
            throw new ZosException(ErrorCode.DENIED, caller.host().name() + " is not the home of anima '" + c.anima() + "'", "");
        }
        return new MoveDone(0, cancel(c.anima(), caller.user()), "");
    }

    public MoveReceiver receiver() {
        return receiver;
    }

    /** A rate such as "100mbit" or "12M" (bytes per second) as bytes per second; 0 for none. */
    public static long rate(String rate) {
        return RateLimit.parse(rate);
    }

    /**
     * Sends anima {@code name}, which is home here, to run on {@code host}, sending at most
     * {@code bytesPerSecond} (0: no cap); {@code live}: a running anima by live migration. Returns what
     * the move cost.
     */
    public String dominate(String name, String host, String user, long bytesPerSecond, boolean live, Consumer<Progress> progress)
            throws IOException {
        if (host.equals(ctx.host())) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "anima '" + name + "' is on " + host + " already", "name another host");
        }
        long t0 = System.nanoTime();
        requireNoMove(name);
        endStage(name);
        try (Afterwards.Command c = ctx.afterwards().command(name); AnimaManager.Held held = ctx.manager().get().hold(name)) {
            AnimaRecord r = held.record();
            if (r.home() != null) {
                throw new ZosException(ErrorCode.INVALID_STATE, "anima '" + name + "' only visits this host (its home is "
                        + r.home() + ")", "return it home first with 'zos-vm return " + name + "'");
            }
            // The move goes on over this connection (closed by the move, or here if it never starts).
            try (MoveLink peer = ctx.dial(host, user)) {
                AccessQuery full = new AccessQuery("full"); // DENIED, with the line to add, before anything moves
                MoveProtocol.answer(peer.request(full, ctx.times().dial()), AccessGrant.class, full);
                LOG.info("dominate " + name + " on " + host + ": connected and allowed in " + (System.nanoTime() - t0) / 1_000_000
                        + " ms");
                byte[] visitKek = ctx.visits().create(name);
                byte[] kek = ctx.stores().hostKek();
                try (AnimaStore s = ctx.store().openOrCreate(name, kek)) {
                    MasterKey key = ctx.store().key(name, kek);
                    try {
                        return new MoveSender(ctx, decisions, held, s, key, host, user, tracked(name, "dominate", host, progress),
                                bytesPerSecond, live, cancellable(name)).send(ctx.host(), visitKek, peer).note();
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
     * Stages anima {@code name}, which is home here, on {@code host}: its images go there ahead of a
     * domination while it runs here (see {@link StageSender}), sending at most {@code bytesPerSecond} (0: no
     * cap). A cancel ({@code zos-vm cancel}) or a domination of the anima ends it; what went stays there.
     * Returns what it cost.
     */
    public String stage(String name, String host, String user, long bytesPerSecond, Consumer<Progress> progress) throws IOException {
        if (host.equals(ctx.host())) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "anima '" + name + "' is on " + host + " already", "name another host");
        }
        requireNoMove(name);
        java.util.concurrent.CountDownLatch over = new java.util.concurrent.CountDownLatch(1);
        if (staging.putIfAbsent(name, over) != null) {
            throw new ZosException(ErrorCode.BUSY, "anima '" + name + "' is being staged already (" + moving(name) + ")",
                    "wait for it, or end it with 'zos-vm cancel " + name + "'");
        }
        AtomicBoolean flag = new AtomicBoolean();
        if (cancels.putIfAbsent(name, flag) != null) { // a move of it is under way (its cancel stays its own)
            staging.remove(name);
            over.countDown();
            throw new ZosException(ErrorCode.BUSY, "anima '" + name + "' is moving (" + moving(name) + ")",
                    "stage it once the move is over");
        }
        try {
            ctx.manager().get().yieldTo(name); // the stage reads the disk itself
            return new StageSender(ctx, name, host, user, tracked(name, "stage", host, progress), bytesPerSecond, flag::get).send();
        } finally {
            moving.remove(name);
            cancels.remove(name, flag);
            staging.remove(name);
            over.countDown();
        }
    }

    /**
     * Ends a stage of anima {@code name} under way here, if there is one, and waits until it has ended: a
     * move or a removal of the anima goes first (what the stage sent stays on its host).
     */
    public void endStage(String name) {
        java.util.concurrent.CountDownLatch over = staging.get(name);
        if (over == null) {
            return;
        }
        AtomicBoolean flag = cancels.get(name);
        if (flag != null) {
            flag.set(true);
        }
        LOG.info("ending the stage of " + name + " first");
        try {
            if (!over.await(ctx.times().idle().toMillis(), TimeUnit.MILLISECONDS)) {
                throw new ZosException(ErrorCode.BUSY, "the stage of anima '" + name + "' does not end", "see the agent's log");
            }
        } catch (InterruptedException e) {
            throw Interrupts.cancelled(e);
        }
    }

    private BooleanSupplier cancellable(String anima) {
        AtomicBoolean flag = new AtomicBoolean();
        cancels.put(anima, flag);
        return flag::get;
    }

    /** Refuses to start a move of an anima whose last move is still being finished (journaled). */
    private void requireNoMove(String name) {
        requireNoMove(ctx.stateDir(), name);
    }

    static void requireNoMove(Path stateDir, String name) {
        MoveJournal.read(stateDir, name).ifPresent(j -> {
            throw new ZosException(ErrorCode.BUSY, "the move of anima '" + name + "' " + (j.role() == MoveJournal.Role.SEND
                    ? "to " : "from ") + j.peer() + " is still being finished (" + j.phase().text() + ")",
                    "wait until 'zos-vm status " + name + "' shows where it runs; see the agent's log");
        });
    }

    /**
     * Brings anima {@code name} home: asked at home, the host it visits is told to send it; asked on the
     * visited host, this host sends it.
     */
    public String returnHome(String name, String user, long bytesPerSecond, boolean live, Consumer<Progress> progress)
            throws IOException {
        requireNoMove(name);
        AnimaRecord r = ctx.registry().get(name);
        if (r.home() != null) {
            byte[] kek = ctx.visits().get(name);
            if (kek == null) {
                throw new ZosException(ErrorCode.INVALID_STATE, "this host lost the key of visiting anima '" + name
                        + "' (its agent restarted)", "run 'zos-vm return " + name + "' on its home, " + r.home());
            }
            return sendHome(name, kek, user, bytesPerSecond, live, progress);
        }
        if (r.away() == null) {
            throw new ZosException(ErrorCode.INVALID_STATE, "anima '" + name + "' is home already", "");
        }
        byte[] kek = ctx.visits().read(name);
        ReturnRequest ask = new ReturnRequest(name, Base64.getEncoder().encodeToString(kek), bytesPerSecond, live);
        // what the move leaves here to do (the store made ready for its next read) waits for the visited host's erasure
        try (Afterwards.Command c = ctx.afterwards().command(name); MoveLink peer = ctx.dial(r.away(), user)) {
            MoveDone d = MoveProtocol.answer(peer.request(ask, ctx.times().idle(), progress), MoveDone.class, ask);
            ctx.visits().delete(name);
            return d.note();
        } catch (ZosException e) {
            if (e.code() != ErrorCode.HOST_UNREACHABLE || !cameHome(name)) {
                throw e;
            }
            ctx.visits().delete(name);
            return "it came home, but " + r.away() + "'s report of the move was lost (" + e.getMessage() + ")";
        }
    }

    /**
     * Whether anima {@code name}, whose return this host asked for, is home: it may be even though the
     * connection to the visited host broke, since this host receives the move over a connection of its own.
     * Waits while the move is still being received (up to {@link MoveTimes#idle}).
     */
    private boolean cameHome(String name) {
        long deadline = System.nanoTime() + ctx.times().idle().toNanos();
        while (true) {
            if (ctx.registry().get(name).away() == null) {
                return true;
            }
            if (!receiver.receiving(name) || System.nanoTime() > deadline) {
                return false;
            }
            Interrupts.sleep(Duration.ofMillis(200));
        }
    }

    /** The home asks this host, which the anima visits, to send it home. */
    private MoveDone onReturnRequest(Responder.Caller caller, ReturnRequest q, Consumer<Progress> progress) throws IOException {
        AnimaRecord r = ctx.registry().get(q.anima());
        if (!caller.host().name().equals(r.home())) {
            throw new ZosException(ErrorCode.DENIED, caller.host().name() + " is not the home of anima '" + q.anima() + "'",
                    "ask from its home, " + r.home());
        }
        byte[] kek = Base64.getDecoder().decode(q.kek());
        ctx.visits().remember(q.anima(), kek);
        return new MoveDone(0, "running", sendHome(q.anima(), kek, caller.user(), q.bytesPerSecond(), q.live(), progress));
    }

    private String sendHome(String name, byte[] kek, String user, long bytesPerSecond, boolean live, Consumer<Progress> progress)
            throws IOException {
        // the memory sealed for the next visit waits until the erasure below is over
        try (Afterwards.Command c = ctx.afterwards().command(name); AnimaManager.Held held = ctx.manager().get().hold(name)) {
            String home = held.record().home();
            MoveSender.Figures f;
            long[] written;
            try (AnimaStore s = ctx.store().open(name, kek)) {
                MasterKey key = ctx.store().key(name, kek);
                MoveSender sender = new MoveSender(ctx, decisions, held, s, key, home, user, tracked(name, "return", home, progress),
                        bytesPerSecond, live, cancellable(name));
                try {
                    f = sender.send(home, null, null);
                } finally {
                    key.destroy();
                    moving.remove(name);
                    cancels.remove(name);
                }
                written = Visitors.written(s.manifest("disk", sender.diskFileGeneration()));
            }
            // The visitor went home and runs there: nothing readable of it stays here.
            Visitors.erase(ctx, held, written);
            return f.note();
        }
    }

    /** How long after an anima starts here its disk is stored ahead ({@link #storeAhead}): its guest boots first. */
    static final Duration STORE_AHEAD_AFTER = Duration.ofSeconds(3);
    /** How fast a disk is read to be stored ahead: at most this many bytes per second, to leave the guest its share. */
    static final long STORE_AHEAD_RATE = 128L << 20;
    /** How long a disk must have been unwritten before it is stored ahead for its record to be taken ({@link org.zos.agent.anima.DiskBase#AHEAD}). */
    static final Duration STORE_AHEAD_SETTLED = Duration.ofSeconds(1);
    /** One disk stored ahead at a time on this host. */
    private final java.util.concurrent.Semaphore storingAhead = new java.util.concurrent.Semaphore(1);

    /**
     * Stores the disk of anima {@code name}, which was started (or resumed) at home here, while it runs
     * ({@link AnimaStore#ingestAhead}, {@link #STORE_AHEAD_AFTER} later, read at most at
     * {@link #STORE_AHEAD_RATE}, on a thread of the least CPU priority): a first domination otherwise reads
     * its whole disk into the store before anything but the kernel goes on the link (1.1-1.7 s for the bench's 227 MiB, its chunks compressed and
     * sealed); after this one, its read finds the chunks of all the guest did not write since, and seals
     * only those; and if nothing wrote the disk while it was read, nor since, the move takes the generation
     * stored ahead as the disk's and reads nothing ({@link org.zos.agent.anima.DiskBase#AHEAD}). Any command
     * on the anima stops it first ({@link AnimaManager#yielding}); a failure only leaves the next move to
     * read it all.
     */
    public void storeAhead(String name) {
        background.schedule(() -> org.zos.agent.anima.Background.supply("zos-store-ahead", () -> {
            org.zos.agent.anima.Background.idle(); // the guests first: it takes what they leave of the cores
            storeAheadNow(name);
            return null;
        }), STORE_AHEAD_AFTER.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** {@link #storeAhead}, now, on this thread; whether it stored it. */
    boolean storeAheadNow(String name) {
        Optional<AnimaManager.Yielding> yielding = ctx.manager().get().yielding(name);
        if (yielding.isEmpty() || !storingAhead.tryAcquire()) {
            yielding.ifPresent(AnimaManager.Yielding::close);
            return false;
        }
        try (AnimaManager.Yielding y = yielding.get()) {
            // Registered first: a command that takes the anima from now on stops it; one under way is asked about.
            Optional<AnimaRecord> r = ctx.registry().find(name);
            if (r.isEmpty() || r.get().home() != null || r.get().away() != null || ctx.afterwards().busy(name)
                    || cancels.containsKey(name) || staging.containsKey(name) || MoveJournal.read(ctx.stateDir(), name).isPresent()
                    || !ctx.hypervisor().get().state(name).isActive() || !ctx.store().holds(name)) {
                return false;
            }
            org.zos.agent.anima.AnimaPaths paths = ctx.registry().paths(name);
            Path disk = paths.disk();
            long t0 = System.nanoTime();
            // Unwritten for a while before the read (a write in the same tick of the file system's clock as
            // the last one would not move its modification time), and not written while it was read: then
            // the generation is the file, and a move that finds the file still so reads nothing.
            java.nio.file.attribute.BasicFileAttributes before = java.nio.file.Files.readAttributes(disk,
                    java.nio.file.attribute.BasicFileAttributes.class);
            boolean settled = System.currentTimeMillis() - before.lastModifiedTime().toMillis() > STORE_AHEAD_SETTLED.toMillis();
            org.zos.agent.anima.DiskBase.drop(paths, org.zos.agent.anima.DiskBase.AHEAD);
            RateLimit rate = new RateLimit(STORE_AHEAD_RATE);
            try (AnimaStore s = ctx.store().open(name, ctx.stores().hostKek());
                    java.io.InputStream in = new java.io.FilterInputStream(java.nio.file.Files.newInputStream(disk)) {
                        @Override
                        public int read(byte[] b, int off, int len) throws IOException {
                            if (y.stopped()) {
                                throw new IOException("a command took the anima");
                            }
                            int n = super.read(b, off, Math.min(len, 1 << 20));
                            if (n > 0) {
                                rate.acquire(n, y::stopped);
                            }
                            return n;
                        }
                    }) {
                AnimaStore.Ingested i = s.ingestAhead("disk", in, org.zos.store.chunking.ChunkerParams.DEFAULT, new org.zos.store.WorkMeter());
                boolean unwritten = false;
                if (settled) {
                    try {
                        org.zos.agent.anima.DiskBase now = org.zos.agent.anima.DiskBase.of(i.manifest(), disk);
                        unwritten = now.sameFile(before);
                        if (unwritten) {
                            now.save(paths, org.zos.agent.anima.DiskBase.AHEAD);
                        }
                    } catch (IOException grew) {
                        LOG.fine("the disk of " + name + " changed while it was stored ahead: " + grew.getMessage());
                    }
                }
                LOG.info(String.format(java.util.Locale.ROOT, "the disk of %s stored ahead of its next move as %s (%d MiB, %d new chunks) in %d ms%s",
                        name, i.manifest().label(), i.manifest().length() >> 20, i.newChunks(), (System.nanoTime() - t0) / 1_000_000,
                        unwritten ? "; nothing wrote it meanwhile: a move that finds it so reads nothing" : ""));
                return true;
            }
        } catch (IOException | RuntimeException e) {
            LOG.info("the disk of " + name + " was not stored ahead (its next move reads it all): " + e.getMessage());
            return false;
        } finally {
            storingAhead.release();
        }
    }

    /**
     * Starts the store of a new anima {@code name} of {@code user}, sealed under the key every anima the user
     * creates here shares, so that their parcels share chunks (docs/parcel-format.md, "Pools"); a request
     * that names no user makes a key of the anima's own. A store
     * this host holds already, of an earlier anima of that name, is kept with its key.
     */
    public void startStore(String name, String user) throws IOException {
        Store s = ctx.store();
        if (s.holds(name)) {
            return;
        }
        byte[] kek = ctx.stores().hostKek();
        // A request without a user's name (a host's own) makes an anima with a key of its own.
        MasterKey key = Store.keepsKeyFor(user) ? s.userKey(user, kek) : MasterKey.generate();
        try {
            s.create(name, key, kek).close();
        } finally {
            key.destroy();
        }
    }

    /**
     * Erases the store of anima {@code name} here, if this host holds one (key first, then its chunks and
     * manifests): a removed anima leaves nothing of itself, and no open lock file on the store's disk.
     */
    public void dropStore(String name) throws IOException {
        Store s = ctx.store();
        if (s.holds(name)) {
            try (AnimaStore a = s.open(name, ctx.stores().hostKek())) {
                a.erase();
            }
        }
    }

    /** Suspends to and resumes from parcels in the remotes {@code remotes} opens. */
    public Parcels parcels(Parcels.Remotes remotes) {
        return new Parcels(ctx, remotes);
    }

    /**
     * Takes up, after this agent restarted, the moves its journal says were under way (see
     * {@link MoveJournal}), then looks after moves whose peer falls silent. Returns at once.
     */
    public void start() {
        background.execute(() -> {
            // What it was receiving first, before it answers a sender that dials again (which would find
            // the anima it was receiving still here); then what it was sending, which may dial others.
            java.util.List<MoveJournal> all = MoveJournal.all(ctx.stateDir());
            for (MoveJournal j : all) {
                if (j.role() == MoveJournal.Role.RECEIVE) {
                    recover(j);
                }
            }
            receiverReady.countDown();
            for (MoveJournal j : all) {
                if (j.role() == MoveJournal.Role.SEND) {
                    recover(j);
                }
            }
        });
        long every = ctx.times().watch().toMillis();
        background.scheduleWithFixedDelay(() -> {
            try {
                receiver.watch();
            } catch (RuntimeException e) {
                LOG.warning("watching moves: " + e);
            }
        }, every, every, TimeUnit.MILLISECONDS);
    }

    private void recover(MoveJournal j) {
        try {
            if (j.role() == MoveJournal.Role.RECEIVE) {
                receiver.recover(j);
            } else {
                decisions.recover(j);
            }
        } catch (RuntimeException | IOException e) {
            LOG.severe("recovering the move of " + j.anima() + " failed: " + e + "; its journal is kept");
        }
    }

    @Override
    public void close() {
        background.shutdownNow();
    }
}
