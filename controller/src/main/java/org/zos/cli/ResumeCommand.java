package org.zos.cli;

import java.io.PrintWriter;
import picocli.CommandLine.Command;

/** {@code zos-vm resume}: runs a suspended anima again from its state file (or unpauses a paused one). */
@Command(name = "resume", description = "Run a suspended anima again where it was.")
final class ResumeCommand extends AnimaCommand {

    @Override
    void run(HostOptions.Host h, PrintWriter out) {
        long t0 = System.nanoTime();
        try (Progress p = Progress.of(h.hypervisor, name, "restoring", err())) {
            h.animas.resume(name);
        }
        out.printf("Anima '%s' resumed in %.1f s.%n", name, (System.nanoTime() - t0) / 1e9);
    }
}
