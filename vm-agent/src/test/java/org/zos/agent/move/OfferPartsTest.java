package org.zos.agent.move;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.protocol.message.ImageOffer;

class OfferPartsTest {
    private static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void partsPutTogetherAreTheOffer() {
        int[][] sizes = {{0, 0}, {10, 0}, {100, 100}, {300, 32}, {250, 640}, {1000, 999}};
        for (int[] size : sizes) {
            byte[] manifest = bytes(size[0], size[0]);
            byte[] bases = bytes(size[1], size[1] + 1);
            List<ImageOffer> parts = OfferParts.split(7, manifest, bases, 100);
            assertEquals(Math.max(1, Math.max((size[0] + 99) / 100, (size[1] + 99) / 100)), parts.size());
            OfferParts.Assembly a = new OfferParts.Assembly();
            OfferParts.Whole whole = null;
            for (int i = 0; i < parts.size(); i++) {
                assertEquals(i, parts.get(i).partIndex());
                whole = a.add(parts.get(i));
                assertEquals(i == parts.size() - 1, whole != null);
                assertEquals(whole == null, a.pending());
            }
            assertArrayEquals(manifest, whole.manifest());
            assertArrayEquals(bases, whole.bases());
        }
    }

    @Test
    void aWholeOfferIsOnePartAndTheAssemblyIsReused() {
        OfferParts.Assembly a = new OfferParts.Assembly();
        for (int round = 0; round < 2; round++) {
            OfferParts.Whole w = a.add(new ImageOffer(7, "bWFu", ""));
            assertArrayEquals("man".getBytes(java.nio.charset.StandardCharsets.US_ASCII), w.manifest());
            assertFalse(a.pending());
        }
    }

    @Test
    void partsOutOfOrderOrTooBigAreRefused() {
        List<ImageOffer> parts = OfferParts.split(7, bytes(300, 1), new byte[0], 100);
        OfferParts.Assembly a = new OfferParts.Assembly();
        assertNull(a.add(parts.get(0)));
        ZosException e = assertThrows(ZosException.class, () -> a.add(parts.get(2)));
        assertEquals(ErrorCode.PROTOCOL_ERROR, e.code());
        assertTrue(e.getMessage().contains("part 2 of 3"), e.getMessage());
        OfferParts.Assembly fresh = new OfferParts.Assembly();
        assertNull(fresh.add(new ImageOffer(7, "", "", 0, 2)));
        assertEquals(ErrorCode.PROTOCOL_ERROR, assertThrows(ZosException.class,
                () -> fresh.add(new ImageOffer(7, "", "", 1, 5))).code()); // the count changed
        OfferParts.Assembly small = new OfferParts.Assembly(250);
        List<ImageOffer> big = OfferParts.split(7, bytes(300, 2), new byte[0], 100);
        small.add(big.get(0));
        small.add(big.get(1));
        assertEquals(ErrorCode.PROTOCOL_ERROR, assertThrows(ZosException.class, () -> small.add(big.get(2))).code());
    }

    /** What one part carries stays within a control frame: two slices of PART bytes in base64, plus the envelope. */
    @Test
    void aPartFitsAControlFrame() throws Exception {
        ImageOffer part = OfferParts.split(Long.MAX_VALUE, bytes(OfferParts.PART, 3), bytes(OfferParts.PART, 4),
                OfferParts.PART).get(0);
        byte[] json = org.zos.protocol.message.EnvelopeCodec.JSON.writeValueAsBytes(
                new org.zos.protocol.message.Envelope(Long.MAX_VALUE, Long.MAX_VALUE, part));
        assertTrue(json.length < org.zos.protocol.wire.Frame.MAX_CONTROL, json.length + " bytes");
    }
}
