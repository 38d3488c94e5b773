package org.zos.cli;

import java.io.PrintWriter;
import java.util.Map;
import org.zos.protocol.message.ActionDone;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code zos-vm resume}: runs a suspended anima again from its state file (or unpauses a paused one); with
 * {@code --from REMOTE}, from its parcel in an object store, on this host.
 */
@Command(name = "resume", description = {"Run a suspended anima again where it was.",
        "With --from REMOTE it is fetched from its parcel in that object store (only what this host lacks), checked, "
                + "and runs here; the parcel stays checked out to this host until it is suspended there again."})
final class ResumeCommand extends AnimaCommand {
    @Option(names = "--from", paramLabel = "REMOTE", description = "resume from the anima's parcel in REMOTE (see 'zos-vm remote')")
    String from;

    @picocli.CommandLine.Mixin
    PassphraseOption passphrase;

    @Override
    void run(HostOptions.Agent agent, PrintWriter out) throws Exception {
        long t0 = System.nanoTime();
        Map<String, String> options = from == null ? Map.of() : passphrase.with(Map.of("from", from),
                "Passphrase of " + name + "'s parcel in " + from + ": ");
        ActionDone done;
        try (Progress p = Progress.pushed(err())) {
            done = agent.act("resume", name, options, p);
        }
        if (from != null) {
            out.printf("Anima '%s' resumed from remote '%s': %s.%n", name, from, done.note());
            return;
        }
        out.printf("Anima '%s' resumed in %.1f s.%n", name, (System.nanoTime() - t0) / 1e9);
    }
}
