package org.zos.store.chunking;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Measures chunk size choices on real images: {@code ChunkStudy FILE [FILE2]}. For each size set it
 * prints the chunk count, bytes in zero chunks, unique bytes of FILE, and, with FILE2 (a later version of
 * FILE), the bytes of FILE2 in chunks FILE lacks, beside the bytes of 4 KiB pages that really differ.
 * The numbers behind {@link ChunkerParams#DEFAULT}; see docs/store-format.md.
 */
public final class ChunkStudy {
    private static final List<ChunkerParams> CANDIDATES = List.of(
            new ChunkerParams(4 << 10, 16 << 10, 64 << 10),
            new ChunkerParams(8 << 10, 32 << 10, 128 << 10),
            new ChunkerParams(16 << 10, 64 << 10, 256 << 10),
            new ChunkerParams(32 << 10, 128 << 10, 512 << 10));

    private ChunkStudy() {
    }

    public static void main(String[] args) throws Exception {
        Path a = Path.of(args[0]);
        Path b = args.length > 1 ? Path.of(args[1]) : null;
        System.out.printf(Locale.ROOT, "%s: %,d bytes%s%n", a, Files.size(a),
                b == null ? "" : String.format(Locale.ROOT, "; %s: %,d bytes, 4 KiB pages that differ: %,d bytes",
                        b, Files.size(b), changedPages(a, b)));
        System.out.printf("%-16s %8s %14s %14s %14s %9s%n", "min/avg/max KiB", "chunks", "zero bytes", "unique bytes",
                "FILE2 adds", "MB/s");
        for (ChunkerParams p : CANDIDATES) {
            Set<String> seen = new HashSet<>();
            long t0 = System.nanoTime();
            long[] s = scan(a, p, seen, true);
            double mbs = Files.size(a) / 1e6 / ((System.nanoTime() - t0) / 1e9);
            long adds = b == null ? 0 : scan(b, p, seen, false)[2];
            System.out.printf(Locale.ROOT, "%-16s %,8d %,14d %,14d %14s %9.0f%n",
                    (p.min() >> 10) + "/" + (p.avg() >> 10) + "/" + (p.max() >> 10), s[0], s[1], s[2],
                    b == null ? "-" : String.format(Locale.ROOT, "%,d", adds), mbs);
        }
    }

    /** {chunks, zero bytes, bytes in chunks not yet seen}; adds what it sees to {@code seen} if asked. */
    private static long[] scan(Path file, ChunkerParams p, Set<String> seen, boolean remember)
            throws IOException, NoSuchAlgorithmException {
        long chunks = 0;
        long zero = 0;
        long fresh = 0;
        Set<String> local = new HashSet<>();
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 20)) {
            Chunker chunker = new Chunker(in, p);
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (Chunk c; (c = chunker.next()) != null; chunks++) {
                if (c.zero()) {
                    zero += c.length();
                    continue;
                }
                String id = HexFormat.of().formatHex(sha.digest(c.data()));
                if (!seen.contains(id) && local.add(id)) {
                    fresh += c.length();
                }
            }
        }
        if (remember) {
            seen.addAll(local);
        }
        return new long[] {chunks, zero, fresh};
    }

    private static long changedPages(Path a, Path b) throws IOException {
        long changed = 0;
        try (InputStream x = new BufferedInputStream(Files.newInputStream(a), 1 << 20);
                InputStream y = new BufferedInputStream(Files.newInputStream(b), 1 << 20)) {
            byte[] p = new byte[4096];
            byte[] q = new byte[4096];
            while (true) {
                int n = x.readNBytes(p, 0, 4096);
                int m = y.readNBytes(q, 0, 4096);
                if (m == 0) {
                    return changed;
                }
                if (n != m || !java.util.Arrays.equals(p, 0, n, q, 0, m)) {
                    changed += m;
                }
            }
        }
    }
}
