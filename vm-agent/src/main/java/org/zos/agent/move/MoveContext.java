package org.zos.agent.move;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Supplier;
import java.util.logging.Logger;
import org.zos.agent.anima.AnimaManager;
import org.zos.agent.anima.AnimaRegistry;
import org.zos.agent.hypervisor.Hypervisor;
import org.zos.protocol.ZosException;
import org.zos.protocol.message.MoveAbort;
import org.zos.store.Store;

/**
 * What the parts of a move need of this host, in one narrow record: its name and state directory, how it
 * reaches other agents, its hypervisor and animas, its store and visit keys, what it knows of memory
 * kept by the homes of animas it hosts, what waits for the moves under way to end, the fault points and
 * the deadlines. A real agent and a unit test each make one.
 */
record MoveContext(String host, Path stateDir, MoveLink.Dialer dialer, Supplier<? extends Hypervisor> hypervisor,
        Supplier<AnimaManager> manager, AnimaRegistry registry, FaultPoints faults, MoveTimes times, Stores stores,
        VisitKeys visits, KeptMemory.Indexes kept, Afterwards afterwards) {

    private static final Logger LOG = Logger.getLogger(MoveContext.class.getName());

    MoveContext(String host, Path stateDir, MoveLink.Dialer dialer, Supplier<? extends Hypervisor> hypervisor,
            Supplier<AnimaManager> manager, AnimaRegistry registry, FaultPoints faults, MoveTimes times) {
        this(host, stateDir, dialer, hypervisor, manager, registry, faults, times, new Stores(stateDir), new VisitKeys(stateDir),
                new KeptMemory.Indexes(), new Afterwards());
    }

    MoveLink dial(String peer, String user) {
        return dialer.dial(peer, user, times.dial());
    }

    Store store() throws IOException {
        return stores.store();
    }

    /**
     * Tells a receiver to drop a move, waiting up to {@code wait} for its answer (best effort: a receiver
     * that does not hear it drops the move when its sender stays silent).
     */
    void abort(String peer, String user, long transfer, String why, Duration wait) {
        try (MoveLink p = dialer.dial(peer, user, times.dial())) {
            p.request(new MoveAbort(transfer, why), wait);
        } catch (ZosException e) {
            LOG.info("abort not delivered to " + peer + " (it drops the move by itself): " + e.getMessage());
        }
    }

    /** This host's store, opened on first use, and the key its own animas' keys are wrapped under. */
    static final class Stores {
        private final Path stateDir;
        private Store store;

        Stores(Path stateDir) {
            this.stateDir = stateDir;
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
    }
}
