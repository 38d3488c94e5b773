package org.zos.store;

import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import org.zos.store.chunking.ChunkerParams;

/**
 * A writer for the crash and concurrency tests, run in its own JVM: ingests {@code count} images made
 * from seeds {@code first..first+count-1} into image {@code image} of anima "work", announcing each commit.
 * Arguments: store-dir image first count.
 */
public final class IngestLoop {
    public static void main(String[] args) throws Exception {
        Store store = Store.open(Path.of(args[0]));
        long first = Long.parseLong(args[2]);
        int count = Integer.parseInt(args[3]);
        try (AnimaStore s = store.open("work", new byte[32])) {
            for (long seed = first; seed < first + count; seed++) {
                AnimaStore.Ingested in = s.ingest(args[1], new ByteArrayInputStream(TestImages.mixed(seed, 6 << 20)),
                        new ChunkerParams(4 << 10, 16 << 10, 64 << 10), new WorkMeter());
                System.out.println("committed " + in.manifest().label() + " seed " + seed);
                System.out.flush();
            }
        }
    }
}
