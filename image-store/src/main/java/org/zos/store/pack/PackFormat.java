package org.zos.store.pack;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Pack and index file layouts (docs/store-format.md, "Packs" and "Indexes"). All integers are big-endian.
 *
 * <pre>
 * pack    = "ZOSPAK" u16:2  u32:crc32c(the 8 bytes before)  entry*
 * entry   = chunk-id[32]  u32:length  u32:crc32c(the 36 bytes before)  sealed-chunk[length]
 * pack v1 = "ZOSPAK" u16:1  (chunk-id[32]  u32:length  sealed-chunk[length])*      (read, never written)
 *
 * index = "ZOSIDX" u16:2  pack-id[16]  u64:pack-length  u32:count
 *         (chunk-id[32]  u64:offset  u32:length  u8:n  base-id[32]*n)*count  sha256[32]
 * index v1 = the same with exactly one base-id per entry, 32 zero bytes for none (read, never written)
 *
 * base-ids are the chunks a delta chunk needs (its base, or the chunks its refs name).
 * </pre>
 * The checksums let {@code check} verify a pack's headers and let a rebuild of a lost index stop at the
 * first damaged entry instead of indexing a chunk under a wrong id. The chunk's own seal covers its bytes.
 */
final class PackFormat {
    static final byte[] PACK_MAGIC = "ZOSPAK".getBytes(StandardCharsets.US_ASCII);
    static final byte[] INDEX_MAGIC = "ZOSIDX".getBytes(StandardCharsets.US_ASCII);
    /** The pack version written; version 1 packs are still read. */
    static final int VERSION = 2;
    /** The index version written; version 1 indexes are still read. */
    static final int INDEX_VERSION = 2;
    static final int PACK_HEADER = 12;
    static final int ENTRY_HEADER = 32 + 4 + 4;
    static final int PACK_HEADER_V1 = 8;
    static final int ENTRY_HEADER_V1 = 32 + 4;
    static final int INDEX_HEADER = 8 + 16 + 8 + 4;
    /** An index entry without its bases. */
    static final int INDEX_ENTRY = 32 + 8 + 4 + 1;
    static final int INDEX_ENTRY_V1 = 32 + 8 + 4 + 32;
    static final int DIGEST = 32;

    private PackFormat() {
    }

    static byte[] packHeader() {
        ByteBuffer h = ByteBuffer.allocate(PACK_HEADER);
        h.put(PACK_MAGIC).putShort((short) VERSION);
        h.putInt(crc(h.array(), 0, 8));
        return h.array();
    }

    /** An entry's header: the chunk id, the sealed length and their checksum. */
    static byte[] entryHeader(byte[] id, int length) {
        ByteBuffer h = ByteBuffer.allocate(ENTRY_HEADER);
        h.put(id).putInt(length);
        h.putInt(crc(h.array(), 0, 36));
        return h.array();
    }

    static int crc(byte[] b, int off, int len) {
        java.util.zip.CRC32C c = new java.util.zip.CRC32C();
        c.update(b, off, len);
        return (int) c.getValue();
    }
}
