package org.zos.cli;

import java.io.PrintWriter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code zos-vm stage HOST [NAME]}: sends the anima's images to HOST ahead of a domination while it goes on
 * running here, so that {@code zos-vm dominate HOST NAME} later sends only what changed since. {@code
 * zos-vm stage --from REMOTE [NAME]}: fetches the anima's parcel to this host ahead of a resume here.
 */
@Command(name = "stage", description = {"Send the anima's disk and images to HOST ahead of a domination, while it goes on running "
        + "here: HOST keeps them sealed, without the key, and a later 'zos-vm dominate HOST' sends only what changed since. "
        + "Ctrl-C or 'zos-vm cancel' ends it; a domination of the anima ends it too.",
        "With --from REMOTE (and no HOST), fetch the anima's parcel from that object store to this host ahead of a resume: "
                + "kept sealed without the key, so 'zos-vm resume NAME --from REMOTE' here later downloads only what changed."})
final class StageCommand extends HostCommand {
    @Parameters(index = "0", paramLabel = "HOST", arity = "0..1",
            description = "the enrolled host the anima may dominate next (with --from: left out)")
    String first;

    @Parameters(index = "1", paramLabel = "NAME", arity = "0..1", description = "the anima (default: anima)")
    String second;

    @Option(names = "--from", paramLabel = "REMOTE", description = "stage the anima's parcel in REMOTE here (see 'zos-vm remote')")
    String from;

    @Mixin
    BandwidthOption bandwidth;

    @Mixin
    PassphraseOption passphrase;

    @Override
    void run(HostOptions.Agent agent, PrintWriter out) throws Exception {
        List<String> args = java.util.stream.Stream.of(first, second).filter(java.util.Objects::nonNull).toList();
        if (from != null) {
            if (args.size() > 1) {
                throw new ZosException(ErrorCode.BAD_PARAMETER, "--from stages on this host: no HOST goes with it",
                        "run 'zos-vm stage --from " + from + " NAME' on the host that will resume it");
            }
            if (bandwidth.rate != null) {
                throw new ZosException(ErrorCode.BAD_PARAMETER, "--bandwidth goes with a stage on another host, not with --from", "drop it");
            }
            String name = args.isEmpty() ? "anima" : args.get(0);
            Map<String, String> options = passphrase.with(Map.of("from", from), "Passphrase of " + name + "'s parcel in " + from + ": ");
            String note;
            try (Progress p = Progress.pushed(err())) {
                note = host.cancellable(agent, "stage", name, options, p, err()).note();
            }
            out.printf("Anima '%s' is staged here from remote '%s': %s.%n'zos-vm resume %s --from %s' here now downloads only what "
                    + "changed since.%n", name, from, note, name, from);
            return;
        }
        if (args.isEmpty() || args.get(0).isBlank()) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "no host named to stage on",
                    "name an enrolled host ('zos-vm hosts' lists them), or stage here from a parcel with --from REMOTE");
        }
        String target = args.get(0);
        String name = args.size() > 1 ? args.get(1) : "anima";
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
