package org.zos.protocol.guest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class GuestFrameTest {

    @Test
    void aFrameIsItsTextHeaderAndItsPayload() {
        GuestFrame f = GuestFrame.text(GuestFrame.Kind.CTL, 0, "{\"id\":1,\"op\":\"ping\"}");
        assertEquals("Z1 ctl 0 21\n{\"id\":1,\"op\":\"ping\"}\n", new String(f.encode(), StandardCharsets.UTF_8));
    }

    @Test
    void framesReadBackAsWritten() throws Exception {
        byte[] data = new byte[GuestFrame.MAX_PAYLOAD];
        data[7] = '\n';
        data[100] = (byte) 0xff;
        GuestFrame a = new GuestFrame(GuestFrame.Kind.DATA, 65535, data);
        GuestFrame b = GuestFrame.text(GuestFrame.Kind.HELLO, 0, "{}");
        byte[] wire = concat(a.encode(), b.encode());
        ByteArrayInputStream in = new ByteArrayInputStream(wire);
        GuestFrame ra = GuestFrame.read(in);
        assertEquals(GuestFrame.Kind.DATA, ra.kind());
        assertEquals(65535, ra.stream());
        assertArrayEquals(data, ra.payload());
        assertEquals("{}", GuestFrame.read(in).text());
        assertThrows(EOFException.class, () -> GuestFrame.read(in));
    }

    @Test
    void badHeadersAreRefusedAndTheReaderGoesOnAfterThem() throws Exception {
        for (String bad : new String[] {"Z2 ctl 0 1", "Z1 ctl 1 1", "Z1 data 0 1", "Z1 data 1 65537", "Z1 data 1 01",
                "Z1 data 65536 1", "Z1 nope 1 1", "Z1 data 1 -1", "Z1 data 1", "hello"}) {
            ByteArrayInputStream in = new ByteArrayInputStream((bad + "\nZ1 ctl 0 3\n{}\n").getBytes(StandardCharsets.US_ASCII));
            assertThrows(GuestProtocolException.class, () -> GuestFrame.read(in), bad);
            // the bad header's payload (if any) is skipped as garbage lines; the next good frame reads
        }
        ByteArrayInputStream endless = new ByteArrayInputStream(new byte[1000]);
        assertThrows(EOFException.class, () -> GuestFrame.read(endless), "junk to the end is the end");
    }

    /** Junk (the rest of a frame a dead host cut short) is skipped a whole line at a time, so no header is eaten. */
    @Test
    void longJunkIsSkippedToItsLineEndAndEmptyLinesArePadding() throws Exception {
        byte[] junk = new byte[5000];
        java.util.Arrays.fill(junk, (byte) 'x');
        ByteArrayInputStream in = new ByteArrayInputStream(concat(junk, "\n\n\nZ1 ctl 0 3\n{}\n".getBytes(StandardCharsets.US_ASCII)));
        assertThrows(GuestProtocolException.class, () -> GuestFrame.read(in));
        GuestFrame f = GuestFrame.read(in);
        assertEquals(GuestFrame.Kind.CTL, f.kind());
        assertEquals("{}", f.text());
    }

    @Test
    void aShortPayloadIsAnEndOfStreamNotAFrame() {
        ByteArrayInputStream in = new ByteArrayInputStream("Z1 data 1 10\nabc".getBytes(StandardCharsets.US_ASCII));
        assertThrows(EOFException.class, () -> GuestFrame.read(in));
    }

    @Test
    void controlKindsOnlyOnStreamZeroAndStreamKindsNever() {
        assertThrows(IllegalArgumentException.class, () -> new GuestFrame(GuestFrame.Kind.CTL, 1, new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> new GuestFrame(GuestFrame.Kind.OPEN, 0, new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> GuestFrame.text(GuestFrame.Kind.CTL, 0, "a\nb"));
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
