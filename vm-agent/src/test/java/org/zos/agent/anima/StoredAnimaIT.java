package org.zos.agent.anima;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import org.junit.jupiter.api.Test;
import org.zos.store.AnimaStore;
import org.zos.store.Store;
import org.zos.store.WorkMeter;
import org.zos.store.chunking.ChunkerParams;
import org.zos.store.crypto.MasterKey;
import org.zos.store.manifest.Manifest;

/**
 * Real images through the store: a running guest's saved memory and its disk are ingested, twice, then
 * deleted and materialized back from the store, and the guest resumes from them where it was.
 */
class StoredAnimaIT extends GuestTestBase {

    @Test
    void aSuspendedAnimaComesBackFromTheStore() throws Exception {
        String name = TestHost.uniqueName("stored");
        AnimaManager m = host.manager;
        AnimaPaths paths = host.registry.paths(name);
        Heartbeat last;
        m.init(name, 128, 1, 64);
        m.start(name, false);
        Heartbeat booted = m.awaitHeartbeat(name, b -> b.count() >= 2, BOOT);
        assertEquals("ok", m.askGuest(name, "write marker kept-in-the-store").orElseThrow());
        m.awaitHeartbeat(name, b -> b.count() > booted.count() + 1, BOOT);

        try (AnimaStore store = Store.open(host.stateRoot.resolve("store")).create(name, MasterKey.generate(), new byte[32])) {
            m.suspend(name);
            Manifest mem1 = store.ingest("memory", paths.state(), ChunkerParams.DEFAULT, new WorkMeter()).manifest();
            store.ingest("disk", paths.disk(), ChunkerParams.DEFAULT, new WorkMeter());
            m.resume(name);
            m.awaitHeartbeat(name, b -> b.count() > booted.count() + 3, BOOT);

            m.suspend(name);
            AnimaStore.Ingested mem2 = store.ingest("memory", paths.state(), ChunkerParams.DEFAULT, new WorkMeter());
            AnimaStore.Ingested disk2 = store.ingest("disk", paths.disk(), ChunkerParams.DEFAULT, new WorkMeter());
            assertTrue(mem2.sealedBytes() < mem1.length() / 10,
                    "a save seconds after the last adds little: " + mem2.sealedBytes() + " of " + mem1.length());
            last = Heartbeat.last(paths.consoleLog()).orElseThrow();

            Files.delete(paths.state());
            Files.delete(paths.disk());
            store.materialize(mem2.manifest(), paths.state(), new WorkMeter());
            store.materialize(disk2.manifest(), paths.disk(), new WorkMeter());
            assertTrue(store.check(true, 1, new WorkMeter()).ok());
        }
        // resume checks the state file against the SHA-256 recorded at suspend: the store gave it back exactly.
        m.resume(name);
        Heartbeat after = m.awaitHeartbeat(name, b -> b.count() > last.count(), BOOT);
        assertEquals(booted.boot(), after.boot(), "the same boot went on");
        assertTrue(after.count() <= last.count() + 5, "the counter continued, not jumped: " + after);
        assertEquals("data kept-in-the-store", m.askGuest(name, "read marker").orElseThrow());
        m.remove(name);
    }
}
