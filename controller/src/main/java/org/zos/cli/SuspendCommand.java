package org.zos.cli;

import java.io.PrintWriter;
import org.zos.agent.anima.AnimaManager;
import picocli.CommandLine.Command;

/** {@code zos-vm suspend}: saves a running anima's memory to its state file and stops it. */
@Command(name = "suspend", description = "Save a running anima's memory to disk and stop it.")
final class SuspendCommand extends AnimaCommand {

    @Override
    void run(HostOptions.Host h, PrintWriter out) {
        long t0 = System.nanoTime();
        AnimaManager.Saved saved;
        try (Progress p = Progress.of(h.hypervisor, name, "saving", err())) {
            saved = h.animas.suspend(name);
        }
        out.printf("Anima '%s' suspended: %s state saved in %.1f s.%n", name, Sizes.bytes(saved.bytes()),
                (System.nanoTime() - t0) / 1e9);
    }
}
