package org.zos.cli;

import java.util.concurrent.Callable;
import org.zos.agent.anima.AnimaManager;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code zos-vm suspend}: saves a running anima's memory to its state file and stops it. */
@Command(name = "suspend", description = "Save a running anima's memory to disk and stop it.")
final class SuspendCommand implements Callable<Integer> {
    @Mixin
    HostOptions host;

    @Parameters(paramLabel = "NAME", defaultValue = "anima", description = "the anima (default: ${DEFAULT-VALUE})")
    String name;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        try (HostOptions.Host h = host.open()) {
            long t0 = System.nanoTime();
            AnimaManager.Saved saved;
            try (Progress p = Progress.of(h.hypervisor, name, "saving", spec.commandLine().getErr())) {
                saved = h.animas.suspend(name);
            }
            spec.commandLine().getOut().printf("Anima '%s' suspended: %s state saved in %.1f s.%n", name,
                    Sizes.bytes(saved.bytes()), (System.nanoTime() - t0) / 1e9);
        }
        return 0;
    }
}
