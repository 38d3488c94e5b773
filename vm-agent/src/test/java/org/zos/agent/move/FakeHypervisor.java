package org.zos.agent.move;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.zos.agent.hypervisor.Accelerator;
import org.zos.agent.hypervisor.DomainSpec;
import org.zos.agent.hypervisor.DomainState;
import org.zos.agent.hypervisor.Hypervisor;
import org.zos.agent.hypervisor.LifecycleEvent;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;

/**
 * A hypervisor of one host in memory, for the move protocol's unit tests. A domain is its XML, its state
 * and its "memory" (bytes a save writes and a restore reads back), so a test can see that the memory a
 * guest had is the memory it has after a move. Its domains outlive the agent (as QEMU outlives a crashed
 * zos-agent); {@link #kill} plays QEMU dying.
 */
final class FakeHypervisor implements Hypervisor {
    private static final byte[] MAGIC = "FAKESAVE".getBytes(StandardCharsets.US_ASCII);

    /** One domain. */
    static final class Domain {
        volatile String xml;
        volatile DomainState state;
        volatile byte[] memory;
        /** Shut off because it migrated away (libvirt's reason VIR_DOMAIN_SHUTOFF_MIGRATED). */
        volatile boolean migrated;

        Domain(String xml, DomainState state, byte[] memory) {
            this.xml = xml;
            this.state = state;
            this.memory = memory;
        }
    }

    final Map<String, Domain> domains = new ConcurrentHashMap<>();
    /** Where a live migration goes: the other host's hypervisor (the tests have two hosts). */
    volatile java.util.function.Supplier<FakeHypervisor> migrationTarget;
    /** Runs while a live migration copies (a test's fault: throw to fail it, as a lost link or a dead QEMU would). */
    volatile Runnable duringMigration = () -> { };
    /** The live migration under way, for {@link #duringMigration}. */
    volatile LiveMigration migrating;

    /** Defines and starts a domain that runs with {@code memory}. */
    void running(String name, String xml, byte[] memory) {
        domains.put(name, new Domain(xml, DomainState.RUNNING, memory));
    }

    /** QEMU of {@code name} dies: the domain is shut off, its memory gone. */
    void kill(String name) {
        Domain d = domains.get(name);
        if (d != null) {
            d.state = DomainState.SHUT_OFF;
            d.memory = null;
        }
    }

    byte[] memory(String name) {
        Domain d = domains.get(name);
        return d == null ? null : d.memory;
    }

    /** As a shared memory backing gives it: a copy of the domain's memory as it is now, for reading (writing: none). */
    @Override
    public Optional<java.nio.channels.FileChannel> memory(String name, boolean write) {
        Domain d = domains.get(name);
        if (d == null || d.memory == null || write) {
            return Optional.empty();
        }
        try {
            Path f = Files.createTempFile("fake-memory", ".bin");
            Files.write(f, d.memory);
            java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(f);
            Files.delete(f);
            return Optional.of(ch);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Domain domain(String name) {
        Domain d = domains.get(name);
        if (d == null) {
            throw new ZosException(ErrorCode.ANIMA_NOT_FOUND, "no domain " + name, "");
        }
        return d;
    }

    @Override
    public Accelerator accelerator(Path probeKernel) {
        return Accelerator.TCG;
    }

    @Override
    public boolean alive() {
        return true;
    }

    @Override
    public String uri() {
        return "fake:///";
    }

    @Override
    public void define(DomainSpec spec) {
        throw new UnsupportedOperationException("tests make their domains with running()");
    }

    @Override
    public void undefine(String name) {
        domains.remove(name);
    }

    @Override
    public DomainState state(String name) {
        Domain d = domains.get(name);
        return d == null ? DomainState.UNDEFINED : d.state;
    }

    @Override
    public void start(String name) {
        domain(name).state = DomainState.RUNNING;
    }

    @Override
    public void pause(String name) {
        domain(name).state = DomainState.PAUSED;
    }

    @Override
    public void resume(String name) {
        Domain d = domain(name);
        if (d.state != DomainState.PAUSED) {
            throw new ZosException(ErrorCode.INVALID_STATE, name + " is not paused", "");
        }
        d.state = DomainState.RUNNING;
    }

    @Override
    public void requestShutdown(String name) {
        domain(name).state = DomainState.SHUT_OFF;
    }

    @Override
    public boolean setGuestClock(String name, int timeoutSeconds) {
        return false;
    }

    @Override
    public boolean trimGuest(String name, int timeoutSeconds) {
        return false;
    }

    @Override
    public boolean shutdownByAgent(String name, int timeoutSeconds) {
        return false;
    }

    @Override
    public void destroy(String name) {
        kill(name);
    }

    @Override
    public Optional<JobProgress> jobProgress(String name) {
        return Optional.empty();
    }

    @Override
    public String xml(String name) {
        return domain(name).xml;
    }

    @Override
    public Optional<Path> channelSocket(String name, String channel) {
        return Optional.empty();
    }

    /** Writes "FAKESAVE", the XML's length and the XML, then the memory; the domain stops. */
    @Override
    public void save(String name, Path stateFile) {
        Domain d = domain(name);
        if (!d.state.isActive()) {
            throw new ZosException(ErrorCode.INVALID_STATE, name + " does not run", "");
        }
        byte[] xml = d.xml.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(MAGIC.length + 4 + xml.length + d.memory.length);
        b.put(MAGIC).putInt(xml.length).put(xml).put(d.memory);
        try {
            Files.write(stateFile, b.array());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        d.state = DomainState.SHUT_OFF;
        d.memory = null;
    }

    @Override
    public String savedXml(Path stateFile) {
        return new String(read(stateFile)[0], StandardCharsets.UTF_8);
    }

    private static byte[][] read(Path stateFile) {
        byte[] all;
        try {
            all = Files.readAllBytes(stateFile);
        } catch (IOException e) {
            throw new ZosException(ErrorCode.INTEGRITY_ERROR, "cannot read " + stateFile + ": " + e, "");
        }
        if (all.length < MAGIC.length + 4 || !Arrays.equals(Arrays.copyOf(all, MAGIC.length), MAGIC)) {
            throw new ZosException(ErrorCode.INTEGRITY_ERROR, stateFile + " is not a save image", "");
        }
        ByteBuffer b = ByteBuffer.wrap(all, MAGIC.length, all.length - MAGIC.length);
        byte[] xml = new byte[b.getInt()];
        b.get(xml);
        byte[] memory = new byte[b.remaining()];
        b.get(memory);
        return new byte[][] {xml, memory};
    }

    @Override
    public void restore(Path stateFile, Map<String, String> paths, boolean paused, String home) {
        byte[][] saved = read(stateFile);
        String xml = new String(saved[0], StandardCharsets.UTF_8);
        for (Map.Entry<String, String> e : paths.entrySet()) {
            xml = xml.replace(e.getKey(), e.getValue());
        }
        String name = org.zos.agent.hypervisor.DomainXml.select(xml, "/domain/name").orElseThrow();
        Domain d = domains.get(name);
        if (d != null && d.state.isActive()) {
            throw new ZosException(ErrorCode.ANIMA_EXISTS, name + " runs already", "");
        }
        domains.put(name, new Domain(xml, paused ? DomainState.PAUSED : DomainState.RUNNING, saved[1]));
    }

    @Override
    public String migratableXml(String name) {
        return xml(name);
    }

    @Override
    public String placed(String xml, Map<String, String> paths, String home) {
        for (Map.Entry<String, String> e : paths.entrySet()) {
            xml = xml.replace(e.getKey(), e.getValue());
        }
        return xml;
    }

    /**
     * As libvirt does it, without the bytes (LivePipeTest and the cluster tests carry those): the domain
     * runs on here while {@link #duringMigration} runs (if that throws, the migration fails and the guest
     * runs on here); then it is paused and persistent on the target with this memory, and shut off here as
     * migrated (the sender undefines it once it is past its fault point "sender.migrated").
     */
    @Override
    public Migrated migrateLive(String name, LiveMigration migration) {
        Domain d = domain(name);
        if (d.state != DomainState.RUNNING) {
            throw new ZosException(ErrorCode.INVALID_STATE, name + " does not run", "");
        }
        if (migration.destinationXml() == null || migration.destinationXml().isBlank()) {
            throw new ZosException(ErrorCode.INTERNAL, "no destination XML", "");
        }
        migrating = migration;
        duringMigration.run();
        if (d.state != DomainState.RUNNING) { // its QEMU died meanwhile
            throw new ZosException(ErrorCode.INTERNAL, "the live migration of " + name + " failed: QEMU died", "");
        }
        FakeHypervisor target = migrationTarget.get();
        Domain there = target.domains.get(name);
        if (there != null && there.state.isActive()) {
            throw new ZosException(ErrorCode.INTERNAL, name + " runs on the target already", "");
        }
        target.domains.put(name, new Domain(migration.destinationXml(), DomainState.PAUSED, d.memory.clone()));
        d.state = DomainState.SHUT_OFF;
        d.memory = null;
        d.migrated = true; // as libvirt keeps it: defined, shut off because it migrated
        return new Migrated(5, 0);
    }

    /** As libvirt shows it: the disk's source is the overlay, over the disk as it was; the overlay file is made. */
    @Override
    public void divertDisk(String name, Path top) {
        Domain d = domain(name);
        String disk = org.zos.agent.hypervisor.DomainXml.select(d.xml, "/domain/devices/disk[target/@dev='vda']/source/@file").orElseThrow();
        if (org.zos.agent.hypervisor.DomainXml.divertedFrom(d.xml).isPresent()) {
            throw new ZosException(ErrorCode.INTERNAL, name + "'s disk is diverted already", "");
        }
        try {
            Files.write(top, new byte[0]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String overlay = "<source file='" + top + "'/><backingStore type='file'><format type='qcow2'/><source file='" + disk
                + "'/></backingStore>";
        d.xml = d.xml.replace("<source file='" + disk + "'/>", overlay).replace("<source file=\"" + disk + "\"/>", overlay);
    }

    @Override
    public void overlay(Path top, Path under) {
        try {
            Files.write(top, new byte[0]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Its overlays hold nothing: the disk is the one under it. */
    @Override
    public java.util.List<Extent> diskMap(Path top, Path under) {
        try {
            return java.util.List.of(new Extent(0, Files.size(under), under, 0));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void foldDisk(String name) {
        Domain d = domains.get(name);
        if (d == null) {
            return;
        }
        String top = org.zos.agent.hypervisor.DomainXml.select(d.xml, "/domain/devices/disk[target/@dev='vda']/source/@file").orElseThrow();
        if (org.zos.agent.hypervisor.DomainXml.divertedFrom(d.xml).isPresent()) {
            d.xml = org.zos.agent.hypervisor.DomainXml.undiverted(d.xml);
            if (d.state == DomainState.SHUT_OFF) {
                d.migrated = false; // libvirt defines it anew, which forgets why it was shut off
            }
            try {
                Files.deleteIfExists(Path.of(top));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Whether the domain's disk is diverted to an overlay. */
    boolean diverted(String name) {
        Domain d = domains.get(name);
        return d != null && org.zos.agent.hypervisor.DomainXml.divertedFrom(d.xml).isPresent();
    }

    @Override
    public boolean migratedAway(String name) {
        Domain d = domains.get(name);
        return d == null || d.state == DomainState.SHUT_OFF && d.migrated;
    }

    @Override
    public void abortMigration(String name) {
    }

    @Override
    public void checkCpu(String domainXml) {
    }

    @Override
    public AutoCloseable onLifecycle(Consumer<LifecycleEvent> listener) {
        return () -> { };
    }

    @Override
    public void close() {
    }
}
