package org.zos.store;

import java.util.List;

/**
 * What {@code check} found: how much it looked at, and each problem in one line that names the damaged
 * pack, index, manifest or chunk and the images it hurts.
 */
public record CheckReport(int packs, int chunks, int manifests, long chunksRead, long bytesRead,
        List<String> problems) {

    public boolean ok() {
        return problems.isEmpty();
    }
}
