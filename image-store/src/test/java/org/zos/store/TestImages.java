package org.zos.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/** Test images: compressible, incompressible and zero regions, reproducible from a seed. */
final class TestImages {
    private TestImages() {
    }

    /**
     * Random words from a small vocabulary (compresses like text), random bytes, and zero runs, short ones
     * and one of 1 MiB in the middle.
     */
    static byte[] mixed(long seed, int length) {
        SplittableRandom r = new SplittableRandom(seed);
        byte[] b = new byte[length];
        String[] words = {"anima ", "zombie ", "master ", "chunk ", "pack ", "manifest ", "return ", "dominate "};
        int i = 0;
        while (i < length) {
            int kind = r.nextInt(3);
            int run = Math.min(length - i, 4096 + r.nextInt(300_000));
            if (kind == 0) {
                for (int j = i; j < i + run; ) {
                    byte[] w = words[r.nextInt(words.length)].getBytes(StandardCharsets.US_ASCII);
                    for (int k = 0; k < w.length && j < i + run; k++) {
                        b[j++] = w[k];
                    }
                }
            } else if (kind == 1) {
                for (int j = i; j < i + run; j++) {
                    b[j] = (byte) r.nextInt();
                }
            }
            i += run;
        }
        java.util.Arrays.fill(b, length / 2, Math.min(length, length / 2 + (1 << 20)), (byte) 0);
        return b;
    }

    static Path write(Path dir, String name, byte[] content) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, content);
        return p;
    }

    /** The bytes a file occupies on disk (holes excluded), from stat(1). */
    static long allocatedBytes(Path file) throws IOException {
        Process p = new ProcessBuilder("stat", "-c", "%b %B", file.toString()).start();
        String[] f = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim().split(" ");
        return Long.parseLong(f[0]) * Long.parseLong(f[1]);
    }

    /** Does any file under {@code dir} contain {@code marker}? */
    static boolean contains(Path dir, byte[] marker) throws IOException {
        try (var s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                byte[] b = Files.readAllBytes(p);
                outer:
                for (int i = 0; i + marker.length <= b.length; i++) {
                    for (int j = 0; j < marker.length; j++) {
                        if (b[i + j] != marker[j]) {
                            continue outer;
                        }
                    }
                    return true;
                }
            }
        }
        return false;
    }
}
