package org.zos.agent.anima;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.zos.agent.hypervisor.Commands;
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
            Commands.run(mkfs);
            Commands.run(List.of("qemu-img", "convert", "-q", "-f", "raw", "-O", "qcow2", raw.toString(), qcow2.toString()));
        } finally {
            Files.deleteIfExists(raw);
        }
    }

    /**
     * Makes the disk as a copy of a guest's root disk, grown to {@code sizeMiB} (the guest grows its file
     * system to the disk when it boots).
     */
    static void copy(Path rootDisk, Path qcow2, long sizeMiB) throws IOException {
        long have = Files.size(rootDisk); // at least the image's own size: a lower bound of what it needs
        String info = Commands.run(List.of("qemu-img", "info", "--output=json", rootDisk.toString()));
        long virtual = com.fasterxml.jackson.databind.json.JsonMapper.builder().build().readTree(info).path("virtual-size").asLong(have);
        if (sizeMiB << 20 < virtual) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "a disk of " + sizeMiB + " MiB is smaller than the guest's "
                    + (virtual >> 20) + " MiB system", "give a larger --disk-size, e.g. --disk-size 8G");
        }
        Files.copy(rootDisk, qcow2, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Commands.run(List.of("qemu-img", "resize", "-q", qcow2.toString(), String.valueOf(sizeMiB << 20)));
    }
}
