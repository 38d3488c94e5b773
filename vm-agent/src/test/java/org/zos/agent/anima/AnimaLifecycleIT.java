package org.zos.agent.anima;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.zos.agent.hypervisor.DomainState;
import org.zos.agent.hypervisor.LifecycleEvent;

/** The default guest under a real libvirtd: boot, heartbeat, disk write, save, restore, shutdown. */
class AnimaLifecycleIT extends GuestTestBase {

    @Test
    void suspendedAnimaResumesWhereItWas() throws Exception {
        String name = TestHost.uniqueName("life");
        AnimaManager m = host.manager;
        List<LifecycleEvent> events = new CopyOnWriteArrayList<>();
        try (AutoCloseable sub = host.hypervisor.onLifecycle(e -> {
            if (e.domain().equals(name)) {
                events.add(e);
            }
        })) {
            m.init(name, 128, 1, 64);
            assertEquals("shut off", m.status(name).state());

            m.start(name, false);
            Heartbeat booted = m.awaitHeartbeat(name, b -> b.count() >= 2, BOOT);
            String marker = "written-before-save-" + name;
            assertEquals("ok", m.askGuest(name, "write marker " + marker).orElseThrow());

            Heartbeat beforeSave = m.awaitHeartbeat(name, b -> b.count() > booted.count(), BOOT);
            AnimaManager.Saved saved = m.suspend(name);
            assertTrue(saved.bytes() > 1 << 20, "the state file holds the guest's memory: " + saved.bytes());
            assertEquals(DomainState.SHUT_OFF, host.hypervisor.state(name));
            // libvirt's reason is "saved", which an agent that starts again must not take for a migration that
            // completed (the reasons' numbers once were mixed up: a completed migration was taken for a QEMU that died)
            assertFalse(host.hypervisor.migratedAway(name), "a saved domain is taken for one that migrated away");
            assertEquals("suspended", m.status(name).state());
            assertTrue(Files.exists(host.registry.paths(name).state()));
            Heartbeat lastBeforeResume = Heartbeat.last(host.registry.paths(name).consoleLog()).orElseThrow();

            m.resume(name);
            Heartbeat after = m.awaitHeartbeat(name, b -> b.count() > lastBeforeResume.count(), BOOT);
            // Same boot: the guest went on, it did not restart. The counter goes on from where it was.
            assertEquals(beforeSave.boot(), after.boot());
            assertTrue(after.count() <= lastBeforeResume.count() + 5, "counter continued, not jumped: " + after);
            assertEquals("data " + marker, m.askGuest(name, "read marker").orElseThrow());
            assertFalse(Files.exists(host.registry.paths(name).state()), "the state file is gone once running");
            assertEquals("running", m.status(name).state());

            assertTrue(m.shutdown(name, Duration.ofSeconds(30)), "the guest powers off when asked");
            assertEquals(DomainState.SHUT_OFF, host.hypervisor.state(name));
            assertFalse(host.hypervisor.migratedAway(name), "a domain shut down is taken for one that migrated away");

            // A cold boot is a new boot, but the data disk kept the counter and the marker.
            m.start(name, false);
            Heartbeat reboot = m.awaitHeartbeat(name, b -> !b.boot().equals(after.boot()), BOOT);
            assertTrue(reboot.count() > after.count(), "counter is on the data disk: " + reboot);
            assertEquals("data " + marker, m.askGuest(name, "read marker").orElseThrow());
            m.remove(name);
            assertFalse(Files.exists(host.registry.paths(name).dir()));
            assertEquals(DomainState.UNDEFINED, host.hypervisor.state(name));
        }
        List<String> seen = events.stream().map(e -> e.type() + "/" + e.detail()).toList();
        assertTrue(seen.contains("STOPPED/SAVED"), "lifecycle events: " + seen);
        assertTrue(seen.contains("STARTED/RESTORED"), "lifecycle events: " + seen);
        assertNotEquals(0, seen.indexOf("STARTED/RESTORED"));
    }
    /**
     * A disk diverted to an overlay (as a live move does) and folded back in order (as home does after a
     * return over the disk it kept): a fresh overlay under the running guest, the one under it committed,
     * then the fresh one folded. What the guest wrote before, on and after the overlay is on the disk
     * itself: a cold boot reads it, and no overlay file or definition is left.
     */
    @Test
    void aDiskFoldedInOrderKeepsWhatTheGuestWroteOnEveryLayer() throws Exception {
        String name = TestHost.uniqueName("fold");
        AnimaManager m = host.manager;
        m.init(name, 128, 1, 64);
        m.start(name, false);
        Heartbeat booted = m.awaitHeartbeat(name, b -> b.count() >= 2, BOOT);
        assertEquals("ok", m.askGuest(name, "write before " + name).orElseThrow());
        AnimaPaths paths = host.registry.paths(name);
        try (AnimaManager.Held held = m.hold(name)) { // held throughout: a new hold at home folds a stray overlay
            held.divertDisk();
            assertTrue(Files.exists(paths.diskTop()), "no overlay");
            assertEquals("ok", m.askGuest(name, "write during " + name).orElseThrow());
            held.foldDiskInOrder();
        }
        assertFalse(Files.exists(paths.diskTop()) || Files.exists(paths.diskNext()), "an overlay file stays");
        assertTrue(org.zos.agent.hypervisor.DomainXml.divertedFrom(host.hypervisor.xml(name)).isEmpty(), "the domain stays diverted");
        assertEquals("ok", m.askGuest(name, "write after " + name).orElseThrow());
        assertTrue(m.shutdown(name, Duration.ofSeconds(30)), "the guest powers off when asked");
        m.start(name, false);
        m.awaitHeartbeat(name, b -> !b.boot().equals(booted.boot()), BOOT);
        for (String f : List.of("before", "during", "after")) {
            assertEquals("data " + name, m.askGuest(name, "read " + f).orElseThrow(), f);
        }
        m.remove(name);
    }
}
