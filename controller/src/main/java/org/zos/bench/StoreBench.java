package org.zos.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.store.AnimaStore;
import org.zos.store.Store;
import org.zos.store.WorkMeter;
import org.zos.store.chunking.ChunkerParams;
import org.zos.store.chunking.Holes;
import org.zos.store.crypto.MasterKey;
import org.zos.store.manifest.Manifest;

/**
 * {@code zos-vm bench store}: ingest and materialize throughput, stored size, and what a later version
 * adds, each beside {@code zstd -1 -T0} of the same bytes measured in the same run. Files are read once
 * beforehand, so both sides start with them in the page cache; zos is measured with a warm JVM (see
 * {@link #WARM_UP_RUNS}). zos's figures include making its packs durable (fsync); zstd's do not.
 */
public final class StoreBench {
    /** zos ingests at least half as fast as zstd -1 -T0 compresses. */
    static final double INGEST_RATIO = 0.5;
    /** A sparse image (holes skipped, not read) ingests at least as fast as zstd -1 -T0 compresses it. */
    static final double SPARSE_INGEST_RATIO = 1.0;
    /**
     * A later memory image adds at most the zstd size of the bytes that really changed (1.3x until pages
     * found elsewhere in the anima became references).
     */
    static final double ADDED_RATIO = 1.0;
    /**
     * Ingests before the measured one, so the JIT has compiled the hot loops as it has in the agent, a
     * long-running daemon. The first (cold) run is printed too.
     */
    static final int WARM_UP_RUNS = 3;

    private final PrintWriter out;
    private final Path work;

    public StoreBench(PrintWriter out, Path work) {
        this.out = out;
        this.work = work;
    }

    public void run(Path file, Path file2) throws IOException, InterruptedException {
        for (Path f : file2 == null ? List.of(file) : List.of(file, file2)) {
            if (!Files.isRegularFile(f)) {
                throw new ZosException(ErrorCode.BAD_PARAMETER, "'" + f + "' is not a file", "give files to measure");
            }
            warm(f);
        }
        Files.createDirectories(work);
        Path dir = Files.createTempDirectory(work, "zos-bench-");
        try {
            measure(file, file2, dir);
        } finally {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private void measure(Path file, Path file2, Path dir) throws IOException, InterruptedException {
        long size = Files.size(file);
        out.printf(Locale.ROOT, "zos bench store: %s (%s)%s; %d cores; scratch in %s%n", file, mb(size),
                file2 == null ? "" : ", then " + file2 + " (" + mb(Files.size(file2)) + ")",
                Runtime.getRuntime().availableProcessors(), dir);
        Zstd z = Zstd.compress(file, dir.resolve("base.zst"));
        double zDecompress = Zstd.decompress(dir.resolve("base.zst"), dir.resolve("base.out"));
        Files.delete(dir.resolve("base.out"));

        Store store = Store.open(dir.resolve("store"));
        byte[] kek = new byte[32];
        new SecureRandom().nextBytes(kek);
        double cold = 0;
        for (int run = 0; run < WARM_UP_RUNS; run++) {
            try (AnimaStore warm = store.create("warm-up", MasterKey.generate(), kek)) {
                long t0 = System.nanoTime();
                Manifest m = warm.ingest("image", file, ChunkerParams.DEFAULT, new WorkMeter()).manifest();
                cold = run == 0 ? secs(t0) : cold;
                warm.materialize(m, dir.resolve("out"), new WorkMeter());
                Files.delete(dir.resolve("out"));
                warm.erase();
            }
        }
        try (AnimaStore s = store.create("bench", MasterKey.generate(), kek)) {
            long t0 = System.nanoTime();
            Manifest m = s.ingest("image", file, ChunkerParams.DEFAULT, new WorkMeter()).manifest();
            double ingest = secs(t0);
            long stored = du(s.directory());
            t0 = System.nanoTime();
            s.materialize(m, dir.resolve("out"), new WorkMeter());
            double materialize = secs(t0);
            Files.delete(dir.resolve("out"));

            out.printf(Locale.ROOT, "%-34s %-26s %s%n", "", "zos store", "zstd -1 -T0 (baseline)");
            out.printf(Locale.ROOT, "%-34s %-26s %s%n", "ingest, first run in this JVM", rate(size, cold), "");
            out.printf(Locale.ROOT, "%-34s %-26s %s%n", "ingest (chunk+hash+zstd+seal)", rate(size, ingest), rate(size, z.seconds()));
            out.printf(Locale.ROOT, "%-34s %-26s %s%n", "materialize (open+verify+write)", rate(size, materialize),
                    rate(size, zDecompress) + " (zstd -d)");
            out.printf(Locale.ROOT, "%-34s %-26s %s%n", "stored size", mb(stored) + pct(stored, size), mb(z.bytes()) + pct(z.bytes(), size));
            double ratio = (size / ingest) / (size / z.seconds());
            String added = null;
            if (file2 != null) {
                added = second(s, file, file2, dir, stored);
            }
            long data = Holes.of(file).dataBytes(size);
            boolean sparse = data < size / 2;
            double target = sparse ? SPARSE_INGEST_RATIO : INGEST_RATIO;
            out.printf(Locale.ROOT, "target ingest-throughput%s: %.2fx zstd vs %.2fx %s%n",
                    sparse ? "-sparse (" + mb(data) + " of data, the rest holes)" : "", ratio, target,
                    ratio >= target ? "met" : "missed");
            if (added != null) {
                out.println(added);
            }
        }
    }

    /** Ingests the later version; returns its target line, or null if the change cannot be measured. */
    private String second(AnimaStore s, Path file, Path file2, Path dir, long before) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        AnimaStore.Ingested in = s.ingest("image", file2, ChunkerParams.DEFAULT, new WorkMeter());
        double secs = secs(t0);
        long added = du(s.directory()) - before;
        long manifest = Files.size(s.directory().resolve("manifests/image").resolve(String.format("%020d.zm", in.manifest().generation())));
        Zstd whole = Zstd.compress(file2, dir.resolve("second.zst"));
        ChangedBytes.Result changed = ChangedBytes.write(file, file2, dir.resolve("changed"));
        out.printf(Locale.ROOT, "%-34s %-26s %s%n", "second version ingest", rate(Files.size(file2), secs), rate(Files.size(file2), whole.seconds()));
        out.printf(Locale.ROOT, "%-34s %-26s %s%n", "second version adds", mb(added) + " (" + in.newChunks() + " new chunks)",
                mb(whole.bytes()) + " (all of it again)");
        out.printf(Locale.ROOT, "%-34s %s in chunks (%s of plaintext), %s manifest, %s index%n", "  of which", mb(in.sealedBytes()),
                mb(in.newBytes()), mb(manifest), mb(added - in.sealedBytes() - manifest));
        if (changed == null) {
            out.println("bytes that really changed: unknown (not two save images of one guest, nor files of equal length)");
            return null;
        }
        Zstd z = Zstd.compress(dir.resolve("changed"), dir.resolve("changed.zst"));
        out.printf(Locale.ROOT, "%-34s %-26s %s%n", "bytes that really changed", mb(changed.bytes()), mb(z.bytes())
                + " zstd (" + changed.method() + ")");
        double limit = ADDED_RATIO * z.bytes();
        String figures = String.format(Locale.ROOT, "%s vs %s (%.1fx zstd of the changed bytes)", mb(added), mb((long) limit),
                ADDED_RATIO);
        if (!changed.memory()) {
            out.println("second version adds " + figures + "; the target is for memory images only");
            return null;
        }
        return "target memory-second-version-adds: " + figures + " " + (added <= limit ? "met" : "missed");
    }

    private static void warm(Path f) throws IOException {
        byte[] buf = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(f)) {
            while (in.read(buf) > 0) {
                // read once, so both sides start from the page cache
            }
        }
    }

    static long du(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    private static double secs(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    static String mb(long bytes) {
        return String.format(Locale.ROOT, bytes < 10_000_000 ? "%.2f MB" : "%.1f MB", bytes / 1e6);
    }

    private static String rate(long bytes, double secs) {
        return String.format(Locale.ROOT, "%.0f MB/s (%.2f s)", bytes / 1e6 / secs, secs);
    }

    private static String pct(long part, long whole) {
        return String.format(Locale.ROOT, " (%.0f%%)", 100.0 * part / whole);
    }
}
