package org.zos.store.chunk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.store.crypto.MasterKey;

class ChunkSealerTest {
    private final ChunkSealer sealer = new ChunkSealer(MasterKey.generate().derive());

    private static byte[] random(long seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void aChunkSealedWithRefsOpensWithTheirSlicesAndNotWithOthers() {
        byte[] a = random(1, 200_000);
        byte[] b = random(2, 300_000);
        byte[] plain = random(3, 150_000);
        System.arraycopy(a, 10_000, plain, 5_000, 4096);
        System.arraycopy(b, 250_000, plain, 90_000, 8192);
        ChunkId ia = sealer.id(a);
        ChunkId ib = sealer.id(b);
        List<SealedChunk.Ref> refs = List.of(new SealedChunk.Ref(ia, 8_000, 8_192), new SealedChunk.Ref(ib, 246_000, 16_384));
        byte[] dict = new byte[8_192 + 16_384];
        System.arraycopy(a, 8_000, dict, 0, 8_192);
        System.arraycopy(b, 246_000, dict, 8_192, 16_384);
        ChunkId id = sealer.id(plain);
        SealedChunk s = sealer.seal(id, plain, null, null, refs, dict);
        assertEquals(SealedChunk.CODEC_ZSTD_REFS, s.codec());
        assertEquals(refs, s.refs());
        assertEquals(List.of(ia, ib), s.bases());
        assertTrue(s.bytes().length < sealer.seal(id, plain).bytes().length - 10_000, "the copied pages cost references");
        Map<ChunkId, byte[]> store = Map.of(ia, a, ib, b);
        assertArrayEquals(plain, sealer.open(s, "here", store::get));

        // a ref altered after sealing: the seal covers the header
        byte[] altered = s.bytes().clone();
        altered[6 + 1 + 32 + 3] ^= 1;
        ZosException e = assertThrows(ZosException.class, () -> sealer.open(new SealedChunk(id, altered), "here", store::get));
        assertEquals(ErrorCode.INTEGRITY_ERROR, e.code());

        // the named chunk is shorter than the slice: refused by name, not read past its end
        Map<ChunkId, byte[]> shorter = Map.of(ia, a, ib, java.util.Arrays.copyOf(b, 100_000));
        e = assertThrows(ZosException.class, () -> sealer.open(s, "here", shorter::get));
        assertEquals(ErrorCode.INTEGRITY_ERROR, e.code());
        assertTrue(e.getMessage().contains("a ref names bytes"), e.getMessage());

        // a count of refs outside 1..255 is a layout problem
        byte[] none = s.bytes().clone();
        none[6] = 0;
        assertTrue(new SealedChunk(id, none).layoutProblem().contains("names 0 refs"));
    }
}
