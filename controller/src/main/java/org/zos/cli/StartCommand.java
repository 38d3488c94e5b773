package org.zos.cli;

import java.io.PrintWriter;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code zos-vm start}: boots a shut-off anima. */
@Command(name = "start", description = "Boot a shut-off anima.")
final class StartCommand extends AnimaCommand {
    @Option(names = "--discard-state", description = "boot a suspended anima afresh, losing its saved memory")
    boolean discardState;

    @Override
    void run(HostOptions.Agent agent, PrintWriter out) {
        agent.act("start", name, Map.of("discard-state", String.valueOf(discardState)));
        out.printf("Anima '%s' started.%n", name);
    }
}
