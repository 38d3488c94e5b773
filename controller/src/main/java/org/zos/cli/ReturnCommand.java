package org.zos.cli;

import java.io.PrintWriter;
import java.util.Map;
import picocli.CommandLine.Command;

/** {@code zos-vm return [NAME]}: brings a dominating anima home, from its home or from the host it visits. */
@Command(name = "return", description = "Bring the anima home from the host it dominates; that host keeps nothing of it.")
final class ReturnCommand extends AnimaCommand {

    @picocli.CommandLine.Option(names = "--bandwidth", paramLabel = "RATE",
            description = "send at most this fast, e.g. 50mbit or 6M (bytes per second); default: as fast as the link goes")
    String bandwidth;

    @Override
    void run(HostOptions.Agent agent, PrintWriter out) {
        String note;
        try (Progress p = Progress.pushed(err())) {
            note = host.cancellable(agent, "return", name, bandwidth == null ? Map.of() : Map.of("bandwidth", bandwidth), p, err()).note();
        }
        out.printf("Anima '%s' is home again: %s.%n", name, note);
    }
}
