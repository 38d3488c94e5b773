package org.zos.agent.hypervisor;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * What zos asks of a hypervisor: {@link LibvirtHypervisor} on a real host, a fake in the move protocol's
 * unit tests (both agents of a move in one JVM). Failures are {@link org.zos.protocol.ZosException}s with
 * the codes {@link LibvirtHypervisor} documents.
 */
public interface Hypervisor extends AutoCloseable {

    /** The accelerator new animas get on this host (KVM where it really runs, TCG otherwise). */
    Accelerator accelerator(Path probeKernel);

    /** Whether the connection to the hypervisor still works. */
    boolean alive();

    String uri();

    /** Defines (persistently) the domain of a spec; ANIMA_EXISTS if one of that name is defined. */
    void define(DomainSpec spec);

    /** Removes a domain's definition, destroying it first if it runs; nothing if it does not exist. */
    void undefine(String name);

    /** The domain's state, {@link DomainState#UNDEFINED} if the hypervisor does not know it. */
    DomainState state(String name);

    void start(String name);

    void pause(String name);

    void resume(String name);

    /** Asks the guest to power off (ACPI); returns at once. */
    void requestShutdown(String name);

    /** Sets the guest's clock through qemu-guest-agent; false if no agent answers in time. */
    boolean setGuestClock(String name, int timeoutSeconds);

    /** Trims the guest's file systems through qemu-guest-agent; false if it cannot. */
    boolean trimGuest(String name, int timeoutSeconds);

    /** Asks qemu-guest-agent to shut the guest down; false if it cannot. Returns at once. */
    boolean shutdownByAgent(String name, int timeoutSeconds);

    /** Stops the domain at once, like pulling the plug. */
    void destroy(String name);

    /** How far the domain's current job (a save, a restore) has come; empty when none runs. */
    Optional<JobProgress> jobProgress(String name);

    /** Bytes a job has processed of its (estimated) total, after {@code elapsedMillis}. */
    record JobProgress(long processed, long total, long elapsedMillis) {
    }

    /** The live (or, when not running, the persistent) XML of a domain. */
    String xml(String name);

    /** A running domain's XML as a live migration carries it (libvirt's migratable form). */
    String migratableXml(String name);

    /** The UNIX socket of a virtio-serial channel of a running domain. */
    Optional<Path> channelSocket(String name, String channel);

    /** Saves a running or paused domain's memory and device state to {@code stateFile} and stops it. */
    void save(String name, Path stateFile);

    /** The domain XML stored in a state file; INTEGRITY_ERROR if it is not a readable save image. */
    String savedXml(Path stateFile);

    /**
     * Restores a saved domain, running or {@code paused}, with the file paths recorded in the state file
     * mapped by {@code paths} to this host's; {@code home} null for an anima at home here.
     */
    void restore(Path stateFile, Map<String, String> paths, boolean paused, String home);

    /**
     * A domain XML from another host as it would run here: DENIED if it asks for more than an anima's
     * domain may, INCOMPATIBLE_HOST if this host cannot give it its CPU; otherwise with this host's
     * emulator, the file paths mapped by {@code paths}, and metadata naming {@code home} (null: at home here).
     */
    String placed(String xml, Map<String, String> paths, String home);

    /**
     * Migrates a running domain live (memory copied while the guest runs, then a short stop; its disks
     * copied too) to the hypervisor at {@link LiveMigration#peerUri}, where it ends paused and persistent;
     * here it is then shut off as migrated ({@link #migratedAway}), until its caller undefines it. Blocks
     * until it is done; returns what it cost. If it fails the guest runs here as before (the hypervisor's
     * own rollback), and the failure says why.
     */
    Migrated migrateLive(String name, LiveMigration migration);

    /**
     * A live migration's cost: the guest's final stop inside the hypervisor (ms; -1 if it does not tell),
     * and how much its CPUs were slowed to make the migration converge (percent; 0: not at all).
     */
    record Migrated(long downtimeMillis, long throttlePercent) {
    }

    /** The numeric statistics of the domain's job under way (libvirt's names, e.g. memory_iteration); empty if none runs. */
    default Map<String, Long> jobStats(String name) {
        return Map.of();
    }

    /** The longest stop the domain's live migration under way may end with. */
    default void setMaxDowntime(String name, long millis) {
    }

    /** The fastest the domain's live migration under way may send its memory (bytes per second, rounded up to MiB/s). */
    default void setMaxSpeed(String name, long bytesPerSecond) {
    }

    /**
     * Whether the domain left this host by a live migration that completed: it is shut off for that
     * reason, or no longer defined (zos undefines it only after such a migration). A domain whose QEMU
     * died is not.
     */
    default boolean migratedAway(String name) {
        return state(name) == DomainState.UNDEFINED;
    }

    /**
     * The running domain's guest memory (its main RAM block, from offset 0), when its memory backing is
     * shared (a memfd): open for reading, or also for writing ({@code write}: only while it is paused). The
     * channel stays valid after the domain's QEMU has ended, until it is closed. Empty if the domain does
     * not run or its memory is not shared.
     */
    default Optional<java.nio.channels.FileChannel> memory(String name, boolean write) {
        return Optional.empty();
    }

    /**
     * Turns one of QEMU's migration capabilities of the running domain on or off (QMP's names, e.g.
     * {@code x-ignore-shared}), one the hypervisor does not manage itself: it keeps its value for the
     * domain's later migrations and saves until it is changed again.
     */
    default void migrationCapability(String name, String capability, boolean on) {
        throw new UnsupportedOperationException("migration capabilities");
    }

    /** Stops a live migration of the domain that is under way: {@link #migrateLive} then fails, the guest runs on here. */
    void abortMigration(String name);

    /**
     * Where a live migration goes: the receiving hypervisor ({@code peerUri}), the UNIX socket URIs its
     * QEMU streams take ({@code migrateUri}, {@code disksUri}: unix:///path), the domain's XML as the
     * receiver will run it (its paths, its metadata) and the longest stop the migration may end with. No
     * bandwidth: a move's cap is the agents', on the bytes they send. {@code persistentXml}: the domain as
     * it is defined there once it runs (the same, unless its QEMU starts with more for the migration).
     */
    record LiveMigration(String peerUri, String migrateUri, String disksUri, String destinationXml, long maxDowntimeMillis,
            String persistentXml) {
        public LiveMigration(String peerUri, String migrateUri, String disksUri, String destinationXml, long maxDowntimeMillis) {
            this(peerUri, migrateUri, disksUri, destinationXml, maxDowntimeMillis, destinationXml);
        }
    }

    /**
     * From now on the running domain writes its disk to a new overlay {@code top} (qcow2, over the disk):
     * the disk as it is now stays unchanged under it, to be sent ahead of a live migration that then
     * copies only the overlay ({@link #migrateLive} sees the chain). {@link #foldDisk} undoes it.
     */
    void divertDisk(String name, Path top);

    /** Makes {@code top}, an empty qcow2 overlay over the disk image {@code under} (replacing one there). */
    void overlay(Path top, Path under);

    /**
     * Where the bytes of the disk a guest sees through overlay {@code top} over raw {@code under} are, in
     * order and whole: read while the guest may write (what it reads is of some moment, not a snapshot).
     */
    java.util.List<Extent> diskMap(Path top, Path under);

    /** {@code length} bytes of a disk from {@code start} on: at {@code offset} of {@code file}, or zeros ({@code file} null). */
    record Extent(long start, long length, Path file, long offset) {
    }

    /**
     * Writes a diverted disk's overlay back into the disk under it and has the domain (running, paused or
     * shut off) use that disk again; the overlay file is then deleted. Nothing if its disk is not diverted.
     */
    void foldDisk(String name);

    /**
     * As {@link #foldDisk}, the overlay's clusters written into the disk in the disk's order: a running
     * domain writes a fresh overlay {@code next} first, the overlay under it is committed into the disk
     * (QEMU's commit of a layer that is not the active one copies one buffer at a time, in order), and the
     * fresh one is folded as {@link #foldDisk} does. A fold by active commit alone appends the overlay's
     * clusters in the order its parallel copies complete, which a later store of the disk cuts otherwise
     * than the same clusters stored in order ({@code disk.writes}).
     */
    default void foldDiskInOrder(String name, Path next) {
        foldDisk(name);
    }

    /** INCOMPATIBLE_HOST if this host cannot give a domain the CPU its XML names. */
    void checkCpu(String domainXml);

    /** Calls {@code listener} for every lifecycle event until the returned handle is closed. */
    AutoCloseable onLifecycle(Consumer<LifecycleEvent> listener);

    @Override
    void close();
}
