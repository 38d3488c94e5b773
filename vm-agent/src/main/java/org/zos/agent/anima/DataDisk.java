package org.zos.agent.anima;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;

/**
 * Makes an anima's data disk: an ext4 file system (label {@code zos-data}) in a sparse raw file, converted
 * to qcow2. Made on the host with e2fsprogs and qemu-img, so the guest finds a ready file system.
 */
final class DataDisk {
    private DataDisk() {
    }

    /** Makes the disk; with {@code seed} (may be null) the file system starts as a copy of that directory. */
    static void create(Path qcow2, long sizeMiB, Path seed) throws IOException {
        Path raw = qcow2.resolveSibling(qcow2.getFileName() + ".raw");
        try {
            try (RandomAccessFile f = new RandomAccessFile(raw.toFile(), "rw")) {
                f.setLength(sizeMiB << 20);
            }
            List<String> mkfs = new java.util.ArrayList<>(List.of("mkfs.ext4", "-q", "-F", "-L", "zos-data"));
            if (seed != null) {
                if (!Files.isDirectory(seed)) {
                    throw new ZosException(ErrorCode.BAD_PARAMETER, "no directory " + seed + " to fill the data disk from",
                            "give a directory on the anima's host");
                }
                mkfs.addAll(List.of("-d", seed.toString()));
            }
            mkfs.add(raw.toString());
            run(mkfs);
            run(List.of("qemu-img", "convert", "-q", "-f", "raw", "-O", "qcow2", raw.toString(), qcow2.toString()));
        } finally {
            Files.deleteIfExists(raw);
        }
    }

    private static void run(List<String> command) throws IOException {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new ZosException(ErrorCode.INTERNAL, command.get(0) + " is missing: " + e.getMessage(),
                    "run scripts/setup-host");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        try {
            if (p.waitFor() != 0) {
                throw new ZosException(ErrorCode.INTERNAL, String.join(" ", command) + " failed: " + out, "");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + command.get(0), e);
        }
    }
}
