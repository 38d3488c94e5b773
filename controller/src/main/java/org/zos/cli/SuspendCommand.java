package org.zos.cli;

import java.io.PrintWriter;
import java.util.Map;
import org.zos.protocol.message.ActionDone;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code zos-vm suspend}: saves a running anima's memory to its state file and stops it; with
 * {@code --to REMOTE}, into its parcel in an object store, from where any host resumes it.
 */
@Command(name = "suspend", description = {"Save a running anima's memory to disk and stop it.",
        "With --to REMOTE it goes into its parcel in that object store (only what the store lacks is uploaded, sealed) "
                + "and leaves this host; 'zos-vm resume NAME --from REMOTE' runs it again, here or on any host."})
final class SuspendCommand extends AnimaCommand {
    @Option(names = "--to", paramLabel = "REMOTE", description = "suspend into the anima's parcel in REMOTE (see 'zos-vm remote')")
    String to;

    @picocli.CommandLine.Mixin
    PassphraseOption passphrase;

    @Override
    void run(HostOptions.Agent agent, PrintWriter out) throws Exception {
        long t0 = System.nanoTime();
        ActionDone done;
        if (to != null) {
            Map<String, String> options = passphrase.with(Map.of("to", to),
                    "Passphrase of " + name + "'s parcel in " + to + ": ");
            try (Progress p = Progress.pushed(err())) {
                done = agent.act("suspend", name, options, p);
            }
            out.printf("Anima '%s' suspended to remote '%s': %s.%n", name, to, done.note());
            return;
        }
        try (Progress p = Progress.pushed(err())) {
            done = agent.act("suspend", name, Map.of(), p);
        }
        out.printf("Anima '%s' suspended: %s state saved in %.1f s.%n", name, Sizes.bytes(done.anima().savedBytes()),
                (System.nanoTime() - t0) / 1e9);
    }
}
