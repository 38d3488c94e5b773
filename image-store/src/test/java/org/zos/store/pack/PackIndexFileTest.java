package org.zos.store.pack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.zos.store.chunk.ChunkId;

class PackIndexFileTest {
    private static final String PACK = "00112233445566778899aabbccddeeff";

    private static ChunkId id(int n) {
        byte[] b = new byte[ChunkId.LENGTH];
        b[0] = (byte) n;
        b[31] = 1;
        return ChunkId.wrap(b);
    }

    @Test
    void entriesWithNoneOneOrManyBasesComeBackAsWritten() {
        PackIndexFile f = new PackIndexFile(PACK, 9000, List.of(
                new PackIndexFile.Entry(id(1), 12, 100, List.of()),
                new PackIndexFile.Entry(id(2), 152, 200, List.of(id(1))),
                new PackIndexFile.Entry(id(3), 392, 300, List.of(id(1), id(4), id(5)))));
        byte[] b = f.encode();
        assertEquals(2, b[7], "written as version 2");
        assertEquals(f, PackIndexFile.decode(PACK, b));
        b[60] ^= 1;
        assertNull(PackIndexFile.decode(PACK, b), "a damaged index is refused");
        assertNull(PackIndexFile.decode(PACK, java.util.Arrays.copyOf(f.encode(), 80)), "a torn index is refused");
    }

    /** Stores written before refs have version 1 indexes: one base field per entry, zeros for none. */
    @Test
    void versionOneIndexesAreStillRead() {
        ByteBuffer b = ByteBuffer.allocate(PackFormat.INDEX_HEADER + 2 * PackFormat.INDEX_ENTRY_V1 + PackFormat.DIGEST);
        b.put(PackFormat.INDEX_MAGIC).putShort((short) 1).put(java.util.HexFormat.of().parseHex(PACK)).putLong(500).putInt(2);
        b.put(id(1).bytes()).putLong(12).putInt(100).put(new byte[ChunkId.LENGTH]);
        b.put(id(2).bytes()).putLong(152).putInt(200).put(id(1).bytes());
        b.put(PackIndexFile.sha256(b.array(), b.position()));
        PackIndexFile f = PackIndexFile.decode(PACK, b.array());
        assertEquals(List.of(new PackIndexFile.Entry(id(1), 12, 100, List.of()), new PackIndexFile.Entry(id(2), 152, 200, List.of(id(1)))),
                f.entries());
    }
}
