package org.zos.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.zos.store.AnimaStore;
import org.zos.store.StoreStats;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code zos-vm store stats}: what the store holds, per anima and image. */
@Command(name = "stats", description = "Show what the store holds: per anima its packs and bytes, per image its generations.")
final class StoreStatsCommand implements Callable<Integer> {
    @Mixin
    StoreOptions options;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
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
        return 0;
    }
}
