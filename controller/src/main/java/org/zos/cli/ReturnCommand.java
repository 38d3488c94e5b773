package org.zos.cli;

import java.io.PrintWriter;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code zos-vm return [NAME]}: brings a dominating anima home, from its home or from the host it visits. */
@Command(name = "return", description = "Bring the anima home from the host it dominates; that host keeps nothing of it.")
final class ReturnCommand extends MoveCommand {
    @Parameters(paramLabel = "NAME", defaultValue = "anima", description = "the anima (default: ${DEFAULT-VALUE})")
    String name;

    @Override
    void run(HostOptions.Agent agent, PrintWriter out) {
        String note = move(agent, "return", name, Map.of());
        if (note.startsWith("anima '")) {
            out.println(note + "."); // a partial domination ended: the anima never left
            return;
        }
        out.printf("Anima '%s' is home again: %s.%n", name, note);
    }
}
