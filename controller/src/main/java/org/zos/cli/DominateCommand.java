package org.zos.cli;

import java.io.PrintWriter;
import java.util.Map;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code zos-vm dominate HOST [NAME]}: moves the running anima to HOST and resumes it there. */
@Command(name = "dominate", description = "Move the anima to HOST (full domination): it runs there, exactly where it was.")
final class DominateCommand extends MoveCommand {
    @Parameters(index = "0", paramLabel = "HOST", description = "the enrolled host to run the anima on")
    String target;

    @Parameters(index = "1", paramLabel = "NAME", defaultValue = "anima", description = "the anima (default: ${DEFAULT-VALUE})")
    String name;

    @Override
    void run(HostOptions.Agent agent, PrintWriter out) {
        if (target.isBlank()) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "no host named to dominate",
                    "name an enrolled host: 'zos-vm hosts' lists them");
        }
        String note = move(agent, "dominate", name, Map.of("host", target));
        out.printf("Anima '%s' runs on %s now: %s.%nBring it home with: zos-vm return %s%n", name, target, note, name);
    }
}
