package org.zos.cli;

import java.io.PrintWriter;
import java.util.Map;
import picocli.CommandLine.Command;

/** {@code zos-vm resume}: runs a suspended anima again from its state file (or unpauses a paused one). */
@Command(name = "resume", description = "Run a suspended anima again where it was.")
final class ResumeCommand extends AnimaCommand {

    @Override
    void run(HostOptions.Agent agent, PrintWriter out) {
        long t0 = System.nanoTime();
        try (Progress p = Progress.pushed(err())) {
            agent.act("resume", name, Map.of(), p);
        }
        out.printf("Anima '%s' resumed in %.1f s.%n", name, (System.nanoTime() - t0) / 1e9);
    }
}
