package org.zos.cli;

import java.io.PrintWriter;
import java.util.Map;
import picocli.CommandLine.Command;

/** {@code zos-vm cancel [NAME]}: stops a move (dominate or return) under way; the anima stays where it ran. */
@Command(name = "cancel", description = "Cancel the dominate, return or stage of the anima under way; it goes on running where it ran.")
final class CancelCommand extends AnimaCommand {

    @Override
    void run(HostOptions.Agent agent, PrintWriter out) {
        agent.act("cancel", name, Map.of());
        out.printf("Cancelling the move of '%s'; it goes on running where it ran before.%n", name);
    }
}
