package org.zos.store;

import java.util.List;

/** What {@code gc} did: generations dropped, packs deleted or rewritten, chunks and bytes freed. */
public record GcReport(int generationsRemoved, int packsRemoved, int packsRewritten, long chunksRemoved,
        long bytesFreed, List<String> repaired) {
}
