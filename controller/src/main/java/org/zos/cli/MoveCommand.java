package org.zos.cli;

import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** dominate and return: a move with progress, a rate cap, and Ctrl-C to cancel it. */
abstract class MoveCommand extends HostCommand {
    @Mixin
    BandwidthOption bandwidth;

    @Option(names = "--live", description = "move a running anima by live migration: it keeps running while its memory "
            + "goes and stops only for a moment at the end (see docs/protocol.md, \"Live moves\")")
    boolean live;

    @Option(names = "--suspend", description = "move a running anima suspended to a file: it stops while its memory goes "
            + "(today's default; the opposite of --live)")
    boolean suspend;

    /** Runs the move and returns the agent's note of what it cost. */
    String move(HostOptions.Agent agent, String action, String anima, Map<String, String> options) {
        Map<String, String> all = new HashMap<>(options);
        bandwidth.into(all);
        if (live && suspend) {
            throw new org.zos.protocol.ZosException(org.zos.protocol.ErrorCode.BAD_PARAMETER, "--live and --suspend both given",
                    "give one of them: --live keeps the anima running while it moves, --suspend stops it");
        }
        if (live) {
            all.put("live", "true");
        }
        try (Progress p = Progress.pushed(err())) {
            return host.cancellable(agent, action, anima, all, p, err()).note();
        }
    }
}
