package org.zos.agent.hypervisor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.logging.Logger;
import org.libvirt.Domain;
import org.libvirt.Error.ErrorNumber;
import org.libvirt.Library;
import org.libvirt.LibvirtException;
import org.libvirt.event.LifecycleListener;
import org.libvirt.jna.DomainPointer;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;

/**
 * The only code in zos that talks to libvirt. It defines anima domains from a {@link DomainSpec}, starts,
 * pauses, resumes, shuts down and destroys them, saves a running domain to a state file and restores it
 * (with the paths in its XML rewritten for this host), reports states and forwards lifecycle events.
 *
 * <p>Failures come out as {@link ZosException}s: a libvirtd that cannot be reached is
 * {@link ErrorCode#HYPERVISOR_UNAVAILABLE}, a domain that does not exist {@link ErrorCode#ANIMA_NOT_FOUND},
 * a damaged state file {@link ErrorCode#INTEGRITY_ERROR}, an incompatible CPU
 * {@link ErrorCode#INCOMPATIBLE_HOST}; anything else libvirt reports is {@link ErrorCode#INTERNAL} with
 * libvirt's own message.
 */
public final class LibvirtHypervisor implements Hypervisor {
    private static final Logger LOG = Logger.getLogger(LibvirtHypervisor.class.getName());
    private static final int XML_INACTIVE = 2;
    private static boolean eventLoopStarted;

    private final String uri;
    private final LibvirtConnection conn;
    private Accelerator accelerator;

    private LibvirtHypervisor(String uri, LibvirtConnection conn) {
        this.uri = uri;
        this.conn = conn;
    }

    /**
     * Connects to libvirtd.
     *
     * @param uri a libvirt URI, e.g. {@code qemu:///system}
     * @throws ZosException HYPERVISOR_UNAVAILABLE if libvirtd does not answer
     */
    public static LibvirtHypervisor connect(String uri) {
        startEventLoop();
        try {
            return new LibvirtHypervisor(uri, new LibvirtConnection(uri));
        } catch (LibvirtException e) {
            throw new ZosException(ErrorCode.HYPERVISOR_UNAVAILABLE, "cannot connect to libvirt at " + uri + ": "
                    + e.getError().getMessage(), "start libvirtd ('scripts/setup-host' does) or check --connect");
        }
    }

    /** libvirt delivers events only to a process that runs its event loop: one daemon thread per JVM. */
    private static synchronized void startEventLoop() {
        if (eventLoopStarted) {
            return;
        }
        LibvirtNative.INSTANCE.virSetErrorFunc(null, LibvirtNative.SILENT);
        try {
            Library.initEventLoop();
        } catch (LibvirtException e) {
            throw new ZosException(ErrorCode.INTERNAL, "libvirt event loop: " + e.getMessage(), "");
        }
        Thread loop = new Thread(() -> {
            try {
                Library.runEventLoop();
            } catch (LibvirtException | InterruptedException e) {
                LOG.fine("libvirt event loop ended: " + e);
            }
        }, "libvirt-events");
        loop.setDaemon(true);
        loop.start();
        eventLoopStarted = true;
    }

    /**
     * The accelerator new animas get on this host: KVM if libvirt offers it and it really boots
     * {@code probeKernel}, TCG otherwise (see {@link AcceleratorProbe}). Decided once per process.
     */
    @Override
    public synchronized Accelerator accelerator(Path probeKernel) {
        if (accelerator == null) {
            String caps = call(conn::getCapabilities, "read capabilities");
            accelerator = AcceleratorProbe.detect(caps, uri.startsWith("qemu:///"), probeKernel);
        }
        return accelerator;
    }

    /** Whether the connection to libvirtd still works (libvirtd may have restarted since). */
    @Override
    public boolean alive() {
        try {
            return conn.isAlive();
        } catch (LibvirtException e) {
            return false;
        }
    }

    /** The URI this hypervisor is connected to. */
    @Override
    public String uri() {
        return uri;
    }

    /**
     * Defines (persistently) the domain of a spec.
     *
     * @throws ZosException ANIMA_EXISTS if a domain of that name is already defined
     */
    @Override
    public void define(DomainSpec spec) {
        if (state(spec.name()) != DomainState.UNDEFINED) {
            throw new ZosException(ErrorCode.ANIMA_EXISTS, "libvirt already has a domain named '" + spec.name() + "'",
                    "choose another name, or remove it with 'virsh undefine " + spec.name() + "'");
        }
        call(() -> conn.domainDefineXML(DomainXml.of(spec)), "define " + spec.name());
    }

    /** Removes a domain's definition; destroys it first if it runs. Nothing happens if it does not exist. */
    @Override
    public void undefine(String name) {
        DomainState s = state(name);
        if (s == DomainState.UNDEFINED) {
            return;
        }
        Domain d = domain(name);
        if (s.isActive()) {
            call(() -> { d.destroy(); return null; }, "destroy " + name);
        }
        call(() -> { d.undefine(); return null; }, "undefine " + name);
    }

    /** The domain's state, {@link DomainState#UNDEFINED} if libvirt does not know it. */
    @Override
    public DomainState state(String name) {
        try {
            return DomainState.of(conn.domainLookupByName(name).getInfo().state);
        } catch (LibvirtException e) {
            if (e.getError().getCode() == ErrorNumber.VIR_ERR_NO_DOMAIN) {
                return DomainState.UNDEFINED;
            }
            throw internal("state of " + name, e);
        }
    }

    /**
     * Starts a defined domain. If a KVM domain cannot start because KVM does not work here, it is redefined
     * for TCG and started again (logged), so an anima always runs where QEMU can run it.
     */
    @Override
    public void start(String name) {
        Domain d = domain(name);
        try {
            d.create();
        } catch (LibvirtException e) {
            String msg = e.getError().getMessage();
            String xml = call(() -> d.getXMLDesc(XML_INACTIVE), "read " + name);
            if (msg != null && msg.toLowerCase().contains("kvm") && xml.startsWith("<domain type='kvm'")) {
                LOG.warning("KVM failed for " + name + " (" + msg + "); falling back to TCG");
                call(() -> conn.domainDefineXML(xml.replaceFirst("<domain type='kvm'", "<domain type='qemu'")),
                        "redefine " + name);
                call(() -> domain(name).create(), "start " + name);
                return;
            }
            throw internal("start " + name, e);
        }
    }

    @Override
    public void pause(String name) {
        call(() -> { domain(name).suspend(); return null; }, "pause " + name);
    }

    @Override
    public void resume(String name) {
        call(() -> { domain(name).resume(); return null; }, "resume " + name);
    }

    /** Asks the guest to power off (ACPI); returns at once. */
    @Override
    public void requestShutdown(String name) {
        call(() -> { domain(name).shutdown(); return null; }, "shut down " + name);
    }

    /**
     * Sets the guest's clock to this host's through qemu-guest-agent: after a restore the guest's clock
     * stands where it was saved. False, with the reason logged, when the guest has no agent answering
     * within {@code timeoutSeconds} (the mini guest has none).
     */
    @Override
    public boolean setGuestClock(String name, int timeoutSeconds) {
        // The time is taken before the call and lands in the guest some time later (a just-resumed guest,
        // a busy host), so the guest's clock is read back and, while it is off by more than CLOCK_SLACK,
        // set again ahead by what it lagged.
        long aheadNanos = 0;
        for (int attempt = 0; attempt < 5; attempt++) {
            java.time.Instant at = java.time.Instant.now().plusNanos(aheadNanos);
            if (!agentCall(name, timeoutSeconds, "set the clock of", dp -> LibvirtNative.INSTANCE.virDomainSetTime(dp,
                    at.getEpochSecond(), at.getNano(), 0))) {
                return false;
            }
            long skew = guestClockSkewNanos(name, timeoutSeconds);
            if (skew == Long.MIN_VALUE) {
                return true; // set, and it cannot be read back: as good as it gets
            }
            if (Math.abs(skew) <= CLOCK_SLACK_NANOS) {
                return true;
            }
            LOG.info("the clock of " + name + " is " + skew / 1_000_000 + " ms off after it was set; setting it again");
            aheadNanos -= skew;
        }
        return true;
    }

    /** How far a guest's clock may be from this host's after it is set. */
    private static final long CLOCK_SLACK_NANOS = 250_000_000L;

    /**
     * The guest's clock minus this host's in nanoseconds, taken at the middle of the call that read it;
     * {@code Long.MIN_VALUE} if it cannot be read, or the call took too long for the figure to mean much.
     */
    private long guestClockSkewNanos(String name, int timeoutSeconds) {
        com.sun.jna.ptr.LongByReference seconds = new com.sun.jna.ptr.LongByReference();
        com.sun.jna.ptr.IntByReference nanos = new com.sun.jna.ptr.IntByReference();
        long t0 = System.currentTimeMillis();
        if (!agentCall(name, timeoutSeconds, "read the clock of", dp -> LibvirtNative.INSTANCE.virDomainGetTime(dp,
                seconds, nanos, 0))) {
            return Long.MIN_VALUE;
        }
        long t1 = System.currentTimeMillis();
        if (t1 - t0 > 2 * CLOCK_SLACK_NANOS / 1_000_000) {
            return Long.MIN_VALUE;
        }
        long guest = seconds.getValue() * 1_000_000_000L + nanos.getValue();
        return guest - (t0 + t1) / 2 * 1_000_000L;
    }

    /** Trims the guest's file systems through qemu-guest-agent (freed blocks read as zeros after); false if it cannot. */
    @Override
    public boolean trimGuest(String name, int timeoutSeconds) {
        return agentCall(name, timeoutSeconds, "trim", dp -> LibvirtNative.INSTANCE.virDomainFSTrim(dp, null, 0, 0));
    }

    /** Asks qemu-guest-agent to shut the guest down cleanly; false if it cannot. Returns at once. */
    @Override
    public boolean shutdownByAgent(String name, int timeoutSeconds) {
        return agentCall(name, timeoutSeconds, "shut down", dp -> LibvirtNative.INSTANCE.virDomainShutdownFlags(dp,
                LibvirtNative.VIR_DOMAIN_SHUTDOWN_GUEST_AGENT));
    }

    private boolean agentCall(String name, int timeoutSeconds, String what, java.util.function.ToIntFunction<DomainPointer> call) {
        DomainPointer dp = LibvirtNative.INSTANCE.virDomainLookupByName(conn.pointer(), name);
        if (dp == null) {
            return false;
        }
        try {
            LibvirtNative.INSTANCE.virDomainAgentSetResponseTimeout(dp, timeoutSeconds, 0);
            if (call.applyAsInt(dp) != 0) {
                LOG.fine("could not " + what + " " + name + " through qemu-guest-agent: " + lastError());
                return false;
            }
            return true;
        } finally {
            LibvirtNative.INSTANCE.virDomainFree(dp);
        }
    }

    /** Stops the domain at once, like pulling the plug. */
    @Override
    public void destroy(String name) {
        call(() -> { domain(name).destroy(); return null; }, "destroy " + name);
    }

    /**
     * How far the domain's current job (a save, a restore) has come, in bytes; empty when no job runs or
     * libvirt cannot tell. Safe to call from another thread while {@link #save} runs.
     */
    @Override
    public Optional<JobProgress> jobProgress(String name) {
        try {
            org.libvirt.DomainJobInfo job = conn.domainLookupByName(name).getJobInfo();
            return job.getType() == 0 || job.getDataTotal() == 0 ? Optional.empty()
                    : Optional.of(new JobProgress(job.getDataProcessed(), job.getDataTotal(),
                            job.getTimeElapsed()));
        } catch (LibvirtException e) {
            return Optional.empty();
        }
    }


    /** The live (or, when not running, the persistent) XML of a domain. */
    @Override
    public String xml(String name) {
        return call(() -> domain(name).getXMLDesc(0), "read " + name);
    }

    /** A running domain's XML in the form a migration carries (VIR_DOMAIN_XML_MIGRATABLE). */
    @Override
    public String migratableXml(String name) {
        return DomainXml.withoutMonitor(call(() -> domain(name).getXMLDesc(8), "read " + name));
    }

    /** The UNIX socket libvirt made for a virtio-serial channel of a running domain. */
    @Override
    public Optional<Path> channelSocket(String name, String channel) {
        return DomainXml.select(xml(name),
                "/domain/devices/channel[target/@name='" + channel + "']/source/@path").map(Path::of);
    }

    /**
     * Saves a running or paused domain's memory and device state to {@code stateFile} and stops it. The
     * state file records that the guest was running, so a restore resumes it running. If the save fails,
     * libvirt leaves the domain running.
     */
    @Override
    public void save(String name, Path stateFile) {
        domain(name); // ANIMA_NOT_FOUND before anything else
        // QEMU saves through its migration code: with x-ignore-shared on (a move by content that broke off
        // where it could not turn it off), the guest's RAM would be left out of the file.
        try {
            migrationCapability(name, "x-ignore-shared", false);
        } catch (RuntimeException | LinkageError e) {
            LOG.warning("could not make sure that QEMU saves the memory of " + name + " (x-ignore-shared off): " + e);
        }
        String live = call(() -> domain(name).getXMLDesc(8), "read " + name); // migratable: what a save image may be given
        String dxml = DomainXml.withoutMonitor(live); // a monitor of a move's is not restored with it
        DomainPointer dp = LibvirtNative.INSTANCE.virDomainLookupByName(conn.pointer(), name);
        try {
            if (LibvirtNative.INSTANCE.virDomainSaveFlags(dp, stateFile.toString(), dxml.equals(live) ? null : dxml,
                    LibvirtNative.VIR_DOMAIN_SAVE_RUNNING) != 0) {
                throw new ZosException(ErrorCode.INTERNAL, "saving " + name + " failed: " + lastError(),
                        "the anima is still running");
            }
        } finally {
            LibvirtNative.INSTANCE.virDomainFree(dp);
        }
    }

    /**
     * Migrates a running domain live, peer to peer: this host's libvirtd dials {@code peerUri} itself, QEMU's
     * memory stream and its disks' NBD copy go to the UNIX sockets of the URIs; the guest runs meanwhile
     * (auto-converge slows a guest that dirties memory faster than the link takes it), stops for at most
     * {@code maxDowntimeMillis} at the end, and is left paused and persistent there. Here the domain is
     * then shut off ("migrated"): its finished job's statistics are read (QEMU's downtime) before it is
     * undefined.
     */
    @Override
    public Migrated migrateLive(String name, LiveMigration m) {
        domain(name); // ANIMA_NOT_FOUND before anything else
        DomainPointer dp = LibvirtNative.INSTANCE.virDomainLookupByName(conn.pointer(), name);
        Migrated done;
        try {
            if (LibvirtNative.INSTANCE.virDomainMigrateSetMaxDowntime(dp, m.maxDowntimeMillis(), 0) != 0) {
                LOG.warning("could not set the longest stop of " + name + "'s migration: " + lastError());
            }
            TypedParams p = new TypedParams().string("migrate_uri", m.migrateUri()).string("disks_uri", m.disksUri())
                    .string("migrate_disks", "vda").string("destination_xml", m.destinationXml())
                    .string("persistent_xml", m.persistentXml());
            // A disk diverted to an overlay (divertDisk) copies only the overlay: the target holds the disk under it.
            int disks = DomainXml.divertedFrom(xml(name)).isPresent() ? LibvirtNative.VIR_MIGRATE_NON_SHARED_INC
                    : LibvirtNative.VIR_MIGRATE_NON_SHARED_DISK;
            int flags = LibvirtNative.VIR_MIGRATE_LIVE | LibvirtNative.VIR_MIGRATE_PEER2PEER | disks
                    | LibvirtNative.VIR_MIGRATE_PERSIST_DEST | LibvirtNative.VIR_MIGRATE_PAUSED | LibvirtNative.VIR_MIGRATE_AUTO_CONVERGE;
            if (LibvirtNative.INSTANCE.virDomainMigrateToURI3(dp, m.peerUri(), p.pointer(), p.count(), flags) != 0) {
                boolean unreachable = LibvirtNative.lastErrorDomain() == LibvirtNative.VIR_FROM_RPC; // the link to the peer
                String why = lastError();
                throw new ZosException(unreachable ? ErrorCode.HOST_UNREACHABLE : ErrorCode.INTERNAL,
                        "the live migration of " + name + " failed: " + why, "the anima runs here as before");
            }
            Map<String, Long> job = jobStats(dp, LibvirtNative.VIR_DOMAIN_JOB_STATS_COMPLETED);
            LOG.info("the live migration of " + name + ": " + new java.util.TreeMap<>(job));
            done = new Migrated(job.getOrDefault("downtime", -1L), job.getOrDefault("auto_converge_throttle", 0L));
        } finally {
            LibvirtNative.INSTANCE.virDomainFree(dp);
        }
        return done;
    }

    /** virDomainSnapshotCreateFlags NO_METADATA | DISK_ONLY | ATOMIC: an overlay and nothing else, all disks or none. */
    private static final int DIVERT = 4 | 16 | 128;
    /** virDomainBlockCommitFlags ACTIVE, virDomainBlockJobAbortFlags PIVOT. */
    private static final int COMMIT_ACTIVE = 4;
    private static final int PIVOT = 2;

    @Override
    public void divertDisk(String name, Path top) {
        Domain d = domain(name);
        String snapshot = "<domainsnapshot><disks><disk name='vda' snapshot='external' type='file'><driver type='qcow2'/>"
                + "<source file='" + top + "'/></disk></disks></domainsnapshot>";
        call(() -> { d.snapshotCreateXML(snapshot, DIVERT).free(); return null; }, "divert the disk of " + name + " to " + top);
    }

    @Override
    public void overlay(Path top, Path under) {
        qemuImg("create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", under.toString(), top.toString());
    }

    @Override
    public java.util.List<Extent> diskMap(Path top, Path under) {
        return map(top, under);
    }

    /** See {@link Hypervisor#diskMap}: as {@code qemu-img map} gives it (without a lock: the guest may be writing it). */
    public static java.util.List<Extent> map(Path top, Path under) {
        String out;
        try {
            out = Commands.run(java.util.List.of("qemu-img", "map", "-U", "--output=json", top.toString()), java.time.Duration.ofMinutes(1));
        } catch (java.io.IOException e) { // interrupted
            throw new ZosException(ErrorCode.CANCELLED, "interrupted while mapping " + top, "");
        }
        java.util.List<Extent> map = new java.util.ArrayList<>();
        try {
            for (com.fasterxml.jackson.databind.JsonNode e : new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                    out.substring(Math.max(0, out.indexOf('['))))) {
                long start = e.path("start").asLong();
                long length = e.path("length").asLong();
                int depth = e.path("depth").asInt();
                if (!e.path("data").asBoolean()) {
                    map.add(new Extent(start, length, null, 0));
                } else if (depth > 1 || !e.has("offset")) {
                    throw new ZosException(ErrorCode.INTERNAL, "the disk " + top + " is not an overlay over one raw image"
                            + " with its data in place (" + e + ")", "");
                } else {
                    map.add(new Extent(start, length, depth == 0 ? top : under, e.path("offset").asLong()));
                }
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ZosException(ErrorCode.INTERNAL, "qemu-img map " + top + " said: " + out, "");
        }
        return map;
    }

    @Override
    public void foldDiskInOrder(String name, Path next) {
        DomainState s = state(name);
        String xml = s.isActive() ? xml(name) : null;
        Optional<String> under = xml == null ? Optional.empty() : DomainXml.divertedFrom(xml);
        if (under.isEmpty()) {
            foldDisk(name);
            return;
        }
        Path top = Path.of(DomainXml.select(xml, "/domain/devices/disk[target/@dev='vda']/source/@file").orElseThrow());
        Domain d = domain(name);
        long t0 = System.nanoTime();
        divertDisk(name, next);
        call(() -> { d.blockCommit("vda", under.get(), top.toString(), 0, 0); return null; }, "commit the overlay of " + name);
        followBlockJob(d, "follow the commit of " + name, "committing the overlay of " + name,
                "the overlay " + top + " of " + name + " could not be committed in 10 minutes",
                "see libvirtd's log; the anima runs on its overlays meanwhile", j -> j == null || j.type == 0);
        if (DomainXml.divertedFrom(xml(name)).filter(p -> !p.equals(under.get())).isPresent()) {
            throw new ZosException(ErrorCode.INTERNAL, "the commit of " + top + " into the disk of " + name + " ended before it was done",
                    "see libvirtd's log; the anima runs on its overlays meanwhile");
        }
        try {
            java.nio.file.Files.deleteIfExists(top);
        } catch (java.io.IOException e) {
            LOG.warning("removing " + top + ": " + e);
        }
        LOG.info("committed the overlay of " + name + " into its disk in order in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        foldDisk(name);
    }

    @Override
    public void foldDisk(String name) {
        DomainState s = state(name);
        if (s == DomainState.UNDEFINED) {
            return;
        }
        String xml = xml(name);
        Optional<String> under = DomainXml.divertedFrom(xml);
        if (under.isEmpty()) {
            return;
        }
        Path top = Path.of(DomainXml.select(xml, "/domain/devices/disk[target/@dev='vda']/source/@file").orElseThrow());
        Domain d = domain(name);
        long t0 = System.nanoTime();
        if (s.isActive()) {
            // An active commit copies the overlay into the disk under it while the guest runs, then waits,
            // mirroring new writes, until it is told to pivot: from then on the guest writes the disk itself.
            call(() -> { d.blockCommit("vda", null, null, 0, COMMIT_ACTIVE); return null; }, "fold the disk of " + name);
            followBlockJob(d, "follow the fold of " + name, "folding the disk of " + name, "the disk of " + name
                    + " could not be folded back from " + top + " in 10 minutes", "see libvirtd's log; the anima runs on the overlay meanwhile",
                    j -> {
                        if (j == null || j.type == 0) { // no job (any more)
                            if (DomainXml.divertedFrom(xml(name)).isEmpty()) {
                                return true;
                            }
                            throw new ZosException(ErrorCode.INTERNAL, "the fold of " + name + "'s disk from " + top + " ended before it"
                                    + " was done", "see libvirtd's log; the anima runs on the overlay meanwhile");
                        }
                        if (j.cur == j.end) {
                            try {
                                d.blockJobAbort("vda", PIVOT);
                                return true;
                            } catch (LibvirtException e) {
                                LOG.fine("the fold of " + name + " is not ready to pivot yet: " + e.getMessage());
                            }
                        }
                        return false;
                    });
        } else {
            qemuImg("commit", "-f", "qcow2", top.toString());
        }
        // The definition the domain has when it next starts reads the disk itself too: the one the guest
        // reads now (the bottom of the chain, however many layers its definition still names).
        String inactive = call(() -> d.getXMLDesc(XML_INACTIVE), "read " + name);
        String bottom = s.isActive() ? DomainXml.select(xml(name), "/domain/devices/disk[target/@dev='vda']/source/@file").orElse(null)
                : under.get();
        if (DomainXml.divertedFrom(inactive).isPresent() || bottom != null
                && !bottom.equals(DomainXml.select(inactive, "/domain/devices/disk[target/@dev='vda']/source/@file").orElse(bottom))) {
            call(() -> conn.domainDefineXML(bottom != null ? DomainXml.onDisk(inactive, bottom) : DomainXml.undiverted(inactive)),
                    "define " + name + " on its folded disk");
        }
        try {
            java.nio.file.Files.deleteIfExists(top);
        } catch (java.io.IOException e) {
            LOG.warning("removing " + top + ": " + e);
        }
        LOG.info("folded the disk of " + name + " back from " + top.getFileName() + " in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
    }

    /**
     * Polls the block job on the disk of {@code d} every 20 ms until {@code over} says it is (given the job,
     * null or of type 0 once there is none), for up to 10 minutes; then INTERNAL with {@code late} and
     * {@code hint}. {@code following} names the poll in a libvirt error, {@code doing} the work in an interrupt's.
     */
    private void followBlockJob(Domain d, String following, String doing, String late, String hint,
            java.util.function.Predicate<org.libvirt.DomainBlockJobInfo> over) {
        long deadline = System.nanoTime() + 600_000_000_000L;
        while (!over.test(call(() -> d.getBlockJobInfo("vda", 0), following))) {
            if (System.nanoTime() > deadline) {
                throw new ZosException(ErrorCode.INTERNAL, late, hint);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ZosException(ErrorCode.CANCELLED, "interrupted while " + doing, "");
            }
        }
    }

    /** Runs qemu-img with {@code args} (up to 10 minutes); an error names what it said. */
    private static void qemuImg(String... args) {
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of("qemu-img"));
        cmd.addAll(java.util.List.of(args));
        try {
            Commands.run(cmd, java.time.Duration.ofMinutes(10));
        } catch (java.io.IOException e) { // interrupted
            throw new ZosException(ErrorCode.CANCELLED, "interrupted: " + String.join(" ", cmd), "");
        }
    }

    @Override
    public Map<String, Long> jobStats(String name) {
        DomainPointer dp = LibvirtNative.INSTANCE.virDomainLookupByName(conn.pointer(), name);
        if (dp == null) {
            return Map.of();
        }
        try {
            return jobStats(dp, 0);
        } finally {
            LibvirtNative.INSTANCE.virDomainFree(dp);
        }
    }

    @Override
    public void setMaxDowntime(String name, long millis) {
        migrationSetting(name, "set the longest stop of", dp -> LibvirtNative.INSTANCE.virDomainMigrateSetMaxDowntime(dp, millis, 0));
    }

    @Override
    public void setMaxSpeed(String name, long bytesPerSecond) {
        long mib = Math.max(1, (bytesPerSecond + (1 << 20) - 1) >> 20);
        migrationSetting(name, "cap the rate of", dp -> LibvirtNative.INSTANCE.virDomainMigrateSetMaxSpeed(dp, mib, 0));
    }

    /** Changes a setting of the domain's migration under way ({@code set} returns libvirt's 0 or -1); a failure is only logged. */
    private void migrationSetting(String name, String what, java.util.function.ToIntFunction<DomainPointer> set) {
        DomainPointer dp = LibvirtNative.INSTANCE.virDomainLookupByName(conn.pointer(), name);
        if (dp == null) {
            return;
        }
        try {
            if (set.applyAsInt(dp) != 0) {
                LOG.warning("could not " + what + " " + name + "'s migration: " + lastError());
            }
        } finally {
            LibvirtNative.INSTANCE.virDomainFree(dp);
        }
    }

    /** The numeric statistics of the domain's job under way (flags 0) or last completed one; empty if there is none. */
    private static Map<String, Long> jobStats(DomainPointer dp, int flags) {
        com.sun.jna.ptr.PointerByReference params = new com.sun.jna.ptr.PointerByReference();
        com.sun.jna.ptr.IntByReference n = new com.sun.jna.ptr.IntByReference();
        if (LibvirtNative.INSTANCE.virDomainGetJobStats(dp, new com.sun.jna.ptr.IntByReference(), params, n,
                flags) != 0 || params.getValue() == null) {
            return Map.of();
        }
        try {
            return TypedParams.numbers(params.getValue(), n.getValue());
        } finally {
            LibvirtNative.INSTANCE.virTypedParamsFree(params.getValue(), n.getValue());
        }
    }

    @Override
    public boolean migratedAway(String name) {
        DomainPointer dp = LibvirtNative.INSTANCE.virDomainLookupByName(conn.pointer(), name);
        if (dp == null) {
            return true;
        }
        try {
            com.sun.jna.ptr.IntByReference state = new com.sun.jna.ptr.IntByReference();
            com.sun.jna.ptr.IntByReference reason = new com.sun.jna.ptr.IntByReference();
            if (LibvirtNative.INSTANCE.virDomainGetState(dp, state, reason, 0) != 0) {
                throw new ZosException(ErrorCode.INTERNAL, "the state of " + name + ": " + lastError(), "");
            }
            return state.getValue() == LibvirtNative.VIR_DOMAIN_SHUTOFF && reason.getValue() == LibvirtNative.VIR_DOMAIN_SHUTOFF_MIGRATED;
        } finally {
            LibvirtNative.INSTANCE.virDomainFree(dp);
        }
    }

    /** Stops a live migration under way; the guest runs on here. Nothing if none runs. */
    /**
     * The domain's memory as its QEMU holds it: the one memfd of its memory backend among the QEMU
     * process's open files (libvirt names the process in its pid file), opened through /proc.
     */
    @Override
    public Optional<java.nio.channels.FileChannel> memory(String name, boolean write) {
        if (!state(name).isActive()) {
            return Optional.empty();
        }
        try {
            String pid = Files.readString(Path.of("/run/libvirt/qemu", name + ".pid")).strip();
            java.util.List<Path> memfds = new java.util.ArrayList<>();
            try (java.nio.file.DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc", pid, "fd"))) {
                for (Path fd : fds) {
                    try {
                        if (Files.readSymbolicLink(fd).toString().startsWith("/memfd:memory-backend-memfd")) {
                            memfds.add(fd);
                        }
                    } catch (IOException gone) {
                        // closed while listed
                    }
                }
            }
            if (memfds.size() != 1) {
                return Optional.empty();
            }
            return Optional.of(write ? java.nio.channels.FileChannel.open(memfds.get(0), java.nio.file.StandardOpenOption.READ,
                    java.nio.file.StandardOpenOption.WRITE) : java.nio.channels.FileChannel.open(memfds.get(0)));
        } catch (IOException e) {
            LOG.warning("the memory of " + name + " cannot be opened: " + e);
            return Optional.empty();
        }
    }

    @Override
    public void migrationCapability(String name, String capability, boolean on) {
        domain(name); // ANIMA_NOT_FOUND before anything else
        String cmd = QemuMonitor.setCapability(capability, on);
        DomainPointer dp = LibvirtNative.INSTANCE.virDomainLookupByName(conn.pointer(), name);
        try {
            com.sun.jna.ptr.PointerByReference result = new com.sun.jna.ptr.PointerByReference();
            if (LibvirtNative.Qemu.INSTANCE.virDomainQemuMonitorCommand(dp, cmd, result, 0) != 0) {
                throw new ZosException(ErrorCode.INTERNAL, "setting QEMU's migration capability " + capability + " of " + name
                        + " failed: " + lastError(), "see libvirtd's log");
            }
            QemuMonitor.requireReturn(LibvirtNative.takeString(result.getValue()), cmd);
        } finally {
            LibvirtNative.INSTANCE.virDomainFree(dp);
        }
    }

    @Override
    public void abortMigration(String name) {
        DomainPointer dp = LibvirtNative.INSTANCE.virDomainLookupByName(conn.pointer(), name);
        if (dp == null) {
            return;
        }
        try {
            if (LibvirtNative.INSTANCE.virDomainAbortJob(dp) != 0) {
                LOG.fine("aborting the migration of " + name + ": " + lastError());
            }
        } finally {
            LibvirtNative.INSTANCE.virDomainFree(dp);
        }
    }

    /** The domain XML stored in a state file. */
    @Override
    public String savedXml(Path stateFile) {
        if (!Files.isRegularFile(stateFile)) {
            throw new ZosException(ErrorCode.INTEGRITY_ERROR, "state file " + stateFile + " is missing", "");
        }
        String xml = LibvirtNative.takeString(
                LibvirtNative.INSTANCE.virDomainSaveImageGetXMLDesc(conn.pointer(), stateFile.toString(), 0));
        if (xml == null) {
            throw new ZosException(ErrorCode.INTEGRITY_ERROR, "state file " + stateFile + " is not a readable "
                    + "libvirt save image: " + lastError(), "it is damaged; the anima can only be booted afresh");
        }
        return xml;
    }

    /**
     * Restores a saved domain, running, or paused if {@code paused} (it runs once {@link #resume}d).
     * {@code paths} maps file paths recorded in the state file (disk, kernel, initrd, console log) to
     * where this host keeps them. The domain's metadata says the anima is at home here ({@code home} null)
     * or visits from {@code home}.
     */
    @Override
    public void restore(Path stateFile, Map<String, String> paths, boolean paused, String home) {
        String xml = placed(savedXml(stateFile), paths, home);
        if (LibvirtNative.INSTANCE.virDomainRestoreFlags(conn.pointer(), stateFile.toString(), xml,
                paused ? LibvirtNative.VIR_DOMAIN_SAVE_PAUSED : LibvirtNative.VIR_DOMAIN_SAVE_RUNNING) != 0) {
            throw new ZosException(ErrorCode.INTEGRITY_ERROR, "restoring from " + stateFile + " failed: "
                    + lastError(), "the state file is kept; see /var/log/libvirt/qemu/ for QEMU's reason");
        }
        // Restored where no domain of its name was defined (an anima that left by live migration, whose
        // domain went with it, or a visitor), the domain is transient: a QEMU that died later would leave
        // no anima to boot. Defined, it is a shut-off one.
        String name = DomainXml.select(xml, "/domain/name").orElse("");
        call(() -> {
            org.libvirt.Domain d = conn.domainLookupByName(name);
            if (d.isPersistent() == 0) {
                conn.domainDefineXML(d.getXMLDesc(2)); // VIR_DOMAIN_XML_INACTIVE
            }
            return null;
        }, "define " + name);
    }

    /**
     * A domain that came from another host, as it runs here: confined ({@link DomainConfinement}), this
     * host's own emulator, its files at {@code paths}' values, its metadata saying whose it is; and a CPU
     * this host can give it.
     */
    @Override
    public String placed(String xml, Map<String, String> paths, String home) {
        xml = DomainXml.withoutMonitor(xml); // the QMP monitor a move by content gave it on the host it comes from
        DomainConfinement.require(xml);
        Map<String, String> map = new java.util.HashMap<>(paths);
        DomainXml.select(xml, "/domain/devices/emulator").filter(e -> !e.isBlank()).ifPresent(e -> map.put(e, emulator()));
        String name = DomainXml.select(xml, "/domain/name").orElse("");
        String here = DomainXml.withMetadata(DomainXml.rewritePaths(xml, map), name, home);
        checkCpu(here);
        return here;
    }

    private String emulator;

    /**
     * Asks libvirt, on a thread of its own, what a move's receiver asks it first (its capabilities, for the
     * emulator: about 0.7 s the first time, on the move's path otherwise); a failure is only logged.
     */
    public void prefetch() {
        Thread t = new Thread(() -> {
            try {
                emulator();
            } catch (RuntimeException e) {
                LOG.fine("asking libvirt for its capabilities ahead: " + e);
            }
        }, "zos-libvirt-prefetch");
        t.setDaemon(true);
        t.start();
    }

    /** This host's own QEMU for x86_64 guests, from libvirt's capabilities: the only emulator a restore runs. */
    synchronized String emulator() {
        if (emulator == null) {
            try {
                emulator = DomainXml.select(conn.getCapabilities(), "/capabilities/guest[arch/@name='x86_64']/arch/emulator")
                        .filter(e -> !e.isBlank()).orElse("/usr/bin/qemu-system-x86_64");
            } catch (org.libvirt.LibvirtException e) {
                throw new ZosException(ErrorCode.HYPERVISOR_UNAVAILABLE, "libvirt did not tell its capabilities: " + e.getMessage(),
                        "check that libvirtd runs");
            }
        }
        return emulator;
    }

    /**
     * Checks that this host's hypervisor can give a domain the CPU its XML names (before a restore).
     *
     * @throws ZosException INCOMPATIBLE_HOST if it cannot
     */
    @Override
    public void checkCpu(String domainXml) {
        // Without a CPU model (the host's own CPU), the baseline model still tells whether the machine type is offered.
        String cpu = DomainXml.cpuElement(domainXml)
                .orElse("<cpu mode='custom' match='exact'><model fallback='allow'>qemu64</model></cpu>");
        String type = DomainXml.select(domainXml, "/domain/@type").orElse("qemu");
        String arch = DomainXml.select(domainXml, "/domain/os/type/@arch").orElse("x86_64");
        String machine = DomainXml.select(domainXml, "/domain/os/type/@machine").orElse(null);
        int result = LibvirtNative.INSTANCE.virConnectCompareHypervisorCPU(conn.pointer(), null, arch, machine,
                type, cpu, 0);
        if (result == 0) {
            String model = DomainXml.select(domainXml, "/domain/cpu/model").orElse("?");
            throw new ZosException(ErrorCode.INCOMPATIBLE_HOST, "this host's " + type + " hypervisor cannot "
                    + "provide the anima's CPU model " + model, "run the anima on a host with a compatible CPU");
        }
        if (result < 0) {
            String why = lastError();
            if (why.contains("not supported")) { // a machine type, an architecture or a virtualization type
                throw new ZosException(ErrorCode.INCOMPATIBLE_HOST, "this host cannot run the anima's " + type + " "
                        + arch + " machine" + (machine == null ? "" : " '" + machine + "'") + ": " + why,
                        "run the anima on a host whose QEMU offers it (the same QEMU version or a newer one)");
            }
            throw new ZosException(ErrorCode.INTERNAL, "comparing CPUs failed: " + why, "");
        }
    }

    /**
     * Calls {@code listener} for every lifecycle event of every domain, on libvirt's event thread, until
     * the returned handle is closed.
     */
    @Override
    public AutoCloseable onLifecycle(Consumer<LifecycleEvent> listener) {
        LifecycleListener l = (domain, event) -> {
            try {
                listener.accept(LifecycleEvent.of(domain.getName(), event));
            } catch (LibvirtException | RuntimeException e) {
                LOG.warning("lifecycle listener failed: " + e);
            }
            return 0;
        };
        call(() -> { conn.addLifecycleListener(l); return null; }, "listen to lifecycle events");
        return () -> conn.removeLifecycleListener(l);
    }

    @Override
    public void close() {
        try {
            conn.close();
        } catch (LibvirtException e) {
            LOG.fine("closing libvirt connection: " + e);
        }
    }

    private Domain domain(String name) {
        try {
            return conn.domainLookupByName(name);
        } catch (LibvirtException e) {
            if (e.getError().getCode() == ErrorNumber.VIR_ERR_NO_DOMAIN) {
                throw new ZosException(ErrorCode.ANIMA_NOT_FOUND, "libvirt has no domain named '" + name + "'",
                        "list animas with 'zos-vm status'");
            }
            throw internal("look up " + name, e);
        }
    }

    private static String lastError() {
        return LibvirtNative.INSTANCE.virGetLastErrorMessage();
    }

    private static ZosException internal(String what, LibvirtException e) {
        return new ZosException(ErrorCode.INTERNAL, "libvirt could not " + what + ": " + e.getError().getMessage(),
                "", e);
    }

    private interface LibvirtCall<T> {
        T run() throws LibvirtException;
    }

    private static <T> T call(LibvirtCall<T> c, String what) {
        try {
            return c.run();
        } catch (LibvirtException e) {
            throw internal(what, e);
        }
    }
}
