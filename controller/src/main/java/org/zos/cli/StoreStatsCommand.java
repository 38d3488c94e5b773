package org.zos.cli;

import java.io.PrintWriter;
import org.zos.store.AnimaStore;
import org.zos.store.StoreStats;
import picocli.CommandLine.Command;

/** {@code zos-vm store stats}: what the store holds, per anima and image. */
@Command(name = "stats", description = "Show what the store holds: per anima its packs and bytes, per image its generations.")
final class StoreStatsCommand extends StoreSubcommand {

    @Override
    void run(PrintWriter out) throws Exception {
        for (String anima : options.animas()) {
            StoreStats st;
            try (AnimaStore s = options.open(anima)) {
                st = s.stats();
            }
            out.printf("%s: %d packs, %d chunks, %s on disk%n", anima, st.packs(), st.chunks(), Sizes.bytes(st.packBytes()));
            if (!st.images().isEmpty()) {
                out.printf("  %-20s %6s %10s %10s %8s  %s%n", "IMAGE", "GEN", "SIZE", "ZERO", "CHUNKS", "DIGEST");
            }
            for (StoreStats.ImageStats i : st.images()) {
                out.printf("  %-20s %6s %10s %10s %8d  %s%n", i.image(), i.latest() + (i.generations() > 1 ? " (" + i.generations() + ")" : ""),
                        Sizes.bytes(i.length()), Sizes.bytes(i.zeroBytes()), i.chunks(), i.digest());
            }
        }
    }
}
