package org.zos.protocol.rfb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RfbClientFilterTest {
    static final byte[] HANDSHAKE_38 = concat("RFB 003.008\n".getBytes(StandardCharsets.US_ASCII), new byte[] {1, 0});
    static final byte[] KEY = {4, 1, 0, 0, 0, 0, 0, 0x61};
    static final byte[] POINTER = {5, 1, 0, 10, 0, 20};
    static final byte[] UPDATE = {3, 1, 0, 0, 0, 0, 4, 0, 3, 0};
    static final byte[] ENCODINGS = {2, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1};
    static final byte[] CUT = {6, 0, 0, 0, 0, 0, 0, 2, 'h', 'i'};

    @Test
    void aViewerWithControlPassesEverythingAndIsMadeShared() throws Exception {
        RfbClientFilter f = new RfbClientFilter(false);
        byte[] in = concat(HANDSHAKE_38, ENCODINGS, UPDATE, KEY, POINTER, CUT);
        byte[] out = f.feed(in, 0, in.length);
        byte[] expected = in.clone();
        expected[13] = 1; // ClientInit: shared
        assertArrayEquals(expected, out);
    }

    @Test
    void aViewOnlyViewerLosesItsInputAndKeepsItsUpdates() throws Exception {
        RfbClientFilter f = new RfbClientFilter(true);
        byte[] in = concat(HANDSHAKE_38, KEY, UPDATE, POINTER, CUT, ENCODINGS);
        byte[] out = f.feed(in, 0, in.length);
        byte[] shared = HANDSHAKE_38.clone();
        shared[13] = 1;
        assertArrayEquals(concat(shared, UPDATE, ENCODINGS), out);
        assertEquals(3, f.dropped());
    }

    @Test
    void messagesSplitAnywhereComeOutWhole() throws Exception {
        RfbClientFilter f = new RfbClientFilter(true);
        byte[] in = concat(HANDSHAKE_38, KEY, UPDATE, CUT, UPDATE);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte b : in) {
            out.writeBytes(f.feed(new byte[] {b}, 0, 1));
        }
        byte[] shared = HANDSHAKE_38.clone();
        shared[13] = 1;
        assertArrayEquals(concat(shared, UPDATE, UPDATE), out.toByteArray());
    }

    @Test
    void controlCanBeTakenAndGivenBackMidSession() throws Exception {
        RfbClientFilter f = new RfbClientFilter(true);
        f.feed(HANDSHAKE_38, 0, HANDSHAKE_38.length);
        assertEquals(0, f.feed(KEY, 0, KEY.length).length);
        f.viewOnly(false);
        assertArrayEquals(KEY, f.feed(KEY, 0, KEY.length));
    }

    @Test
    void version33HasNoSecurityByteFromTheClient() throws Exception {
        RfbClientFilter f = new RfbClientFilter(true);
        byte[] in = concat("RFB 003.003\n".getBytes(StandardCharsets.US_ASCII), new byte[] {0}, KEY, UPDATE);
        byte[] out = f.feed(in, 0, in.length);
        assertArrayEquals(concat("RFB 003.003\n".getBytes(StandardCharsets.US_ASCII), new byte[] {1}, UPDATE), out);
    }

    @Test
    void whatIsNotRfbEndsTheViewer() throws Exception {
        assertThrows(RfbException.class, () -> new RfbClientFilter(false).feed("GET / HTTP/1.1\r\n".getBytes(), 0, 16));
        RfbClientFilter f = new RfbClientFilter(false);
        f.feed(HANDSHAKE_38, 0, HANDSHAKE_38.length);
        assertThrows(RfbException.class, () -> f.feed(new byte[] {99}, 0, 1));
        RfbClientFilter g = new RfbClientFilter(false);
        g.feed(HANDSHAKE_38, 0, HANDSHAKE_38.length);
        byte[] hugeCut = {6, 0, 0, 0, 0x7f, 0, 0, 0};
        assertThrows(RfbException.class, () -> g.feed(hugeCut, 0, hugeCut.length));
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
