package org.zos.cli;

import java.io.PrintWriter;
import java.util.Locale;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.store.AnimaStore;
import org.zos.store.CheckReport;
import org.zos.store.WorkMeter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code zos-vm store check}: like {@code restic check}, the structure always, the data on request. */
@Command(name = "check", description = "Check the store: packs, indexes and manifests; with --read-data every chunk too.")
final class StoreCheckCommand extends StoreSubcommand {

    @Option(names = "--read-data", description = "read, open and hash every chunk")
    boolean readData;

    @Option(names = "--read-data-subset", paramLabel = "PERCENT",
            description = "read only this share of the chunks, chosen at random (e.g. 10%%)")
    String subset;

    @Override
    void run(PrintWriter out) throws Exception {
        double fraction = 1;
        if (subset != null) {
            try {
                fraction = Double.parseDouble(subset.replace("%", "")) / 100;
            } catch (NumberFormatException e) {
                fraction = -1;
            }
            if (!(fraction > 0 && fraction <= 1)) {
                throw new ZosException(ErrorCode.BAD_PARAMETER, "'" + subset + "' is not a share of the chunks",
                        "give a percentage between 0 and 100, e.g. --read-data-subset 10%");
            }
        }
        int problems = 0;
        for (String anima : options.animas()) {
            WorkMeter meter = new WorkMeter();
            CheckReport r;
            try (AnimaStore s = options.open(anima); Progress p = Progress.of(meter, "checking " + anima, err())) {
                r = s.check(readData || subset != null, fraction, meter);
            }
            for (String problem : r.problems()) {
                out.println(anima + ": " + problem);
            }
            problems += r.problems().size();
            out.printf(Locale.ROOT, "%s: %d packs, %d chunks, %d manifests%s: %s%n", anima, r.packs(), r.chunks(),
                    r.manifests(), readData || subset != null ? ", read " + r.chunksRead() + " chunks ("
                            + Sizes.bytes(r.bytesRead()) + ")" : "", r.ok() ? "no problems" : r.problems().size() + " problems");
        }
        if (problems > 0) {
            throw new ZosException(ErrorCode.INTEGRITY_ERROR, "the store has " + problems + " problems (listed above)",
                    "images that need damaged chunks must be fetched again from a host that holds them");
        }
    }
}
