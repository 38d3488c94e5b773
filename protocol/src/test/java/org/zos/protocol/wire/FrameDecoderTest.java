package org.zos.protocol.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;

/** Frames from golden bytes, whole and in pieces, and every way a peer can get them wrong. */
class FrameDecoderTest {
    static ByteBuf hex(String h) {
        return Unpooled.wrappedBuffer(HexFormat.of().parseHex(h.replace(" ", "")));
    }

    static ZosException failure(EmbeddedChannel ch, ByteBuf in) {
        DecoderException e = assertThrows(DecoderException.class, () -> ch.writeInbound(in));
        assertTrue(e.getCause() instanceof ZosException, e.toString());
        return (ZosException) e.getCause();
    }

    @Test
    void controlAndDataFramesFromGoldenBytes() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder());
        // control frame "{}" then data frame 01 02 03
        ch.writeInbound(hex("01 00000002 7b7d  02 00000003 010203"));
        Frame a = ch.readInbound();
        Frame b = ch.readInbound();
        assertEquals(Frame.Kind.CONTROL, a.kind());
        assertEquals("{}", a.payload().toString(StandardCharsets.UTF_8));
        assertEquals(Frame.Kind.DATA, b.kind());
        assertEquals("010203", HexFormat.of().formatHex(io.netty.buffer.ByteBufUtil.getBytes(b.payload())));
        a.release();
        b.release();
        assertNull(ch.readInbound());
        assertFalse(ch.finish());
    }

    @Test
    void framesSplitAtEveryByteDecodeTheSame() {
        byte[] wire = HexFormat.of().parseHex("0100000002" + "7b7d" + "0200000000" + "0100000001" + "20");
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder());
        for (byte b : wire) {
            ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
        }
        int n = 0;
        for (Frame f; (f = ch.readInbound()) != null; n++) {
            f.release();
        }
        assertEquals(3, n, "an empty data frame is a frame too");
    }

    @Test
    void anOversizedLengthIsRefusedBeforeAllocating() {
        ZosException e = failure(new EmbeddedChannel(new FrameDecoder()), hex("01 00100001"));
        assertEquals(ErrorCode.PROTOCOL_ERROR, e.code());
        assertTrue(e.getMessage().contains("exceeds the limit"), e.getMessage());
    }

    @Test
    void aNegativeLengthIsRefused() {
        ZosException e = failure(new EmbeddedChannel(new FrameDecoder()), hex("02 80000000"));
        assertTrue(e.getMessage().contains("2147483648 bytes exceeds"), e.getMessage());
        failure(new EmbeddedChannel(new FrameDecoder()), hex("02 ffffffff"));
    }

    @Test
    void anUnknownKindIsRefused() {
        ZosException e = failure(new EmbeddedChannel(new FrameDecoder()), hex("07 00000000"));
        assertTrue(e.getMessage().contains("unknown kind 7"), e.getMessage());
    }

    @Test
    void aConnectionEndingInsideAFrameIsAnError() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder());
        ch.writeInbound(hex("01 00000010 7b22"));
        DecoderException e = assertThrows(DecoderException.class, ch::finish);
        assertTrue(e.getCause().getMessage().contains("ended inside a frame"), e.toString());
        EmbeddedChannel header = new EmbeddedChannel(new FrameDecoder());
        header.writeInbound(hex("01 0000"));
        assertThrows(DecoderException.class, header::finish);
    }

    @Test
    void theEncoderWritesWhatTheDecoderReads() {
        EmbeddedChannel out = new EmbeddedChannel(new FrameEncoder());
        out.writeOutbound(new Frame(Frame.Kind.CONTROL, Unpooled.copiedBuffer("{}", StandardCharsets.UTF_8)));
        ByteBuf wire = out.readOutbound();
        assertEquals("01000000027b7d", io.netty.buffer.ByteBufUtil.hexDump(wire));
        wire.release();
    }
}
