package org.zos.agent.hypervisor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;

/**
 * What an anima's disk image may point QEMU at. The image's header came from another host with the
 * anima; a qcow2 header can name a backing file or an external data file, which QEMU would open on this
 * host. A disk that names either, or is neither qcow2 nor raw, is refused before it runs
 * ({@code qemu-img info}, which reads only the header).
 */
public final class DiskConfinement {
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * The files found confined, as they were then (inode, size, modification time: a rename keeps them): a receiver checks the disk it writes
     * ahead as soon as it is written, off the move's path, and the same file, renamed into place, is not run
     * through {@code qemu-img} again (hundreds of ms while the host writes the image back).
     */
    private static final java.util.Map<Object, Boolean> CHECKED = java.util.Collections.synchronizedMap(
            new java.util.LinkedHashMap<>(16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(java.util.Map.Entry<Object, Boolean> eldest) {
                    return size() > 64;
                }
            });

    private DiskConfinement() {
    }

    /** @throws ZosException DENIED naming what the image asks for */
    public static void require(Path disk) {
        Object was = unchanged(disk);
        if (was != null && CHECKED.containsKey(was)) {
            return;
        }
        JsonNode info;
        try {
            Process p = new ProcessBuilder("qemu-img", "info", "--output=json", "-U", disk.toString()).redirectErrorStream(false).start();
            byte[] out = p.getInputStream().readAllBytes();
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new ZosException(ErrorCode.INTEGRITY_ERROR, "qemu-img cannot read the anima's disk " + disk + ": " + err,
                        "the disk is damaged; it is not run");
            }
            info = JSON.readTree(out);
        } catch (IOException e) {
            throw new ZosException(ErrorCode.INTERNAL, "cannot run qemu-img: " + e.getMessage(), "install qemu-utils");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ZosException(ErrorCode.CANCELLED, "interrupted while checking " + disk, "");
        }
        require(info, disk);
        Object now = unchanged(disk);
        if (now != null && now.equals(was)) {
            CHECKED.put(now, Boolean.TRUE);
        }
    }

    /** What tells that a file is the one checked before, unchanged: its inode, size and modification time (null: unknown). */
    private static Object unchanged(Path file) {
        try {
            java.util.Map<String, Object> a = java.nio.file.Files.readAttributes(file, "unix:dev,ino,size,lastModifiedTime");
            return java.util.List.of(a.get("dev"), a.get("ino"), a.get("size"), a.get("lastModifiedTime"));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    static void require(JsonNode info, Path disk) {
        String format = info.path("format").asText();
        if (!format.equals("qcow2") && !format.equals("raw")) {
            refuse(disk, "is of format '" + format + "' (only qcow2 or raw)");
        }
        if (info.has("backing-filename") || info.has("full-backing-filename")) {
            refuse(disk, "names a backing file, " + info.path("backing-filename").asText());
        }
        JsonNode data = info.path("format-specific").path("data");
        if (data.has("data-file")) {
            refuse(disk, "names an external data file, " + data.path("data-file").asText());
        }
    }

    private static void refuse(Path disk, String what) {
        throw new ZosException(ErrorCode.DENIED, "the anima's disk " + disk.getFileName() + " " + what
                + ", which QEMU would open on this host", "the disk did not come from a zos host as it should; it is not run");
    }
}
