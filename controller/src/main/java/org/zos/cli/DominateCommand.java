package org.zos.cli;

import java.io.PrintWriter;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code zos-vm dominate HOST [NAME]}: moves the running anima to HOST and resumes it there. */
@Command(name = "dominate", description = "Move the anima to HOST (full domination): it runs there, exactly where it was.")
final class DominateCommand extends HostCommand {
    @Parameters(index = "0", paramLabel = "HOST", description = "the enrolled host to run the anima on")
    String target;

    @Parameters(index = "1", paramLabel = "NAME", defaultValue = "anima", description = "the anima (default: ${DEFAULT-VALUE})")
    String name;

    @picocli.CommandLine.Option(names = "--bandwidth", paramLabel = "RATE",
            description = "send at most this fast, e.g. 50mbit or 6M (bytes per second); default: as fast as the link goes")
    String bandwidth;

    @Override
    void run(HostOptions.Agent agent, PrintWriter out) {
        String note;
        try (Progress p = Progress.pushed(err())) {
            Map<String, String> options = bandwidth == null ? Map.of("host", target) : Map.of("host", target, "bandwidth", bandwidth);
            note = host.cancellable(agent, "dominate", name, options, p, err()).note();
        }
        out.printf("Anima '%s' runs on %s now: %s.%nBring it home with: zos-vm return %s%n", name, target, note, name);
    }
}
