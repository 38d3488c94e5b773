package org.zos.cli;

import java.io.PrintWriter;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code zos-vm remove}: deletes an anima, its disk and its saved state from this host. */
@Command(name = "remove", description = "Delete an anima and all its files from this host. Cannot be undone.")
final class RemoveCommand extends HostCommand {
    @Parameters(paramLabel = "NAME", description = "the anima (no default: removing is for good)")
    String name;

    @Option(names = "--yes", description = "confirm: the anima's disk and memory are deleted for good")
    boolean yes;

    @Override
    void run(HostOptions.Agent agent, PrintWriter out) {
        if (!yes) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "removing anima '" + name + "' deletes its disk and "
                    + "memory for good", "add --yes to confirm");
        }
        agent.act("remove", name, java.util.Map.of());
        out.printf("Anima '%s' removed.%n", name);
    }
}
