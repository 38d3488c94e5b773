package org.zos.cli;

import java.io.PrintWriter;
import java.util.Map;
import org.zos.protocol.message.ActionDone;
import picocli.CommandLine.Command;

/** {@code zos-vm suspend}: saves a running anima's memory to its state file and stops it. */
@Command(name = "suspend", description = "Save a running anima's memory to disk and stop it.")
final class SuspendCommand extends AnimaCommand {

    @Override
    void run(HostOptions.Agent agent, PrintWriter out) {
        long t0 = System.nanoTime();
        ActionDone done;
        try (Progress p = Progress.pushed(err())) {
            done = agent.act("suspend", name, Map.of(), p);
        }
        out.printf("Anima '%s' suspended: %s state saved in %.1f s.%n", name, Sizes.bytes(done.anima().savedBytes()),
                (System.nanoTime() - t0) / 1e9);
    }
}
