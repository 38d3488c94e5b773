package org.zos.cli;

import java.io.IOException;
import java.nio.file.Path;
import org.zos.store.AnimaStore;
import org.zos.store.Store;
import picocli.CommandLine.Option;

/**
 * Which store and which anima a {@code store} command works on. The store is {@code <state-dir>/store};
 * anima keys rest there wrapped under the host's key-encryption key, {@code <state-dir>/keys/store.kek}.
 */
final class StoreOptions {

    @Option(names = "--state-dir", paramLabel = "DIR",
            description = "zos state directory (default: $ZOS_STATE_DIR or /var/lib/zos)")
    Path stateDir = Path.of(HostOptions.envOr("ZOS_STATE_DIR", "/var/lib/zos"));

    @Option(names = {"-a", "--anima"}, paramLabel = "NAME",
            description = "the anima whose store to use (default: $ZOS_ANIMA or 'default'; check and stats: all)")
    String anima;

    /** The anima named by --anima or $ZOS_ANIMA, else null. */
    String chosen() {
        return anima != null ? anima : System.getenv("ZOS_ANIMA");
    }

    String name() {
        return chosen() != null ? chosen() : "default";
    }

    /** The animas a command for "all unless one is chosen" covers. */
    java.util.List<String> animas() throws IOException {
        return chosen() != null ? java.util.List.of(chosen()) : store().animas();
    }

    Store store() throws IOException {
        return Store.open(stateDir.resolve("store"));
    }

    byte[] kek() throws IOException {
        return Store.hostKek(stateDir.resolve("keys").resolve("store.kek"));
    }

    AnimaStore open() throws IOException {
        return open(name());
    }

    AnimaStore open(String name) throws IOException {
        return store().open(name, kek());
    }

    AnimaStore openOrCreate() throws IOException {
        return store().openOrCreate(name(), kek());
    }
}
