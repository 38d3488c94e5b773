package org.zos.cli;

import java.io.PrintWriter;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.store.AnimaStore;
import org.zos.store.GcReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code zos-vm store gc}: drops old generations and the chunks nothing needs any more. */
@Command(name = "gc", description = "Delete chunks no manifest needs; with --keep N, first all but the newest N generations of each image.")
final class StoreGcCommand extends StoreSubcommand {

    @Option(names = "--keep", paramLabel = "N", description = "generations to keep per image (default: all)")
    int keep;

    @Override
    void run(PrintWriter out) throws Exception {
        if (keep < 0) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "--keep " + keep + " is negative", "give 0 (keep all) or more");
        }
        for (String anima : options.animas()) {
            GcReport r;
            try (AnimaStore s = options.open(anima)) {
                r = s.gc(keep);
            }
            r.repaired().forEach(x -> out.println(anima + ": " + x));
            out.printf("%s: removed %d generations, %d chunks; deleted %d packs, rewrote %d; freed %s.%n",
                    anima, r.generationsRemoved(), r.chunksRemoved(), r.packsRemoved(), r.packsRewritten(), Sizes.bytes(r.bytesFreed()));
        }
    }
}
