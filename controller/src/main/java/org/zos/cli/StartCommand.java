package org.zos.cli;

import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code zos-vm start}: boots a shut-off anima. */
@Command(name = "start", description = "Boot a shut-off anima.")
final class StartCommand extends AnimaCommand {
    @Option(names = "--discard-state", description = "boot a suspended anima afresh, losing its saved memory")
    boolean discardState;

    @Override
    void run(HostOptions.Host h, PrintWriter out) {
        h.animas.start(name, discardState);
        out.printf("Anima '%s' started.%n", name);
    }
}
