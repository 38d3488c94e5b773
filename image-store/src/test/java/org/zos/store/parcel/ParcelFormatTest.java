package org.zos.store.parcel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.zos.store.crypto.MasterKey;

/** The bytes docs/parcel-format.md specifies, offset by offset: if this fails, the document or the code is wrong. */
class ParcelFormatTest {
    static final char[] PASS = "correct horse battery".toCharArray();

    @Test
    void aParcelKeyIsItsDocumentedNinetyThreeBytes() {
        byte[] k = ParcelKey.wrap(PASS, "work", MasterKey.generate(), 1024, 1);
        assertEquals(93, k.length);
        ByteBuffer b = ByteBuffer.wrap(k);
        assertArrayEquals("ZOSPKEY".getBytes(StandardCharsets.US_ASCII), Arrays.copyOf(k, 7));
        assertEquals(1, k[7]);
        assertEquals(1024, b.getInt(8));
        assertEquals(1, b.getInt(12));
        assertEquals(1, k[16]);
        byte[] def = ParcelKey.wrap(PASS, "work", MasterKey.generate());
        assertEquals(65536, ByteBuffer.wrap(def).getInt(8), "the default memory cost is the documented 64 MiB");
        assertEquals(3, ByteBuffer.wrap(def).getInt(12));
    }

    @Test
    void aParcelRecordIsMagicVersionKindNonceAndSealedBody() {
        ParcelRecord r = new ParcelRecord(MasterKey.generate(), "work");
        byte[] body = "{\"host\":\"lab\"}".getBytes(StandardCharsets.UTF_8);
        byte[] sealed = r.seal(ParcelRecord.LEASE, body);
        assertEquals(21 + body.length + 16, sealed.length);
        assertArrayEquals("ZOSPREC".getBytes(StandardCharsets.US_ASCII), Arrays.copyOf(sealed, 7));
        assertEquals(1, sealed[7]);
        assertEquals(2, sealed[8]);
        assertEquals(1, ParcelRecord.REST);
        assertEquals(3, ParcelRecord.NEEDS);
        assertArrayEquals(body, r.open(ParcelRecord.LEASE, sealed, "lease"));
    }

    @Test
    void chunksAreTheObjectsOfAPoolsCAndOfAParcelsD() {
        String id = "ab".repeat(32);
        org.junit.jupiter.api.Assertions.assertTrue(Parcel.isChunk("_pool/" + "0f".repeat(16) + "/c/" + id));
        org.junit.jupiter.api.Assertions.assertTrue(Parcel.isChunk("work/d/" + id));
        for (String other : new String[] {"work/key", "work/pool", "work/rest", "work/m/d/1", "work/n/c/2", "_pool/" + "0f".repeat(16) + "/a/work",
                "d/c/x"}) {
            org.junit.jupiter.api.Assertions.assertFalse(Parcel.isChunk(other), other);
        }
    }
}
