package org.zos.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code zos-vm resume}: runs a suspended anima again from its state file (or unpauses a paused one). */
@Command(name = "resume", description = "Run a suspended anima again where it was.")
final class ResumeCommand implements Callable<Integer> {
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
            try (Progress p = Progress.of(h.hypervisor, name, "restoring", spec.commandLine().getErr())) {
                h.animas.resume(name);
            }
            spec.commandLine().getOut().printf("Anima '%s' resumed in %.1f s.%n", name, (System.nanoTime() - t0) / 1e9);
        }
        return 0;
    }
}
