package org.zos.agent.move;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The blocks of a visitor's disk base by content ({@link DiskIngest#index}), made while the anima visits
 * (the disk under its overlay does not change), so that its live return over the disk home kept need not
 * read them while it starts. Kept for the last few bases only (a 16 GiB disk's index is 64 MiB), each
 * under the base's claim: an index is only taken for the very base it was made of.
 */
final class BaseBlocks {
    private static final int MOST = 4;
    private static final Map<Path, Made> MADE = new LinkedHashMap<>(8, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Path, Made> eldest) {
            return size() > MOST;
        }
    };

    private record Made(String claim, DiskBlocks blocks) {
    }

    private BaseBlocks() {
    }

    static synchronized void put(Path disk, String claim, DiskBlocks blocks) {
        MADE.put(disk, new Made(claim, blocks));
    }

    /** The index made of {@code disk} as base {@code claim}, or null. */
    static synchronized DiskBlocks get(Path disk, String claim) {
        Made m = MADE.get(disk);
        return m != null && m.claim.equals(claim) ? m.blocks : null;
    }

    /** Forgets the index of {@code disk} (its anima left this host). */
    static synchronized void forget(Path disk) {
        MADE.remove(disk);
    }
}
