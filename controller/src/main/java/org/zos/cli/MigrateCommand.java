package org.zos.cli;

import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code zos-vm migrate NAME HOST}: {@code dominate HOST NAME} in the order virsh users type it. */
@Command(name = "migrate", description = "Move NAME to HOST, as 'zos-vm dominate HOST NAME' does (virsh's order: the domain, then where).")
final class MigrateCommand extends MoveCommand {
    @Parameters(index = "0", paramLabel = "NAME", description = "the anima")
    String name;

    @Parameters(index = "1", paramLabel = "HOST", description = "the enrolled host to run it on")
    String target;

    @Override
    void run(HostOptions.Agent agent, PrintWriter out) {
        DominateCommand.full(this, agent, out, name, target);
    }
}
