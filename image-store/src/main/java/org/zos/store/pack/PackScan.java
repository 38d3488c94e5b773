package org.zos.store.pack;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.zos.store.chunk.ChunkId;
import org.zos.store.chunk.SealedChunk;

/**
 * A pack read from start to end by its headers alone (the sealed bytes are skipped): what {@code check}
 * compares with the pack's index, and what a lost index is rebuilt from. Reading stops at the first
 * header that is damaged (a checksum that does not match, a length out of bounds, an entry that runs past
 * the end), so a rebuild never indexes a chunk under a wrong id.
 *
 * @param entries the whole entries before any damage
 * @param damage what is wrong and where, or null if every byte of the pack is accounted for
 */
public record PackScan(PackIndexFile entries, String damage) {

    public boolean clean() {
        return damage == null;
    }

    public static PackScan of(Path packFile, String pack) throws IOException {
        try (FileChannel ch = FileChannel.open(packFile, StandardOpenOption.READ)) {
            long size = ch.size();
            ByteBuffer header = ByteBuffer.allocate(PackFormat.PACK_HEADER);
            header.limit((int) Math.min(size, PackFormat.PACK_HEADER));
            PackReader.readFully(ch, header, 0);
            byte[] h = header.array();
            int version = size >= PackFormat.PACK_HEADER_V1 && Arrays.equals(Arrays.copyOf(h, 6), PackFormat.PACK_MAGIC)
                    ? ((h[6] & 0xff) << 8) | (h[7] & 0xff) : -1;
            long pos;
            int entryHeader;
            if (version == PackFormat.VERSION && size >= PackFormat.PACK_HEADER
                    && ByteBuffer.wrap(h).getInt(8) == PackFormat.crc(h, 0, 8)) {
                pos = PackFormat.PACK_HEADER;
                entryHeader = PackFormat.ENTRY_HEADER;
            } else if (version == 1) {
                pos = PackFormat.PACK_HEADER_V1;
                entryHeader = PackFormat.ENTRY_HEADER_V1;
            } else {
                return new PackScan(new PackIndexFile(pack, 0, List.of()), "its header is damaged (not a version 1 or 2 zos pack)");
            }
            List<PackIndexFile.Entry> entries = new ArrayList<>();
            ByteBuffer eh = ByteBuffer.allocate(entryHeader + SealedChunk.MAX_HEADER);
            String damage = null;
            while (pos < size) {
                eh.clear();
                eh.limit((int) Math.min(eh.capacity(), size - pos));
                PackReader.readFully(ch, eh, pos);
                if (eh.limit() < entryHeader + SealedChunk.OVERHEAD) {
                    damage = "it ends inside the entry at offset " + pos + " (torn or truncated)";
                    break;
                }
                byte[] b = eh.array();
                int len = eh.getInt(ChunkId.LENGTH);
                if (entryHeader == PackFormat.ENTRY_HEADER && eh.getInt(36) != PackFormat.crc(b, 0, 36)) {
                    damage = "the header of the entry at offset " + pos + " is damaged (checksum)";
                    break;
                }
                long start = pos + entryHeader;
                if (len < SealedChunk.OVERHEAD || len > SealedChunk.MAX_SEALED || start + len > size) {
                    damage = "the entry at offset " + pos + " declares " + len + " bytes, which do not fit";
                    break;
                }
                ChunkId id = ChunkId.read(b, 0);
                byte[] head = Arrays.copyOfRange(b, entryHeader, eh.limit());
                entries.add(new PackIndexFile.Entry(id, start, len, new SealedChunk(id, head).bases()));
                pos = start + len;
            }
            return new PackScan(new PackIndexFile(pack, pos, List.copyOf(entries)), damage);
        }
    }

    /** How this pack's headers disagree with its index, or null if they agree entry by entry. */
    public String disagreement(PackIndexFile index) {
        if (!clean()) {
            return damage;
        }
        if (entries.packLength() != index.packLength() || entries.entries().size() != index.entries().size()) {
            return "it holds " + entries.entries().size() + " entries in " + entries.packLength() + " bytes, its index "
                    + index.entries().size() + " in " + index.packLength();
        }
        for (int i = 0; i < index.entries().size(); i++) {
            PackIndexFile.Entry a = entries.entries().get(i);
            PackIndexFile.Entry b = index.entries().get(i);
            if (!a.id().equals(b.id()) || a.offset() != b.offset() || a.length() != b.length()) {
                return "its entry at offset " + (a.offset()) + " differs from its index";
            }
        }
        return null;
    }
}
