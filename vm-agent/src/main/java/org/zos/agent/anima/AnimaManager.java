package org.zos.agent.anima;

import org.zos.store.Durable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.logging.Logger;
import org.zos.agent.hypervisor.Accelerator;
import org.zos.agent.hypervisor.DomainSpec;
import org.zos.agent.hypervisor.DomainState;
import org.zos.agent.hypervisor.DomainXml;
import org.zos.agent.hypervisor.Hypervisor;
import org.zos.agent.hypervisor.SaveImage;
import org.zos.guest.GuestImage;
import org.zos.guest.GuestImageBuilder;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;

/**
 * The life of animas on this host: init, start, suspend (save to a state file), resume (restore), shut
 * down and remove.
 *
 * <p>The one rule: an anima always has exactly one valid, resumable copy. So a suspend writes
 * {@code memory.state.part}, checks its digest, syncs, renames it to {@code memory.state} and only then
 * records the anima as suspended; a resume verifies the digest before restoring and deletes the state file
 * only after libvirt runs the guest again. A process that dies between two of these steps leaves files that
 * {@link #recover} completes the next time anyone touches the anima. Failed operations leave the anima as
 * it was.
 */
public final class AnimaManager {
    private static final Logger LOG = Logger.getLogger(AnimaManager.class.getName());
    private static final long STATE_MARGIN = 64 * DiskSpace.MIB;

    private final Hypervisor hypervisor;
    private final AnimaRegistry registry;
    private final GuestImageBuilder guests;
    /** The animas held for moves now (see {@link #releaseAll}). */
    private final java.util.Set<Held> holding = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Animas still held for what follows their move's answer ({@link Held#closeAfter}): who asks for one waits for it. */
    private final Map<String, java.util.concurrent.CompletableFuture<Void>> settling = new java.util.concurrent.ConcurrentHashMap<>();
    /** How long a command waits for an anima's move to settle before it is told BUSY. */
    static final Duration SETTLE_PATIENCE = Duration.ofSeconds(30);
    /** Work under way that only readies a later command ({@link #yielding}), by anima. */
    private final Map<String, Yielding> yielding = new java.util.concurrent.ConcurrentHashMap<>();
    /** How long a command waits for such work to stop (it stops within one read). */
    static final Duration YIELD_PATIENCE = Duration.ofSeconds(5);

    public AnimaManager(Hypervisor hypervisor, AnimaRegistry registry, GuestImageBuilder guests) {
        this.hypervisor = hypervisor;
        this.registry = registry;
        this.guests = guests;
    }

    /** Creates an anima from the mini guest: its directory, data disk and libvirt domain. It is not started. */
    public AnimaRecord init(String name, int memoryMiB, int vcpus, long diskSizeMiB) {
        return init(name, memoryMiB, vcpus, diskSizeMiB, null, GuestImage.Kind.MINI);
    }

    /**
     * As {@link #init(String, int, int, long)}, from the given guest; the mini guest's data disk may start as a
     * copy of {@code seed} (a directory), the desktop guest's disk is a copy of its root disk, grown to size.
     */
    public AnimaRecord init(String name, int memoryMiB, int vcpus, long diskSizeMiB, Path seed, GuestImage.Kind kind) {
        DomainSpec.checkName(name);
        if (diskSizeMiB < 16 || diskSizeMiB > (16L << 20)) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "a data disk of " + diskSizeMiB + " MiB is out of range",
                    "give between 16 MiB and 16 TiB, e.g. --disk-size 2G");
        }
        AnimaPaths paths = registry.paths(name);
        if (registry.find(name).isPresent() || hypervisor.state(name) != DomainState.UNDEFINED) {
            throw new ZosException(ErrorCode.ANIMA_EXISTS, "anima '" + name + "' already exists on this host",
                    "choose another --name, or remove it first with 'zos-vm remove " + name + " --yes'");
        }
        try {
            Files.createDirectories(paths.dir().getParent());
            DiskSpace.require(paths.dir().getParent(), 64 * DiskSpace.MIB, "a new anima");
            Files.createDirectories(paths.kernel().getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("creating " + paths.dir(), e);
        }
        try (AnimaLock lock = lock(paths, name)) {
            if (seed != null && kind != GuestImage.Kind.MINI) {
                throw new ZosException(ErrorCode.BAD_PARAMETER, "only the mini guest's data disk can start from a directory",
                        "leave out --disk-from, or use --guest mini");
            }
            GuestImage guest = guests.build(kind);
            Files.copy(guest.kernel(), paths.kernel(), StandardCopyOption.REPLACE_EXISTING);
            Files.copy(guest.initrd(), paths.initrd(), StandardCopyOption.REPLACE_EXISTING);
            if (guest.rootDisk() != null) {
                DataDisk.copy(guest.rootDisk(), paths.disk(), diskSizeMiB);
            } else {
                DataDisk.create(paths.disk(), diskSizeMiB, seed);
            }
            Accelerator accel = hypervisor.accelerator(guest.kernel());
            DomainSpec spec = new DomainSpec(name, UUID.randomUUID(), memoryMiB, vcpus, paths.disk(),
                    new DomainSpec.KernelBoot(paths.kernel(), paths.initrd(), guest.cmdline()),
                    paths.consoleLog(), accel, accel == Accelerator.TCG ? "qemu64" : null);
            hypervisor.define(spec);
            AnimaRecord record = new AnimaRecord(AnimaRecord.FORMAT, name, spec.uuid(), memoryMiB, vcpus,
                    diskSizeMiB, guest.key(), guest.kernelPackage(), accel.name().toLowerCase(), Instant.now(),
                    false, null, 0, null, null, null);
            registry.save(record);
            return record;
        } catch (IOException | RuntimeException e) {
            // Nothing of the anima existed before: leave nothing behind.
            if (registry.find(name).isEmpty()) {
                hypervisor.undefine(name);
                deleteTree(paths.dir());
            }
            if (e instanceof IOException io) {
                throw new UncheckedIOException("creating anima " + name, io);
            }
            throw (RuntimeException) e;
        }
    }

    /** Boots a shut-off anima. A suspended one is refused unless {@code discardState} drops its saved memory. */
    public void start(String name, boolean discardState) {
        AnimaPaths paths = registry.paths(name);
        AnimaRecord record = registry.get(name);
        try (AnimaLock lock = lock(paths, name)) {
            record = recover(record);
            requireHere(record);
            DomainState state = hypervisor.state(name);
            if (state.isActive()) {
                throw invalid(name, "is already " + describe(record, state), "");
            }
            if (record.suspended()) {
                if (!discardState) {
                    throw invalid(name, "is suspended with its memory saved",
                            "resume it with 'zos-vm resume " + name + "', or boot it afresh and lose the saved "
                                    + "memory with 'zos-vm start --discard-state " + name + "'");
                }
                registry.save(record.withoutSavedState());
                Files.deleteIfExists(paths.state());
                LOG.info("discarded the saved state of " + name);
            }
            hypervisor.start(name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What a suspend wrote. */
    public record Saved(long bytes, String sha256) {
    }

    /** Saves a running or paused anima's memory to its state file and stops it. */
    public Saved suspend(String name) {
        AnimaPaths paths = registry.paths(name);
        AnimaRecord record = registry.get(name);
        try (AnimaLock lock = lock(paths, name)) {
            return suspendHeld(recover(record));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Saved suspendHeld(AnimaRecord record) throws IOException {
        String name = record.name();
        AnimaPaths paths = registry.paths(name);
        DomainState state = hypervisor.state(name);
        requireHere(record);
        if (record.suspended() || !state.isActive()) {
            throw invalid(name, "is " + describe(record, state), "only a running or paused anima can be suspended");
        }
        DiskSpace.require(paths.dir(), ((long) record.memoryMiB() << 20) + STATE_MARGIN,
                "the state file of anima '" + name + "' (up to its " + record.memoryMiB() + " MiB of memory)");
        Files.deleteIfExists(paths.partialState());
        if (diverted(name, paths)) { // a suspended anima's disk is one file: what a move of it reads and sends
            foldDisk(record);
        }
        try {
            hypervisor.save(name, paths.partialState());
        } catch (RuntimeException e) {
            Files.deleteIfExists(paths.partialState());
            throw e;
        }
        leaveOutZeroPages(name, paths);
        return commitState(record, paths);
    }

    /**
     * Rewrites the state file just saved without the zero pages its restore would only allocate
     * ({@link SaveImage#withoutZeroPages}), before anything digests it: every copy of it, here or where a
     * move takes it, is then that image. If that fails (no room for the copy, say), the image stays as
     * libvirt wrote it, which restores the same, only slower.
     */
    private void leaveOutZeroPages(String name, AnimaPaths paths) {
        long start = System.nanoTime();
        try {
            long left = SaveImage.withoutZeroPages(paths.partialState(), paths.leanState());
            if (left > 0) {
                Files.move(paths.leanState(), paths.partialState(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                LOG.info("the state file of " + name + " without its " + left + " zero pages, in " + (System.nanoTime() - start) / 1_000_000 + " ms");
            }
        } catch (IOException | RuntimeException e) {
            LOG.warning("the state file of " + name + " keeps its zero pages: " + e);
        } finally {
            try {
                Files.deleteIfExists(paths.leanState());
            } catch (IOException e) {
                LOG.fine("removing " + paths.leanState() + ": " + e);
            }
        }
    }

    private void requireHere(AnimaRecord record) {
        if (record.away() != null) {
            throw invalid(record.name(), "is away: it runs on " + record.away(),
                    "work with it there, or bring it home with 'zos-vm return " + record.name() + "'");
        }
    }

    private Saved commitState(AnimaRecord record, AnimaPaths paths) throws IOException {
        String sha;
        if (Files.exists(paths.partialState())) {
            java.util.concurrent.CompletableFuture<String> digest = Sha256.of(paths.partialState()); // while it syncs
            Durable.commit(paths.partialState(), paths.state());
            sha = Sha256.await(digest);
        } else {
            sha = Sha256.file(paths.state());
        }
        long bytes = Files.size(paths.state());
        registry.save(record.withSavedState(sha, bytes, Instant.now()));
        return new Saved(bytes, sha);
    }

    /** Runs a suspended anima again from its state file, or unpauses a paused one. */
    public void resume(String name) {
        AnimaPaths paths = registry.paths(name);
        AnimaRecord record = registry.get(name);
        try (AnimaLock lock = lock(paths, name)) {
            resumeHeld(recover(record));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void resumeHeld(AnimaRecord record) throws IOException {
        String name = record.name();
        AnimaPaths paths = registry.paths(name);
        requireHere(record);
        DomainState state = hypervisor.state(name);
        if (state == DomainState.PAUSED) {
            hypervisor.resume(name);
            setClockSoon(name);
            if (record.suspended()) { // restored paused (a move's receiver): its state file is spent now
                dropStateFile(record, paths);
            }
            return;
        }
        if (!record.suspended()) {
            throw invalid(name, "is " + describe(record, state), "'zos-vm start " + name + "' boots a shut-off anima");
        }
        String actual = Sha256.file(paths.state());
        if (!actual.equals(record.stateSha256())) {
            throw new ZosException(ErrorCode.INTEGRITY_ERROR, "the state file of anima '" + name
                    + "' is damaged (SHA-256 " + actual.substring(0, 12) + "…, expected "
                    + record.stateSha256().substring(0, 12) + "…); the anima stays suspended",
                    "boot it afresh from its disk, losing the saved memory, with 'zos-vm start --discard-state "
                            + name + "'");
        }
        restore(record, paths, false);
        setClockSoon(name);
        dropStateFile(record, paths);
    }

    /**
     * Sets a just-restored guest's clock to this host's (it stands where it was saved), through
     * qemu-guest-agent, on a thread of its own so the anima's downtime does not wait for it. A guest without
     * qemu-guest-agent (the mini guest) is left as it is.
     */
    private void setClockSoon(String name) {
        Thread t = new Thread(() -> {
            for (int attempt = 0; attempt < 5; attempt++) {
                if (hypervisor.setGuestClock(name, 3)) {
                    LOG.info("set the clock of " + name);
                    return;
                }
                if (!hypervisor.state(name).isActive()) {
                    return;
                }
            }
            LOG.fine("the guest of " + name + " has no qemu-guest-agent answering; its clock is its own");
        }, "zos-clock-" + name);
        t.setDaemon(true);
        t.start();
    }

    /** Trims a running guest's file systems (qemu-guest-agent), so freed blocks need not move; false if it cannot. */
    public boolean trim(String name) {
        return hypervisor.state(name).isActive() && hypervisor.trimGuest(name, 20);
    }

    /** Restores the anima from its state file, with the file paths of this host, running or {@code paused}. */
    private void restore(AnimaRecord record, AnimaPaths paths, boolean paused) {
        org.zos.agent.hypervisor.DiskConfinement.require(paths.disk());
        hypervisor.restore(paths.state(), pathsOnThisHost(hypervisor.savedXml(paths.state()), paths), paused, record.home());
    }

    private void dropStateFile(AnimaRecord record, AnimaPaths paths) throws IOException {
        registry.save(record.withoutSavedState());
        if (record.home() != null) {
            scrubLater(paths.state()); // a visitor's memory leaves nothing readable behind
        }
        Files.deleteIfExists(paths.state());
    }

    /** The anima's lock, once what follows its last move's answer is done (if that takes less than {@link #SETTLE_PATIENCE}). */
    private AnimaLock lock(AnimaPaths paths, String name) {
        yieldTo(name);
        java.util.concurrent.CompletableFuture<Void> s = settling.get(name);
        if (s != null) {
            try {
                s.get(SETTLE_PATIENCE.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
                // still held: the lock says BUSY
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return AnimaLock.acquire(paths, name);
    }

    /**
     * Registers work on anima {@code name} that only makes a later command faster and holds nothing of
     * it (storing its disk ahead of its next move while it runs): every command that takes the anima, and
     * {@link #yieldTo}, stops it first and waits for it to end. Empty if such work is under way already.
     */
    public java.util.Optional<Yielding> yielding(String name) {
        Yielding y = new Yielding(name);
        return yielding.putIfAbsent(name, y) == null ? java.util.Optional.of(y) : java.util.Optional.empty();
    }

    /** Stops the {@link #yielding} work on anima {@code name}, if any, and waits (a while) for its end. */
    public void yieldTo(String name) {
        Yielding y = yielding.get(name);
        if (y == null) {
            return;
        }
        y.stop = true;
        try {
            y.over.get(YIELD_PATIENCE.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
            LOG.warning(name + ": work that readies its next move did not stop within " + YIELD_PATIENCE.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Work that yields to every command on its anima ({@link #yielding}); closed once it ended, stopped or not. */
    public final class Yielding implements AutoCloseable {
        private final String name;
        private final java.util.concurrent.CompletableFuture<Void> over = new java.util.concurrent.CompletableFuture<>();
        private volatile boolean stop;

        private Yielding(String name) {
            this.name = name;
        }

        /** Whether a command asked for the anima: the work is to end now. */
        public boolean stopped() {
            return stop;
        }

        @Override
        public void close() {
            yielding.remove(name, this);
            over.complete(null);
        }
    }

    /**
     * Takes an anima of this host for a move: its lock is held until {@link Held#close}, so no other
     * command touches it meanwhile, and every step of the move goes through the handle.
     */
    public Held hold(String name) {
        AnimaPaths paths = registry.paths(name);
        AnimaRecord record = registry.get(name);
        AnimaLock lock = lock(paths, name);
        try {
            return new Held(lock, recover(record));
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
    }

    /**
     * Lets go of every anima held for a move, as the operating system does when the agent's process dies:
     * for a test that plays an agent's crash inside one JVM (the move protocol's unit tests).
     */
    public void releaseAll() {
        for (Held h : List.copyOf(holding)) {
            h.close();
        }
    }

    /** Takes in an anima that comes to visit (its record names its home), held as by {@link #hold}. */
    public Held adopt(AnimaRecord visiting) {
        String name = visiting.name();
        DomainSpec.checkName(name);
        AnimaPaths paths = registry.paths(name);
        if (registry.find(name).isPresent() || hypervisor.state(name) != DomainState.UNDEFINED) {
            throw new ZosException(ErrorCode.ANIMA_EXISTS, "an anima named '" + name + "' exists on this host already",
                    "rename or remove one of them");
        }
        try {
            Files.createDirectories(paths.kernel().getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("creating " + paths.dir(), e);
        }
        AnimaLock lock = lock(paths, name);
        registry.save(visiting);
        return new Held(lock, visiting);
    }

    /** An anima held for a move; see {@link #hold}. */
    public final class Held implements AutoCloseable {
        private final AnimaLock lock;
        private AnimaRecord record;

        private Held(AnimaLock lock, AnimaRecord record) {
            this.lock = lock;
            this.record = record;
            holding.add(this);
        }

        public AnimaRecord record() {
            return record;
        }

        public AnimaPaths paths() {
            return registry.paths(record.name());
        }

        public DomainState state() {
            return hypervisor.state(record.name());
        }

        /** The libvirt domain XML, for the receiving host to check that it can run it. */
        public String domainXml() {
            return hypervisor.xml(record.name());
        }

        /** The domain's memory as its QEMU holds it, if shared (see {@link Hypervisor#memory}). */
        public java.util.Optional<java.nio.channels.FileChannel> memory(boolean write) {
            return hypervisor.memory(record.name(), write);
        }

        /** The domain another host's hypervisor would migrate here live, as it is to run here (see {@link Hypervisor#placed}). */
        public String placed(String xml) {
            org.zos.agent.hypervisor.DiskConfinement.require(paths().disk());
            return hypervisor.placed(xml, pathsOnThisHost(xml, paths()), record.home());
        }

        /** The domain as a live migration carries it. */
        public String migratableXml() {
            return hypervisor.migratableXml(record.name());
        }

        /**
         * Migrates the running anima live (see {@link Hypervisor#migrateLive}): once this returns, it is paused
         * on the other host and its domain here is shut off as migrated, until {@link #forgetMigrated}; if this
         * fails, it runs here as before. Returns the guest's final stop in ms (-1: unknown).
         */
        public Hypervisor.Migrated migrateLive(Hypervisor.LiveMigration m) {
            return hypervisor.migrateLive(record.name(), m);
        }

        /**
         * Undefines the domain that migrated away (its definition is the other host's now). A failure is
         * logged, not thrown: the migration is done, and nothing after it may make it look undone (an agent
         * that starts again reads the same from libvirt's reason, {@link Hypervisor#migratedAway}).
         */
        public void forgetMigrated() {
            try {
                hypervisor.undefine(record.name());
            } catch (RuntimeException e) {
                LOG.severe("the shut-off domain of " + record.name() + ", which migrated away, could not be undefined: " + e.getMessage());
            }
        }

        /**
         * From now on the running anima writes its disk to {@link AnimaPaths#diskTop}, an overlay over the
         * disk, which stays as it is: sent ahead of a live migration that then copies only the overlay.
         */
        public void divertDisk() throws IOException {
            foldDisk(); // one a broken-off move left
            hypervisor.divertDisk(record.name(), paths().diskTop());
        }

        /**
         * The base a live return may send the visitor's overlay over (see {@link DiskBase}): at home, the disk
         * as the anima left it; on the visited host, the disk it received, if it still runs on the overlay over it.
         */
        public java.util.Optional<DiskBase> diskBase() {
            if (record.home() != null && !onBase(record, paths())) {
                return java.util.Optional.empty();
            }
            return DiskBase.read(paths());
        }

        /** Records that the disk file is generation {@code m} of the disk image, until something writes it. */
        public void recordBase(org.zos.store.manifest.Manifest m) throws IOException {
            DiskBase.of(m, paths().disk()).save(paths());
        }

        /** Makes an empty {@link AnimaPaths#diskTop} over the disk: where an incoming live migration copies a diverted disk's overlay. */
        public void overlayDisk() {
            hypervisor.overlay(paths().diskTop(), paths().disk());
        }

        /**
         * The overlay {@link #divertDisk} made is written back into the disk and the anima reads and writes
         * the disk itself again (nothing if its disk is not diverted); a stray overlay is removed.
         */
        public void foldDisk() throws IOException {
            AnimaManager.this.foldDisk(record);
        }

        /**
         * As {@link #foldDisk}, the overlay's clusters written into the disk in the disk's order (see
         * {@code Hypervisor.foldDiskInOrder}): after a return over the disk home kept, so that the disk's next
         * store cuts the visit's writes as its {@code disk.writes} was cut.
         */
        public void foldDiskInOrder() throws IOException {
            AnimaManager.this.foldDisk(record, true);
        }

        /**
         * Removes {@link AnimaPaths#diskTop} if it is left and no domain here reads it (a live move's that
         * did not end with the anima running on it here): a visitor's is overwritten first.
         */
        public void dropOverlay() throws IOException {
            AnimaManager.this.dropOverlay(record);
        }

        /** Asks the hypervisor to stop a live migration of this anima under way (its move failed or was cancelled). */
        public void abortMigration() {
            hypervisor.abortMigration(record.name());
        }

        public Saved suspend() throws IOException {
            Saved saved = suspendHeld(record);
            record = registry.get(record.name());
            return saved;
        }

        public void resume() throws IOException {
            resumeHeld(record);
            record = registry.get(record.name());
        }

        /**
         * A move's receiver: the state file now in place (received, of digest {@code sha256}) is the
         * anima's saved memory; restores it paused, so it runs only once {@link #run} is called.
         */
        public void restorePaused(String sha256, long bytes) throws IOException {
            record = record.withSavedState(sha256, bytes, Instant.now());
            registry.save(record);
            restore(record, paths(), true);
        }

        /**
         * A move's receiver, once the sender let go: runs the anima restored by {@link #restorePaused}
         * (or, if its QEMU is gone, restores it again from its state file, whose digest is checked), and
         * it is here from now on.
         */
        public void run() throws IOException {
            record = record.withAway(null);
            registry.save(record);
            resumeHeld(record);
            record = registry.get(record.name());
        }

        /**
         * A move home that did not happen: stops what was restored of the anima here and drops its state
         * file; it stays away on {@code host}.
         */
        public void stayAway(String host) throws IOException {
            if (hypervisor.state(record.name()).isActive()) {
                hypervisor.destroy(record.name());
            }
            record = record.withoutSavedState().withAway(host);
            registry.save(record);
            Files.deleteIfExists(paths().state());
        }

        /**
         * The anima runs on {@code host} now (the move is decided): this host's saved memory is no longer
         * a copy to resume, though it stays until {@link #letGo} in case {@code host} cannot run it after
         * all ({@link #reclaim}).
         */
        public void away(String host) {
            record = record.withAway(host);
            registry.save(record);
        }

        /** The anima runs on the host it is away on: its saved memory here is deleted. */
        public void letGo() throws IOException {
            dropStateFile(record, paths());
            record = registry.get(record.name());
        }

        /** The host it went to could not run it: it is here again, suspended, to be resumed. */
        public void reclaim() {
            record = record.withAway(null);
            registry.save(record);
        }

        /**
         * Drops this host's copy of a visiting anima: stops its domain if it still exists, overwrites what
         * it wrote (the state file, and {@code written} ranges of the disk, offset and length pairs) and
         * deletes its files.
         */
        public void forget(long[] written) throws IOException {
            String name = record.name();
            AnimaPaths paths = registry.paths(name);
            if (hypervisor.state(name).isActive()) {
                hypervisor.destroy(name);
            }
            hypervisor.undefine(name);
            scrub(paths.state(), null);
            scrub(paths.partialState(), null);
            scrub(paths.leanState(), null);
            scrub(paths.disk(), written);
            Path ahead = paths.disk().resolveSibling(paths.disk().getFileName() + ".incoming");
            scrub(ahead, written);
            scrub(paths.diskTop(), null); // a live move's overlay
            scrub(paths.diskNext(), null);
            scrub(ahead.resolveSibling(ahead.getFileName() + ".part"), null);
            scrub(paths.consoleLog(), null);
            scrubSetAside(paths.dir());
            deleteTree(paths.dir());
        }

        @Override
        public void close() {
            holding.remove(this);
            lock.close();
        }

        /**
         * Does {@code work} on a thread of its own, then lets the anima go: for what a move does once the
         * anima runs (folding its disk's overlay), after the move's answer. A command that asks for the
         * anima meanwhile waits for it (up to {@link #SETTLE_PATIENCE}) rather than being told BUSY.
         */
        public void closeAfter(Runnable work) {
            String name = record.name();
            java.util.concurrent.CompletableFuture<Void> done = new java.util.concurrent.CompletableFuture<>();
            settling.put(name, done);
            Thread t = new Thread(() -> {
                try {
                    work.run();
                } finally {
                    close();
                    settling.remove(name, done);
                    done.complete(null);
                }
            }, "zos-settle-" + name);
            t.start();
        }
    }

    /**
     * Renames a file aside and overwrites it with zeros, then deletes it, on a thread of its own: for a
     * visitor's state file once the anima runs again, so the anima does not wait for it.
     */
    public static void scrubLater(Path file) throws IOException {
        scrubLater(file, null);
    }

    /** As {@link #scrubLater(Path)}, overwriting only {@code ranges} (offset, length pairs; null: all of it). */
    public static void scrubLater(Path file, long[] ranges) throws IOException {
        if (!Files.exists(file)) {
            return;
        }
        Path aside = file.resolveSibling(file.getFileName() + SET_ASIDE);
        Files.move(file, aside, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Thread t = new Thread(() -> {
            try {
                scrub(aside, ranges);
                Files.deleteIfExists(aside);
            } catch (IOException e) {
                LOG.warning("overwriting " + aside + ": " + e);
            }
        }, "zos-scrub");
        t.start();
    }

    /** What a file set aside to be overwritten on a thread of its own ({@link #scrubLater}) is named with. */
    private static final String SET_ASIDE = ".scrub";

    /**
     * Overwrites the files set aside in {@code dir} for {@link #scrubLater} whose thread may not have
     * reached them yet (a commit's memory image split in two, dropped before its thread ran), so deleting
     * the directory cannot remove them unwritten. That thread may remove one meanwhile: no error.
     */
    private static void scrubSetAside(Path dir) throws IOException {
        List<Path> aside;
        try (var files = Files.list(dir)) {
            aside = files.filter(f -> f.getFileName().toString().endsWith(SET_ASIDE)).toList();
        } catch (java.nio.file.NoSuchFileException gone) {
            return;
        }
        for (Path f : aside) {
            try {
                scrub(f, null);
            } catch (java.nio.file.NoSuchFileException gone) {
                // its own thread overwrote and removed it
            }
        }
    }

    /** Overwrites a file (all of it, or the given ranges) with zeros and syncs it, so deleting it leaves no data behind. */
    public static void scrub(Path file, long[] ranges) throws IOException {
        long skipped = org.zos.store.folder.Scrub.file(file, ranges);
        if (skipped > 0) {
            LOG.warning("overwriting " + file + ": " + skipped + " bytes the filesystem could not take (holes on a full disk) "
                    + "left as they were");
        }
    }

    /** Maps the paths a state file recorded to where this host keeps the anima's files. */
    static Map<String, String> pathsOnThisHost(String savedXml, AnimaPaths paths) {
        Map<String, String> map = new java.util.HashMap<>();
        DomainXml.select(savedXml, "/domain/os/kernel").ifPresent(p -> map.put(p, paths.kernel().toString()));
        DomainXml.select(savedXml, "/domain/os/initrd").ifPresent(p -> map.put(p, paths.initrd().toString()));
        Optional<String> under = DomainXml.divertedFrom(savedXml); // a live move's overlay over the disk
        DomainXml.select(savedXml, "/domain/devices/disk[target/@dev='vda']/source/@file")
                .ifPresent(p -> map.put(p, (under.isPresent() ? paths.diskTop() : paths.disk()).toString()));
        under.ifPresent(p -> map.put(p, paths.disk().toString()));
        DomainXml.select(savedXml, "/domain/devices/serial/log/@file")
                .ifPresent(p -> map.put(p, paths.consoleLog().toString()));
        return map;
    }

    /**
     * Shuts a running anima down: asks the guest to power off over its channel (or by ACPI), waits up to
     * {@code timeout}, then stops it hard. Returns true if the guest powered off by itself.
     */
    public boolean shutdown(String name, Duration timeout) {
        AnimaPaths paths = registry.paths(name);
        AnimaRecord record = registry.get(name);
        try (AnimaLock lock = lock(paths, name)) {
            record = recover(record);
            requireHere(record);
            DomainState state = hypervisor.state(name);
            if (!state.isActive()) {
                throw invalid(name, "is " + describe(record, state), "there is nothing to shut down");
            }
            // qemu-guest-agent (the desktop guest), else the zos channel (the mini guest), else ACPI.
            if (!hypervisor.shutdownByAgent(name, 5) && !askGuest(name, "poweroff").filter("ok"::equals).isPresent()) {
                hypervisor.requestShutdown(name);
            }
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                if (!hypervisor.state(name).isActive()) {
                    return true;
                }
                sleep(200);
            }
            LOG.warning(name + " did not power off within " + timeout.toSeconds() + " s; stopping it");
            hypervisor.destroy(name);
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Removes an anima and all its files from this host: its disk and saved state are gone for good. */
    public void remove(String name) {
        AnimaPaths paths = registry.paths(name);
        registry.get(name);
        try (AnimaLock lock = lock(paths, name)) {
            hypervisor.undefine(name);
            deleteTree(paths.dir());
        }
    }

    /** Sends one control request (words, as {@link GuestRequests} reads them); empty if the guest does not run or does not answer. */
    public Optional<String> askGuest(String name, String request) {
        return askGuest(name, request, Duration.ofSeconds(5));
    }

    /** As {@link #askGuest(String, String)}, waiting up to {@code timeout} for the answer. */
    public Optional<String> askGuest(String name, String request, Duration timeout) {
        try {
            return Optional.of(GuestRequests.text(guest(name, timeout).request(GuestRequests.of(request), timeout)));
        } catch (IOException | ZosException e) {
            LOG.fine("guest channel of " + name + ": " + e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * The guest channel of a running anima of this host.
     *
     * @throws ZosException INVALID_STATE when it does not run here
     * @throws IOException when the guest does not answer its channel's hello within {@code timeout}
     */
    public GuestLink guest(String name, Duration timeout) throws IOException {
        Optional<Path> socket = hypervisor.state(name).isActive()
                ? hypervisor.channelSocket(name, DomainSpec.AGENT_CHANNEL) : Optional.empty();
        if (socket.isEmpty()) {
            throw invalid(name, "does not run on this host", "see 'zos-vm status " + name + "'");
        }
        return GuestLink.of(socket.get(), timeout);
    }

    /** Waits until the anima's console shows a heartbeat that {@code test} accepts. */
    public Heartbeat awaitHeartbeat(String name, Predicate<Heartbeat> test, Duration timeout) {
        Path log = registry.paths(name).consoleLog();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<Heartbeat> beat = Heartbeat.last(log).filter(test);
            if (beat.isPresent()) {
                return beat.get();
            }
            sleep(100);
        }
        throw new ZosException(ErrorCode.INTERNAL, "anima '" + name + "' showed no heartbeat within "
                + timeout.toSeconds() + " s", "see its console log " + log);
    }

    /** The status of every anima on this host. */
    public List<AnimaStatus> status() {
        List<AnimaStatus> all = new ArrayList<>();
        for (String name : registry.names()) {
            all.add(status(name));
        }
        return all;
    }

    public AnimaStatus status(String name) {
        AnimaRecord r = registry.get(name);
        DomainState state = hypervisor.state(name);
        String xml = state == DomainState.UNDEFINED ? null : hypervisor.xml(name);
        String vnc = state.isActive() ? DomainXml.select(xml, "/domain/devices/graphics/@port")
                .map(port -> "127.0.0.1:" + port).orElse(null) : null;
        String accel = xml == null ? r.accelerator()
                : Accelerator.ofDomainType(DomainXml.select(xml, "/domain/@type").orElse("qemu")).name().toLowerCase();
        return new AnimaStatus(name, describe(r, state), r.memoryMiB(), r.vcpus(), r.diskSizeMiB(), accel,
                Heartbeat.last(registry.paths(name).consoleLog()).orElse(null),
                r.suspended() ? r.stateBytes() : null, r.savedAt(), vnc);
    }

    /**
     * Completes what a process that died half way left: a finished save not yet recorded, or a restore
     * that ran but whose state file was not yet dropped. Call with the anima's lock held.
     */
    AnimaRecord recover(AnimaRecord record) throws IOException {
        AnimaPaths paths = registry.paths(record.name());
        DomainState state = hypervisor.state(record.name());
        boolean saveOnDisk = Files.exists(paths.partialState()) || Files.exists(paths.state());
        if (record.away() == null && !record.suspended() && state == DomainState.SHUT_OFF && saveOnDisk) {
            Path file = Files.exists(paths.partialState()) ? paths.partialState() : paths.state();
            hypervisor.savedXml(file); // a readable save image, or INTEGRITY_ERROR
            LOG.warning("recovering " + record.name() + ": a save finished but was not recorded; recording it");
            commitState(record, paths);
            return registry.get(record.name());
        }
        if (record.suspended() && state.isActive() && state != DomainState.PAUSED) { // paused: restored by a move, awaiting its go
            LOG.warning("recovering " + record.name() + ": it runs again; dropping its old state file");
            registry.save(record.withoutSavedState());
            Files.deleteIfExists(paths.state());
            return registry.get(record.name());
        }
        if (state.isActive() && Files.exists(paths.partialState())) {
            Files.delete(paths.partialState()); // a save that failed; the anima kept running
        }
        Files.deleteIfExists(paths.leanState()); // a rewrite of a save cut short: the save itself is whole

        if (Files.exists(paths.diskTop()) && state.isActive() && state != DomainState.PAUSED && onBase(record, paths)) {
            LOG.fine(record.name() + " visits on the overlay its live move made over the disk it received: kept for its return");
        } else if ((Files.exists(paths.diskTop()) || Files.exists(paths.diskNext())) && state != DomainState.PAUSED) { // paused: a move's, awaiting its go
            if (state == DomainState.SHUT_OFF && hypervisor.migratedAway(record.name())) {
                // Its live migration completed before the agent stopped: the receiver holds it, paused, and
                // the move's own recovery decides (a fold would define the domain anew, and libvirt would
                // forget why it was shut off: the move would take it for one that stayed here, and drop the
                // receiver's).
                LOG.info("recovering " + record.name() + ": its live migration completed; its overlay stays for the move's end");
            } else {
                LOG.warning("recovering " + record.name() + ": a live move broke off with its disk diverted; folding it back");
                try {
                    foldDisk(record);
                } catch (RuntimeException e) {
                    LOG.warning("the disk of " + record.name() + " stays on its overlay for now: " + e.getMessage());
                }
            }
        }
        return record;
    }

    /**
     * Whether visitor {@code record} runs on an overlay over the disk it received, kept so: its domain's disk
     * is diverted from its disk file, and that file is still the {@link DiskBase} recorded.
     */
    private boolean onBase(AnimaRecord record, AnimaPaths paths) {
        return record.home() != null && diverted(record.name(), paths) && DiskBase.read(paths).isPresent();
    }

    /** Whether the domain of {@code name} reads and writes an overlay over its disk file. */
    private boolean diverted(String name, AnimaPaths paths) {
        return hypervisor.state(name) != DomainState.UNDEFINED
                && DomainXml.divertedFrom(hypervisor.xml(name)).filter(p -> Path.of(p).equals(paths.disk())).isPresent();
    }

    /** See {@link Held#foldDisk}. */
    private void foldDisk(AnimaRecord record) throws IOException {
        foldDisk(record, false);
    }

    /** See {@link Held#foldDisk}, and {@link Held#foldDiskInOrder} if {@code inOrder}. */
    private void foldDisk(AnimaRecord record, boolean inOrder) throws IOException {
        AnimaPaths paths = registry.paths(record.name());
        if (diverted(record.name(), paths)) {
            DiskBase.drop(paths); // the disk is written from here on
        }
        if (inOrder) {
            hypervisor.foldDiskInOrder(record.name(), paths.diskNext());
        } else {
            hypervisor.foldDisk(record.name());
        }
        dropOverlay(record); // one no domain reads: a move's that broke off
    }

    /** See {@link Held#dropOverlay}. */
    private void dropOverlay(AnimaRecord record) throws IOException {
        AnimaPaths paths = registry.paths(record.name());
        for (Path top : List.of(paths.diskTop(), paths.diskNext())) {
            if (record.home() != null) {
                scrub(top, null);
            }
            Files.deleteIfExists(top);
        }
    }

    private static String describe(AnimaRecord record, DomainState state) {
        if (record.away() != null) {
            return "away";
        }
        if (state == DomainState.UNDEFINED) {
            return "missing";
        }
        if (record.suspended() && !state.isActive()) {
            return "suspended";
        }
        return state.name().toLowerCase().replace('_', ' ');
    }

    private static ZosException invalid(String name, String what, String hint) {
        return new ZosException(ErrorCode.INVALID_STATE, "anima '" + name + "' " + what, hint);
    }

    /** A guest this host has built already whose key is {@code key} (nothing is built); empty if none. */
    public Optional<GuestImage> builtGuest(String key) {
        return guests == null ? Optional.empty() : guests.find(key);
    }

    /** Deletes a directory tree, if it exists (a file another thread removes meanwhile is no error). */
    public static void deleteTree(Path dir) {
        try {
            org.zos.store.folder.Scrub.remove(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("removing " + dir, e);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ZosException(ErrorCode.INTERNAL, "interrupted", "");
        }
    }
}
