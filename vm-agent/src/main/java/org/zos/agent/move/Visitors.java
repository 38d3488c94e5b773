package org.zos.agent.move;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;
import org.zos.agent.anima.AnimaManager;
import org.zos.store.manifest.Manifest;

/**
 * What a visited host does when a visitor leaves it, whether it went home or its arrival was dropped:
 * nothing readable of it stays. Its files are overwritten and deleted, its store is retired (key and
 * manifests destroyed; the sealed chunks stay, unreadable, so a later visit sends only what changed) and
 * its visit key is forgotten.
 */
final class Visitors {
    private static final Logger LOG = Logger.getLogger(Visitors.class.getName());

    private Visitors() {
    }

    /** Erases the visitor {@code held}; {@code written} are the disk's data ranges (null: overwrite all of it). */
    static void erase(MoveContext ctx, AnimaManager.Held held, long[] written) throws IOException {
        String name = held.record().name();
        long t0 = System.nanoTime();
        BaseBlocks.forget(held.paths().disk());
        long files;
        try {
            held.forget(written);
        } finally { // its key goes even if a file could not be overwritten: what the store sealed stays unreadable
            files = System.nanoTime();
            try {
                ctx.store().retire(name);
            } finally {
                ctx.visits().forget(name);
            }
        }
        LOG.info(String.format(java.util.Locale.ROOT, "visitor %s erased here: its files overwritten and deleted (of its disk %s), its key"
                + " destroyed, in %d ms (the files %d ms)", name, written == null ? "all of it" : (bytes(written) >> 20) + " MiB of data",
                (System.nanoTime() - t0) / 1_000_000, (files - t0) / 1_000_000));
    }

    private static long bytes(long[] ranges) {
        long n = 0;
        for (int i = 1; i < ranges.length; i += 2) {
            n += ranges[i];
        }
        return n;
    }

    /** The byte ranges of a disk image that hold data (offset, length pairs), from its manifest; null if none. */
    static long[] written(Manifest disk) {
        if (disk == null) {
            return null;
        }
        List<Long> r = new ArrayList<>();
        long off = 0;
        for (var e : disk.entries()) {
            if (!e.isZero()) {
                int n = r.size();
                if (n >= 2 && r.get(n - 2) + r.get(n - 1) == off) {
                    r.set(n - 1, r.get(n - 1) + e.length());
                } else {
                    r.add(off);
                    r.add((long) e.length());
                }
            }
            off += e.length();
        }
        return r.stream().mapToLong(Long::longValue).toArray();
    }
}
