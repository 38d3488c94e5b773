package org.zos.cli;

import java.io.PrintWriter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code zos-vm dominate HOST [NAME]}: moves the running anima to HOST and resumes it there; with
 * {@code --partial} the anima stays at home and lends HOST views of its windows and copies of its folders.
 */
@Command(name = "dominate", description = "Move the anima to HOST (full domination): it runs there, exactly where it was. "
        + "With --partial it stays here and lends HOST its windows and folders.")
final class DominateCommand extends MoveCommand {
    @Parameters(index = "0", paramLabel = "HOST", description = "the enrolled host to run the anima on")
    String target;

    @Parameters(index = "1", paramLabel = "NAME", defaultValue = "anima", description = "the anima (default: ${DEFAULT-VALUE})")
    String name;

    @Option(names = "--partial", description = "keep the anima running here; lend HOST its windows and folders (ended by 'zos-vm return')")
    boolean partial;

    @Option(names = "--app", paramLabel = "ID", description = "with --partial: a window to lend (repeatable; default: all)")
    List<Integer> apps;

    @Option(names = "--folder", paramLabel = "PATH", description = "with --partial: a folder of the anima to lend (repeatable)")
    List<String> folders;

    @Override
    void run(HostOptions.Agent agent, PrintWriter out) {
        if (target.isBlank()) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "no host named to dominate",
                    "name an enrolled host: 'zos-vm hosts' lists them");
        }
        if (!partial && (apps != null || folders != null)) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "--app and --folder go with --partial",
                    "a full domination moves the whole anima: drop them, or add --partial");
        }
        if (partial) {
            Map<String, String> options = new HashMap<>(Map.of("host", target));
            if (apps != null) {
                options.put("apps", String.join(",", apps.stream().map(String::valueOf).toList()));
            }
            if (folders != null) {
                options.put("folders", String.join("\n", folders));
            }
            out.println(agent.act("lend", name, options).note());
            return;
        }
        full(this, agent, out, name, target);
    }

    /** A full domination of {@code target} by {@code name}, said as it ended. */
    static void full(MoveCommand command, HostOptions.Agent agent, PrintWriter out, String name, String target) {
        String note = command.move(agent, "dominate", name, Map.of("host", target));
        out.printf("Anima '%s' runs on %s now: %s.%nBring it home with: zos-vm return %s%n", name, target, note, name);
    }
}
