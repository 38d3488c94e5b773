package org.zos.store.pack;

import java.nio.charset.StandardCharsets;

/**
 * Pack and index file layouts, version 1 (docs/store-format.md, "Packs" and "Indexes"). All integers are
 * big-endian.
 *
 * <pre>
 * pack  = "ZOSPAK" u16:version  entry*
 * entry = chunk-id[32]  u32:length  sealed-chunk[length]
 *
 * index = "ZOSIDX" u16:version  pack-id[16]  u64:pack-length  u32:count
 *         (chunk-id[32]  u64:offset  u32:length  base-id[32])*count  sha256[32]
 *
 * base-id is the base of a delta chunk, or 32 zero bytes.
 * </pre>
 */
final class PackFormat {
    static final byte[] PACK_MAGIC = "ZOSPAK".getBytes(StandardCharsets.US_ASCII);
    static final byte[] INDEX_MAGIC = "ZOSIDX".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 1;
    static final int PACK_HEADER = 8;
    static final int ENTRY_HEADER = 32 + 4;
    static final int INDEX_HEADER = 8 + 16 + 8 + 4;
    static final int INDEX_ENTRY = 32 + 8 + 4 + 32;
    static final int DIGEST = 32;

    private PackFormat() {
    }

    static byte[] packHeader() {
        byte[] h = new byte[PACK_HEADER];
        System.arraycopy(PACK_MAGIC, 0, h, 0, 6);
        h[7] = VERSION;
        return h;
    }
}
