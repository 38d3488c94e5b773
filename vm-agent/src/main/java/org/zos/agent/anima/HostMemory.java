package org.zos.agent.anima;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What {@code /proc/meminfo} says of this host's memory. */
public final class HostMemory {
    private HostMemory() {
    }

    /** The bytes of field {@code key} of /proc/meminfo ({@code "MemTotal:"}), 0 if this host does not say. */
    public static long bytes(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith(key)) {
                    return Long.parseLong(line.substring(key.length()).strip().split("\\s+")[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // unknown
        }
        return 0;
    }

    /** The memory the kernel can give without swapping (MemAvailable: free, and caches it can drop); 0 if unknown. */
    public static long available() {
        return bytes("MemAvailable:");
    }
}
