package org.zos.cli;

import java.io.PrintWriter;
import java.util.HashMap;
import java.util.Map;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code zos-vm stage HOST [NAME]}: sends the anima's images to HOST ahead of a domination while it goes on
 * running here, so that {@code zos-vm dominate HOST NAME} later sends only what changed since.
 */
@Command(name = "stage", description = "Send the anima's disk and images to HOST ahead of a domination, while it goes on running "
        + "here: HOST keeps them sealed, without the key, and a later 'zos-vm dominate HOST' sends only what changed since. "
        + "Ctrl-C or 'zos-vm cancel' ends it; a domination of the anima ends it too.")
final class StageCommand extends HostCommand {
    @Parameters(index = "0", paramLabel = "HOST", description = "the enrolled host the anima may dominate next")
    String target;

    @Parameters(index = "1", paramLabel = "NAME", defaultValue = "anima", description = "the anima (default: ${DEFAULT-VALUE})")
    String name;

    @Mixin
    BandwidthOption bandwidth;

    @Override
    void run(HostOptions.Agent agent, PrintWriter out) {
        if (target.isBlank()) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "no host named to stage on", "name an enrolled host: 'zos-vm hosts' lists them");
        }
        Map<String, String> options = new HashMap<>(Map.of("host", target));
        bandwidth.into(options);
        String note;
        try (Progress p = Progress.pushed(err())) {
            note = host.cancellable(agent, "stage", name, options, p, err()).note();
        }
        out.printf("Anima '%s' is staged on %s: %s.%nIt runs here as before; 'zos-vm dominate %s %s' now sends only what changed since.%n",
                name, target, note, target, name);
    }
}
