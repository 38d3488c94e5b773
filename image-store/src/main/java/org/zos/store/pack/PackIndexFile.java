package org.zos.store.pack;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.zos.store.chunk.ChunkId;

/**
 * The index file of one pack: which chunks the pack holds and where. It ends with a SHA-256 of everything
 * before it, so a torn or damaged index is noticed when the store opens (and rebuilt from its pack).
 */
public record PackIndexFile(String pack, long packLength, List<Entry> entries) {

    /** One chunk in the pack; {@code bases} are the chunks it needs to be opened (none unless a delta). */
    public record Entry(ChunkId id, long offset, int length, List<ChunkId> bases) {
        public Entry {
            bases = List.copyOf(bases);
        }
    }

    private static final byte[] NO_BASE = new byte[ChunkId.LENGTH];

    public byte[] encode() {
        int size = PackFormat.INDEX_HEADER + PackFormat.DIGEST;
        for (Entry e : entries) {
            size += PackFormat.INDEX_ENTRY + e.bases().size() * ChunkId.LENGTH;
        }
        ByteBuffer b = ByteBuffer.allocate(size);
        b.put(PackFormat.INDEX_MAGIC).putShort((short) PackFormat.INDEX_VERSION).put(HexFormat.of().parseHex(pack))
                .putLong(packLength).putInt(entries.size());
        for (Entry e : entries) {
            b.put(e.id().bytes()).putLong(e.offset()).putInt(e.length()).put((byte) e.bases().size());
            e.bases().forEach(base -> b.put(base.bytes()));
        }
        b.put(sha256(b.array(), b.position()));
        return b.array();
    }

    /**
     * Reads an index file, of version 2 or 1.
     *
     * @return the index, or null if the bytes are not a sound index of {@code pack}
     */
    public static PackIndexFile decode(String pack, byte[] bytes) {
        int fixed = PackFormat.INDEX_HEADER + PackFormat.DIGEST;
        if (bytes.length < fixed || !Arrays.equals(bytes, 0, 6, PackFormat.INDEX_MAGIC, 0, 6)) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(bytes, 0, bytes.length - PackFormat.DIGEST);
        b.position(6);
        int version = b.getShort();
        if (version != PackFormat.INDEX_VERSION && version != 1) {
            return null;
        }
        byte[] packId = new byte[16];
        b.get(packId);
        long packLength = b.getLong();
        int count = b.getInt();
        if (count < 0 || (long) count * (version == 1 ? PackFormat.INDEX_ENTRY_V1 : PackFormat.INDEX_ENTRY) > bytes.length - fixed
                || !HexFormat.of().formatHex(packId).equals(pack)
                || !Arrays.equals(sha256(bytes, bytes.length - PackFormat.DIGEST), 0, PackFormat.DIGEST,
                        bytes, bytes.length - PackFormat.DIGEST, bytes.length)) {
            return null;
        }
        List<Entry> entries = new ArrayList<>(count);
        try {
            for (int i = 0; i < count; i++) {
                byte[] id = new byte[ChunkId.LENGTH];
                b.get(id);
                long offset = b.getLong();
                int length = b.getInt();
                int n = version == 1 ? 1 : b.get() & 0xff;
                List<ChunkId> bases = new ArrayList<>(n);
                for (int k = 0; k < n; k++) {
                    byte[] base = new byte[ChunkId.LENGTH];
                    b.get(base);
                    if (version > 1 || !Arrays.equals(base, NO_BASE)) {
                        bases.add(ChunkId.wrap(base));
                    }
                }
                entries.add(new Entry(ChunkId.wrap(id), offset, length, bases));
            }
        } catch (java.nio.BufferUnderflowException e) {
            return null;
        }
        if (b.hasRemaining()) {
            return null;
        }
        return new PackIndexFile(pack, packLength, List.copyOf(entries));
    }

    static byte[] sha256(byte[] b, int len) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(b, 0, len);
            return d.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
