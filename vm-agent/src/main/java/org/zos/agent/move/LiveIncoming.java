package org.zos.agent.move;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.function.Consumer;
import java.util.logging.Logger;
import org.zos.agent.hypervisor.DomainXml;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.protocol.message.LiveOpen;
import org.zos.protocol.message.LivePrepare;
import org.zos.protocol.message.LiveReady;
import org.zos.protocol.message.Progress;
import org.zos.protocol.net.Responder;
import org.zos.protocol.stream.Duplex;

/**
 * The receiving side of a live move (docs/protocol.md, "Live moves"): the images sent ahead put where the
 * domain reads them, the directory of the migration's sockets ({@link LiveSockets}), the domain as it is to
 * run here, and each connection the sender's agent opens ({@code live-open}) joined to this host's
 * libvirtd (through {@link LibvirtGuard}) or to the UNIX socket where its QEMU takes the migration stream
 * or serves the disk by NBD.
 */
final class LiveIncoming implements LibvirtGuard.Expect {
    private static final Logger LOG = Logger.getLogger(LiveIncoming.class.getName());
    /** libvirtd's read-write socket (the system property zos.libvirtd.socket, for tests, moves it). */
    static Path libvirtd() {
        return Path.of(System.getProperty("zos.libvirtd.socket", "/run/libvirt/libvirt-sock"));
    }
    /** What of an incoming domain must be exactly as this host placed it. */
    static final List<String> PLACED = List.of("/domain/name", "/domain/uuid", "/domain/devices/emulator",
            "/domain/os/kernel", "/domain/os/initrd", "/domain/devices/disk[target/@dev='vda']/source/@file",
            "/domain/devices/disk[target/@dev='vda']/backingStore/source/@file", "/domain/devices/serial/log/@file");

    private final Incoming in;
    private final LiveSockets sockets;
    private final String placed;
    private final FileChannel base;
    /** The memory this host kept of the anima when it last sent it away live, which the sender refers to; null: none. */
    private final FileChannel kept;
    private final long keptTag;
    /** What fills the domain's memory (kept here in the clear, or sealed), if this host fills it; else null. */
    private final Fill fillWith;
    /**
     * The fill, once started (memory by content: as soon as the domain's QEMU runs, {@link #fillOnceStarted};
     * else by the first of the disks and migration connections); null before. Guarded by this, as is {@link #closed}.
     */
    private java.util.concurrent.CompletableFuture<Void> filling;
    /** Whether the move ended here ({@link #close}): no fill starts after. */
    private boolean closed;

    /**
     * Memory by content (docs/protocol.md, "Memory by content"): the domain as its QEMU is to start for the
     * migration, with this agent's QMP monitor ({@link LiveSockets#monitor}); null: QEMU's stream carries the memory.
     */
    private final String liveXml;
    /** Counted down once the sender's memory stream is answered. */
    private final java.util.concurrent.CountDownLatch memoryOpened = new java.util.concurrent.CountDownLatch(1);
    /** Done once the memory stream ended whole (the migration's stream may go); failed if it broke off or the move ended. */
    private final java.util.concurrent.CompletableFuture<Void> copied = new java.util.concurrent.CompletableFuture<>();
    /** The incoming domain's memory, for writing (memory by content), once its QEMU was told to leave it to us and the fill is done; null before. */
    private volatile FileChannel memory;
    /**
     * Pages of the memory stream that came before the incoming domain's memory could be written (libvirt
     * still starting its QEMU): kept, in order, and written into it once it can be; then {@link #direct}.
     * Guarded by itself, as are the fields below.
     */
    private final java.util.ArrayDeque<Staged> staged = new java.util.ArrayDeque<>();
    private long stagedBytes;
    /** Whether the stream's pages go straight into the domain's memory (what was staged is in it). */
    private boolean direct;
    /** The memory stream, once its reading started; told 'R' once {@link #direct}. */
    private Duplex memoryStream;
    private boolean toldReady;
    /**
     * The most of the memory stream kept while the domain's QEMU starts (1 to 2 s; the pages the disk holds
     * come as references and are kept whole: a first visit's 512 MiB guest filled 128 MiB within 2 s at
     * 100 Mbit/s); beyond it the stream is not read, and its sender waits. At most a quarter of the heap.
     */
    static final long STAGE_BYTES = Math.min(512L << 20, Runtime.getRuntime().maxMemory() / 4);

    /** A page that came before the domain's memory could be written. */
    private record Staged(long at, byte[] page) {
    }
    /**
     * The longest the migration's stream waits for the sender's memory stream to open (once open, for as
     * long as it goes on: a broken link ends it), and the preparation's answer for the domain's memory to be
     * writable.
     */
    static final java.time.Duration HOLD = java.time.Duration.ofSeconds(60);

    private final Thread flusher;
    /** What {@link LibvirtGuard} refused of the sender's libvirt, if it refused something. */
    private volatile ZosException refused;

    private LiveIncoming(Incoming in, LiveSockets sockets, String placed, FileChannel base, FileChannel kept, long keptTag, Fill fillWith,
            boolean byContent) {
        this.in = in;
        this.sockets = sockets;
        this.placed = placed;
        this.liveXml = byContent ? DomainXml.withMonitor(placed, sockets.monitor()) : null;
        this.base = base;
        this.kept = kept;
        this.keptTag = keptTag;
        this.fillWith = fillWith;
        this.flusher = new Thread(this::flushDisk, "zos-live-flush");
        flusher.setDaemon(true);
        flusher.start();
    }

    /**
     * Writes what the migration's mirror wrote of the disk out to the device, every half second while the
     * move lasts: at the switchover QEMU flushes the disk with the guest stopped, and what is still to be
     * written then would lengthen the stop.
     */
    private void flushDisk() {
        Path top = in.held.paths().diskTop();
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                return;
            }
            try (FileChannel ch = FileChannel.open(top, StandardOpenOption.READ)) {
                ch.force(false);
            } catch (IOException e) {
                LOG.fine("flushing " + top + ": " + e);
            }
        }
    }

    /**
     * Readies move {@code in} for the live migration {@code p} announces. The sender's guest writes an
     * overlay over its disk ({@code Hypervisor.divertDisk}), and the disk under it is what it sent ahead:
     * that goes where the domain reads it, with an empty overlay over it for the migration's mirror to copy
     * the sender's into. Nothing writes the disk under it until the anima runs here, so the sender's
     * references resolve against it ({@link #base}). An anima coming home whose sender names memory kept here
     * ({@link KeptMemory}) that this host still holds may have pages referred to in it too, and, if the
     * sender gave the sum of what it knows of it and the domain's memory is shared, that memory is filled
     * into the domain's before its QEMU reads the stream ({@link #open}).
     */
    static LiveIncoming prepare(Incoming in, LivePrepare p, Consumer<Progress> progress) throws IOException, InterruptedException {
        if (DomainXml.divertedFrom(p.domainXml()).isEmpty()) {
            throw new ZosException(ErrorCode.PROTOCOL_ERROR, "the live migration of " + in.anima + " does not copy its disk"
                    + " as an overlay over the disk sent ahead", "");
        }
        long t0 = System.nanoTime();
        ImageWriter.placeAhead(in, progress);
        Path disk = in.held.paths().disk();
        long t1 = System.nanoTime();
        in.held.overlayDisk();
        long t2 = System.nanoTime();
        String placed = in.held.placed(p.domainXml());
        LOG.info(String.format(java.util.Locale.ROOT, "move %d of %s: its images placed in %d ms, the overlay over its disk made in %d ms,"
                + " its domain placed in %d ms", in.id, in.anima, (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, (System.nanoTime() - t2) / 1_000_000));
        FileChannel ch = FileChannel.open(disk, StandardOpenOption.READ);
        boolean home = in.purpose.equals(org.zos.protocol.message.MoveOffer.HOME);
        FileChannel kept = p.kept() != 0 && home ? KeptMemory.open(in.held.paths().dir(), p.kept()).orElse(null) : null;
        Fill fill = null;
        if (p.keptSum() != null && sharedMemory(placed)) {
            fill = kept != null ? new Fill(KeptMemory.from(kept), kept.size(), p.keptSum(), null, "kept here")
                    : !home && p.key() != null ? Fill.sealed(in, p) : null;
        }
        if (p.kept() != 0) {
            LOG.info("move " + in.id + " of " + in.anima + ": " + (kept == null && fill == null
                    ? "the memory the sender would refer to is not kept here; it sends all of it"
                    : fill != null ? "the domain's memory is filled with the memory " + fill.what() + "; the sender leaves out what it holds"
                    : "the sender refers to the memory kept here"));
        }
        try {
            boolean byContent = p.byContent() && sharedMemory(placed);
            LiveIncoming live = new LiveIncoming(in, LiveSockets.of(in.id).create(), placed, ch, kept, kept != null || fill != null ? p.kept() : 0,
                    fill, byContent);
            if (fill != null && byContent) {
                live.fillOnceStarted();
            }
            return live;
        } catch (IOException | RuntimeException e) {
            ch.close();
            if (kept != null) {
                kept.close();
            }
            if (fill != null) {
                fill.close();
            }
            throw e;
        }
    }

    /**
     * What fills an incoming domain's memory: {@code size} bytes from {@code source}, whose digests' sum the
     * sender gave ({@code sum}); {@code sealed}, if not null, the file it decrypts, closed (and deleted: it
     * is used once) with the move.
     */
    private record Fill(KeptMemory.Source source, long size, String sum, FileChannel sealed, String what) {
        /** The memory this visited host sealed when the anima last went home from here, if it is here and the key opens it. */
        static Fill sealed(Incoming in, LivePrepare p) throws IOException {
            Path f = SealedMemory.file(in.stateDir, in.anima);
            if (!java.nio.file.Files.isRegularFile(f)) {
                return null;
            }
            FileChannel ch = FileChannel.open(f);
            byte[] key = java.util.Base64.getDecoder().decode(p.key());
            try {
                java.util.Optional<SealedMemory.Opened> o = SealedMemory.open(ch, p.kept(), key);
                if (o.isPresent()) {
                    return new Fill(o.get().source(), o.get().size(), p.keptSum(), ch, "sealed here when it last went home");
                }
            } catch (IOException | RuntimeException e) {
                LOG.warning("the sealed memory of " + in.anima + " here does not read (deleted; the sender sends all of it): " + e);
            }
            ch.close();
            SealedMemory.delete(in.stateDir, in.anima);
            return null;
        }

        void close() {
            if (sealed != null) {
                try {
                    sealed.close();
                } catch (IOException e) {
                    LOG.fine("closing sealed memory: " + e);
                }
            }
        }
    }

    /** The tag of the kept memory the sender may refer to (it said so in live-prepare and it is here), or 0. */
    long keptTag() {
        return keptTag;
    }

    /** Whether the domain's memory is filled with the kept memory before its QEMU reads the stream. */
    boolean fills() {
        return fillWith != null;
    }

    /** The domain as its QEMU starts for a migration by content (with this agent's monitor), or null: QEMU's stream carries the memory. */
    String liveXml() {
        return liveXml;
    }

    /** Whether the domain's memory is shared (a memfd), so that this agent can write it. */
    private static boolean sharedMemory(String xml) {
        return "memfd".equals(DomainXml.select(xml, "/domain/memoryBacking/source/@type").orElse(""))
                && "shared".equals(DomainXml.select(xml, "/domain/memoryBacking/access/@mode").orElse(""));
    }

    /** Starts the {@link #fill} on a thread of its own, once; its end. */
    private synchronized java.util.concurrent.CompletableFuture<Void> startFill() {
        if (filling == null) {
            if (closed) {
                return java.util.concurrent.CompletableFuture.failedFuture(new ZosException(ErrorCode.CANCELLED, "the move ended", ""));
            }
            filling = java.util.concurrent.CompletableFuture.runAsync(this::fill, r -> {
                Thread t = new Thread(r, "zos-live-fill");
                t.setDaemon(true);
                t.start();
            });
        }
        return filling;
    }

    /**
     * Memory by content: starts the {@link #fill} as soon as the incoming domain's QEMU runs, on a thread of
     * its own, while libvirt still prepares the domain (0.3-0.4 s of its own commands and checks), instead
     * of once libvirt has answered ({@link #prepared}, which then waits only for what is left of it). QEMU
     * runs once its monitor (this agent's, {@link LiveSockets#monitor}) answers a command: QMP dispatches
     * commands in QEMU's main loop only, after its machine was made and reset, and nothing of QEMU writes the
     * guest's memory after that but the migration, which does not start before {@link #prepared} lets it.
     * It looks every 20 ms for at most {@link #HOLD}, and gives up once the move ended or the fill started.
     */
    private void fillOnceStarted() {
        long t0 = System.nanoTime();
        Thread t = new Thread(() -> {
            java.nio.file.Path monitor = sockets.monitor();
            while (System.nanoTime() - t0 < HOLD.toNanos()) {
                synchronized (this) {
                    if (filling != null || closed) {
                        return;
                    }
                }
                if (java.nio.file.Files.exists(monitor) && org.zos.agent.hypervisor.QemuMonitor.answers(monitor, java.time.Duration.ofSeconds(2))) {
                    java.util.Optional<FileChannel> m = in.held.memory(false);
                    if (m.isPresent()) {
                        try {
                            m.get().close();
                        } catch (IOException e) {
                            LOG.fine("closing the memory: " + e);
                        }
                        LOG.info("move " + in.id + " of " + in.anima + ": its domain's QEMU runs " + (System.nanoTime() - t0) / 1_000_000
                                + " ms after the preparation; its memory is filled while libvirt prepares it");
                        startFill();
                        return;
                    }
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "zos-live-fill-watch");
        t.setDaemon(true);
        t.start();
    }

    /** Waits for the {@link #fill} {@code f}; its failure as the fill's (KeptDiffers unless it was another ZosException). */
    private void awaitFill(java.util.concurrent.CompletableFuture<Void> f) {
        try {
            f.join();
        } catch (java.util.concurrent.CompletionException e) {
            throw e.getCause() instanceof ZosException z ? z : new LiveStream.KeptDiffers("filling the memory of " + in.anima
                    + " failed: " + e.getCause());
        }
    }

    /**
     * Fills the domain's memory with the memory kept here and checks it against the sender's sum: a sender
     * told so leaves out every page that is there already. Anything wrong (the memory cannot be opened,
     * the sums differ) drops the kept memory, so the next try sends all of it, and fails the stream.
     */
    private void fill() {
        long t0 = System.nanoTime();
        try (FileChannel memory = in.held.memory(true).orElseThrow(() -> new LiveStream.KeptDiffers("the memory of " + in.anima
                + "'s incoming domain cannot be opened to fill it"))) {
            String sum = KeptMemory.fill(fillWith.source(), fillWith.size(), memory);
            if (!sum.equals(fillWith.sum())) {
                throw new LiveStream.KeptDiffers("the memory " + fillWith.what() + " of " + in.anima + " is not what " + in.from
                        + " knows of it (its digests' sum is " + sum + ", not " + fillWith.sum() + ")");
            }
            LOG.info(String.format(java.util.Locale.ROOT, "move %d of %s: filled its domain's memory with the %d MiB %s in %d ms",
                    in.id, in.anima, fillWith.size() >> 20, fillWith.what(), (System.nanoTime() - t0) / 1_000_000));
        } catch (IOException | RuntimeException e) {
            LOG.warning("move " + in.id + " of " + in.anima + ": the memory " + fillWith.what() + " cannot be used (" + e.getMessage()
                    + "); it is dropped, so the next try sends all of it");
            if (fillWith.sealed() == null) {
                KeptMemory.drop(in.held.paths().dir());
            } else {
                SealedMemory.delete(in.stateDir, in.anima);
            }
            throw e instanceof LiveStream.KeptDiffers k ? k : new LiveStream.KeptDiffers("filling the memory of " + in.anima
                    + " with the memory " + fillWith.what() + " failed: " + e);
        }
    }

    /**
     * Removes the overlay move {@code in} made, if it is left: its migration did not end here (once the
     * anima runs here, the overlay is folded into the disk). A visitor's is overwritten first.
     */
    static void discard(Incoming in) {
        try {
            in.held.dropOverlay();
        } catch (IOException e) {
            LOG.warning("removing " + in.held.paths().diskTop() + ": " + e);
        }
    }

    /** The domain as it is to run here: what the sender gives its hypervisor as the destination's. */
    String placed() {
        return placed;
    }

    /**
     * libvirt prepared the incoming domain (its QEMU runs, paused, listening for the stream): for memory by
     * content, tells its QEMU to leave the guest's RAM out of the stream (x-ignore-shared, on this agent's
     * monitor), fills the memory with what this host kept (if it does) and opens it for writing, holding the
     * preparation's answer until then; libvirt then goes on with the disk's mirror while the memory stream
     * goes on. The migration's own stream, which stops the guest, waits for the memory stream's end
     * ({@link #awaitMemory}); otherwise the migration fails (the anima runs on at the sender).
     */
    @Override
    public void prepared() throws IOException {
        if (liveXml == null) {
            return;
        }
        long t0 = System.nanoTime();
        org.zos.agent.hypervisor.QemuMonitor.setCapability(sockets.monitor(), "x-ignore-shared", true, java.time.Duration.ofSeconds(10));
        if (fillWith != null) {
            awaitFill(startFill());
        }
        memory = in.held.memory(true).orElseThrow(() -> new ZosException(ErrorCode.INTERNAL, "the memory of " + in.anima
                + "'s incoming domain cannot be opened to write it", "see libvirtd's log on this host"));
        int early = goDirect();
        LOG.info("move " + in.id + " of " + in.anima + ": its domain's memory writable " + (System.nanoTime() - t0) / 1_000_000 + " ms after"
                + " its QEMU started (" + early + " pages that came before written into it); the rest of the memory stream goes straight"
                + " in, and libvirt goes on (the disk's mirror)");
    }

    /**
     * Memory by content: waits (up to {@link #HOLD} for it to open, then as long as it goes on) for the
     * sender's memory stream to have ended whole; the migration's stream, which stops the guest, waits for
     * it. The sender's QEMU connects its migration only then ({@link LivePipe.Listener}'s gate): this is
     * the receiver's own check of it.
     */
    private void awaitMemory() {
        long t0 = System.nanoTime();
        try {
            if (!memoryOpened.await(HOLD.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                throw new ZosException(ErrorCode.HOST_UNREACHABLE, "the memory of " + in.anima + " did not come within "
                        + HOLD.toSeconds() + " s of the incoming domain's start", "the anima runs on at " + in.from);
            }
            copied.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ZosException(ErrorCode.CANCELLED, "interrupted while the memory of " + in.anima + " came", "");
        } catch (java.util.concurrent.ExecutionException e) {
            throw new ZosException(ErrorCode.HOST_UNREACHABLE, "the memory of " + in.anima + " did not come whole: " + e.getCause().getMessage(),
                    "the anima runs on at " + in.from);
        }
        long waited = (System.nanoTime() - t0) / 1_000_000;
        if (waited > 0) {
            LOG.info("move " + in.id + " of " + in.anima + ": the migration connection waited " + waited + " ms for the memory stream's end");
        }
    }

    /**
     * A domain prepared while its disk came (IMPORTING_LIVE): waits until the disk is written whole, before
     * anything that reads it goes on (blocks the disk holds, referred to by a stream; the mirror's writes,
     * which may read the disk under the overlay). libvirt's connection does not wait: QEMU starts meanwhile.
     */
    private void awaitDisk(String kind) {
        java.util.concurrent.CompletableFuture<Void> early = in.diskEarly;
        if (early == null || early.isDone() && !early.isCompletedExceptionally()) {
            return;
        }
        long t0 = System.nanoTime();
        in.awaitWhileHeard(early::isDone, HOLD, "the disk of " + in.anima);
        try {
            early.join();
        } catch (java.util.concurrent.CompletionException | java.util.concurrent.CancellationException e) {
            Throwable why = e.getCause() != null ? e.getCause() : e;
            throw new ZosException(ErrorCode.HOST_UNREACHABLE, "the disk of " + in.anima + " was not written: " + why.getMessage(),
                    "the anima runs on at " + in.from);
        }
        LOG.info("move " + in.id + " of " + in.anima + ": the " + kind + " connection waited " + (System.nanoTime() - t0) / 1_000_000
                + " ms for the disk to be written");
    }

    /** Writes a page of the guest's memory into the incoming domain's (memory by content). */
    private void writeMemory(long at, byte[] page) throws IOException {
        FileChannel m = memory;
        if (m == null) {
            throw new ZosException(ErrorCode.PROTOCOL_ERROR, "a page of memory by content before the incoming domain's memory is ready", "");
        }
        if (!LiveStream.isPage(at, m.size())) {
            throw new ZosException(ErrorCode.PROTOCOL_ERROR, "a page of memory at " + at + ", outside the guest's " + m.size() + " bytes", "");
        }
        KeptMemory.write(m, java.nio.ByteBuffer.wrap(page), at);
    }

    /**
     * A page of the memory stream: into the domain's memory, or, while that cannot be written yet, kept
     * for it (up to {@link #STAGE_BYTES}; then it waits, and the stream with it).
     */
    private void streamPage(long at, byte[] page) throws IOException {
        synchronized (staged) {
            while (!direct && stagedBytes >= STAGE_BYTES) {
                awaitDirect();
            }
            if (!direct) {
                staged.add(new Staged(at, page.clone()));
                stagedBytes += page.length;
                return;
            }
        }
        writeMemory(at, page);
    }

    /** Waits (a while, holding {@link #staged}'s monitor) for {@link #direct}; the move's end ends the wait. */
    private void awaitDirect() throws IOException {
        if (copied.isDone()) {
            throw new ZosException(ErrorCode.CANCELLED, "the move of " + in.anima + " ended", "");
        }
        if (System.nanoTime() - memoryStarted > HOLD.toNanos()) { // waiting: not direct yet
            throw new ZosException(ErrorCode.HOST_UNREACHABLE, "the incoming domain of " + in.anima + " did not start within "
                    + HOLD.toSeconds() + " s", "see libvirtd's log on this host");
        }
        try {
            staged.wait(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ZosException(ErrorCode.CANCELLED, "interrupted while the incoming domain of " + in.anima + " started", "");
        }
    }

    private volatile long memoryStarted;

    /**
     * The domain's memory can be written: what was kept of the stream goes into it, in order, and from now
     * on the stream's pages go straight in; the sender is told (once its stream reads). Returns how many
     * pages were kept.
     */
    private int goDirect() throws IOException {
        int pages;
        synchronized (staged) {
            pages = staged.size();
            for (Staged p : staged) {
                writeMemory(p.at(), p.page());
            }
            staged.clear();
            stagedBytes = 0;
            direct = true;
            staged.notifyAll();
        }
        tellReady();
        return pages;
    }

    /** Writes 'R' to the sender once its stream reads and the pages go straight in: it ends its rounds after that only. */
    private void tellReady() {
        Duplex d;
        synchronized (staged) {
            if (!direct || memoryStream == null || toldReady) {
                return;
            }
            toldReady = true;
            d = memoryStream;
        }
        try {
            d.write(new byte[] {'R'}, 0, 1);
        } catch (IOException e) {
            LOG.fine("telling the sender that the memory is ready: " + e); // the stream's own reading fails too
        }
    }

    /**
     * The sender's memory stream (memory by content): answered at once; its 'W' records go into the
     * domain's memory as soon as it can be written, kept until then; once it ended whole the preparation's
     * answer goes.
     */
    private Responder.Opened memoryStream(LiveOpen o, Duplex stream, Runnable ended) {
        if (liveXml == null) {
            throw new ZosException(ErrorCode.PROTOCOL_ERROR, "a memory stream for a move whose memory goes in QEMU's stream", "");
        }
        memoryOpened.countDown();
        memoryStarted = System.nanoTime();
        LOG.info("move " + in.id + " of " + in.anima + ": writing its domain's memory as " + in.from + " sends it");
        return new Responder.Opened(new LiveReady(o.transfer(), o.kind(), 0), () -> { // on the event loop: the reading on a thread
            Thread t = new Thread(() -> readMemory(stream, ended), "zos-live-memory");
            t.setDaemon(true);
            t.start();
        });
    }

    /** Writes the memory stream's pages into the domain's memory; once it ended whole, the migration's stream may go. */
    private void readMemory(Duplex stream, Runnable ended) {
        long t0 = System.nanoTime();
        synchronized (staged) {
            memoryStream = stream;
        }
        tellReady(); // if the domain's memory was ready first
        try {
            LiveStream.decode(stream.input(), java.io.OutputStream.nullOutputStream(), disk, kept != null ? this::readKept : null,
                    null, new LiveStream.Memory() {
                        @Override
                        public void write(long at, byte[] page) throws IOException {
                            streamPage(at, page);
                        }

                        @Override
                        public void whole(byte[] page) {
                            copiedPages.add(page);
                        }
                    });
            synchronized (staged) { // a sender ends only after 'R'; one that did not would wait here for the domain's memory
                while (!direct) {
                    awaitDirect();
                }
            }
            copied.complete(null);
            LOG.info("move " + in.id + " of " + in.anima + ": its memory written in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        } catch (IOException | RuntimeException e) {
            copied.completeExceptionally(e);
            LOG.warning("move " + in.id + " of " + in.anima + ": its memory stream failed: " + e);
        } finally {
            stream.close();
            ended.run();
        }
    }

    /** Answers {@code live-open}: joins the stream to the local socket of its kind; {@code ended} runs when it closes. */
    Responder.Opened open(LiveOpen o, Duplex stream, Runnable ended) throws IOException {
        LivePipe.Kind kind = LivePipe.Kind.valueOf(o.kind().toUpperCase());
        if (kind == LivePipe.Kind.MEMORY) {
            awaitDisk(o.kind());
            return memoryStream(o, stream, ended);
        }
        if (fillWith != null && kind != LivePipe.Kind.LIBVIRT) {
            // The disks connection comes once libvirt has started the domain's QEMU (its NBD server runs in
            // it), a second or so before the migration's: the fill starts then, and the migration connection
            // waits for it, so no byte reaches QEMU before the memory is filled. On a worker, not the event loop.
            java.util.concurrent.CompletableFuture<Void> f = startFill();
            if (kind == LivePipe.Kind.MIGRATION) {
                long t0 = System.nanoTime();
                boolean done = f.isDone();
                awaitFill(f);
                if (!done) {
                    LOG.info("move " + in.id + " of " + in.anima + ": the migration connection waited " + (System.nanoTime() - t0) / 1_000_000
                            + " ms for the fill");
                }
            }
        }
        if (kind == LivePipe.Kind.MIGRATION && liveXml != null) {
            awaitMemory();
        }
        if (kind != LivePipe.Kind.LIBVIRT) {
            awaitDisk(o.kind());
        }
        Path target = switch (kind) {
            case LIBVIRT -> libvirtd();
            case MIGRATION -> sockets.migration();
            case DISKS -> sockets.disks();
            case MEMORY -> throw new IllegalStateException("no socket");
        };
        Duplex local;
        try {
            local = LivePipe.connect(target);
        } catch (IOException e) {
            throw new ZosException(ErrorCode.INTERNAL, "the live move's " + o.kind() + " connection found nothing at " + target
                    + " (" + e.getMessage() + ")", "see libvirtd's log on this host");
        }
        LOG.info("move " + in.id + " of " + in.anima + ": " + o.kind() + " connection open");
        LibvirtGuard guard = kind == LivePipe.Kind.LIBVIRT ? new LibvirtGuard(this) : null;
        boolean windowed = kind == LivePipe.Kind.MIGRATION && o.window() > 0; // acknowledged as the sender asks
        return new Responder.Opened(new LiveReady(o.transfer(), o.kind(), windowed ? o.window() : 0), () -> LivePipe.receive(kind, stream,
                local, disk, kept != null ? this::readKept : null, guard, windowed,
                liveXml != null && kind == LivePipe.Kind.MIGRATION ? this::writeMemory : null, (figures, failure) -> {
                    if (failure instanceof ZosException z && z.code() == ErrorCode.DENIED) {
                        refused = z;
                    }
                    if (failure instanceof LiveStream.KeptDiffers) { // so that the next try sends all of the memory
                        LOG.warning("move " + in.id + " of " + in.anima + ": the memory kept here is not what " + in.from
                                + " knows of it; it is dropped");
                        KeptMemory.drop(in.held.paths().dir());
                    }
                    ended.run();
                    if (failure != null) {
                        LOG.info("move " + in.id + " of " + in.anima + ": " + o.kind() + " connection ended: " + failure);
                    }
                }));
    }

    /**
     * What this host's guard refused of the sender's libvirt calls, or null. The sender sees only its
     * migration fail as if the link broke, and dials again: the next offer hears this ({@link MoveReceiver}).
     */
    ZosException refused() {
        return refused;
    }

    /** A page of the disk as sent ahead (the disk under the overlay), for a reference: whole, inside the image. */
    private void readKept(long offset, byte[] page) throws IOException {
        KeptMemory.read(kept, offset, page);
    }

    /** The blocks the disk's mirror sent whole, and the pages the memory stream did, kept for the references to them. */
    private final WholeBlocks.Kept mirrored = new WholeBlocks.Kept("the disk's mirror");
    private final WholeBlocks.Kept copiedPages = new WholeBlocks.Kept("the memory by content");
    /** What the sender's references to the disk resolve against: the disk sent ahead (or kept), and the mirror's blocks. */
    private final LiveStream.Disk disk = new LiveStream.Disk() {
        @Override
        public void read(long offset, byte[] page) throws IOException {
            readBase(offset, page);
        }

        @Override
        public void keep(byte[] block) {
            if (!mirrored.add(block)) {
                throw new ZosException(ErrorCode.PROTOCOL_ERROR, "the live migration stream is malformed: more than "
                        + WholeBlocks.MAX + " blocks of the disk's mirror to keep", "");
            }
        }
    };

    private void readBase(long offset, byte[] page) throws IOException {
        if ((offset & LiveStream.MIRRORED) != 0) {
            mirrored.read(offset & ~LiveStream.MIRRORED, page, HOLD);
            return;
        }
        if ((offset & LiveStream.COPIED) != 0) {
            copiedPages.read(offset & ~LiveStream.COPIED, page, HOLD);
            return;
        }
        if (!LiveStream.isPage(offset, base.size())) {
            throw new ZosException(ErrorCode.PROTOCOL_ERROR, "a reference to offset " + offset + ", not a block of the disk image", "");
        }
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(page);
        while (b.hasRemaining()) {
            if (base.read(b, offset + b.position()) < 0) {
                throw new java.io.EOFException("the disk image ended at " + (offset + b.position()));
            }
        }
    }

    @Override
    public String migrateUri() {
        return sockets.migrationUri();
    }

    @Override
    public String disksUri() {
        return sockets.disksUri();
    }

    /**
     * A domain the migration would define here: confined, and everything {@link #PLACED} names as this host
     * placed it; its live definition may have this agent's monitor (memory by content), its persistent one not.
     */
    @Override
    public void domain(String field, String xml) {
        org.zos.agent.hypervisor.DomainConfinement.require(xml, liveXml != null && field.equals("destination_xml") ? sockets.monitor() : null);
        List<String> wants = DomainXml.selectAll(placed, PLACED);
        List<String> gots = DomainXml.selectAll(xml, PLACED);
        for (int i = 0; i < PLACED.size(); i++) {
            if (!wants.get(i).equals(gots.get(i))) {
                throw new ZosException(ErrorCode.DENIED, "the live migration of " + in.anima + " names " + PLACED.get(i) + " '" + gots.get(i)
                        + "', not '" + wants.get(i) + "' as this host placed it", "");
            }
        }
    }

    /**
     * Removes the sockets' directory (the overlay is the anima's: folded once it runs, or discarded with the
     * move). A domain that came by content has x-ignore-shared turned off again, so that its later
     * migrations and saves carry its memory (a save turns it off itself too).
     */
    void close() {
        flusher.interrupt();
        mirrored.end();
        copiedPages.end();
        copied.completeExceptionally(new ZosException(ErrorCode.CANCELLED, "the move ended", "")); // a held answer is not sent
        if (liveXml != null && memory != null) { // x-ignore-shared was turned on
            try {
                org.zos.agent.hypervisor.QemuMonitor.setCapability(sockets.monitor(), "x-ignore-shared", false, java.time.Duration.ofSeconds(5));
            } catch (IOException | RuntimeException e) {
                LOG.info("move " + in.id + " of " + in.anima + ": x-ignore-shared not turned off (" + e.getMessage() + ")");
            }
        }
        FileChannel m = memory;
        if (m != null) {
            try {
                m.close();
            } catch (IOException e) {
                LOG.fine("closing the memory: " + e);
            }
        }
        java.util.concurrent.CompletableFuture<Void> f;
        synchronized (this) {
            closed = true;
            f = filling;
        }
        if (f != null) { // it reads the kept memory closed next
            f.exceptionally(x -> null).join();
        }
        try {
            base.close();
            if (kept != null) {
                kept.close();
            }
            if (fillWith != null) {
                fillWith.close();
            }
            sockets.remove();
        } catch (IOException e) {
            LOG.fine("removing " + sockets.dir() + ": " + e);
        }
    }
}
