package org.zos.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.zos.store.chunk.ChunkId;
import org.zos.store.chunk.SealedChunk;

class PageFinderTest {
    private static byte[] random(long seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static ChunkId id(int n) {
        byte[] b = new byte[ChunkId.LENGTH];
        b[0] = (byte) n;
        return ChunkId.wrap(b);
    }

    @Test
    void aPageCopiedToAnyOffsetIsFoundInTheChunkItCameFrom() {
        PageFinder f = new PageFinder();
        byte[] a = random(1, 1 << 20);
        byte[] b = random(2, 1 << 20);
        f.add(id(1), a.length, PageFinder.blocks(a));
        f.add(id(2), b.length, PageFinder.blocks(b));
        byte[] fresh = random(3, 300_000);
        System.arraycopy(b, 500_000, fresh, 12_345, 4096);  // a page of b at an odd place
        System.arraycopy(a, 77_000, fresh, 200_001, 4096);  // and one of a
        List<SealedChunk.Ref> refs = f.refs(fresh, 15, 1 << 20, null);
        assertEquals(2, refs.size(), refs.toString());
        for (SealedChunk.Ref r : refs) {
            int at = r.id().equals(id(2)) ? 500_000 : 77_000;
            assertTrue(r.offset() <= at && r.offset() + r.length() >= at + 4096, r + " holds the page");
            assertTrue(r.length() <= 4096 + 2 * PageFinder.MARGIN + PageFinder.MAX, r + " is about a page");
        }
        assertTrue(f.refs(random(4, 300_000), 15, 1 << 20, null).isEmpty(), "nothing is found in new bytes");
        assertTrue(f.refs(fresh, 15, 1 << 20, id(2)).stream().noneMatch(r -> r.id().equals(id(2))));
    }
}
