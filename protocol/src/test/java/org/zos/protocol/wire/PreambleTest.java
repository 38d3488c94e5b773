package org.zos.protocol.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;

/** The preamble: ours on the wire, agreement on a version, and the two kinds of stranger. */
class PreambleTest {

    @Test
    void oursIsZospAndVersionOne() {
        assertEquals("5a4f535000010001", HexFormat.of().formatHex(Preamble.OURS.encode()));
    }

    @Test
    void bothSidesTakeTheNewestVersionTheyShare() {
        assertEquals(1, Preamble.OURS.agree(new Preamble(3, 1)));
        assertEquals(2, new Preamble(2, 1).agree(new Preamble(3, 2)));
    }

    @Test
    void anOldPeerAndANonZosPeerGetDifferentErrors() {
        ZosException old = assertThrows(ZosException.class, () -> new Preamble(3, 2).agree(Preamble.decode(HexFormat.of().parseHex("5a4f535000010001"))));
        assertEquals(ErrorCode.VERSION_MISMATCH, old.code());
        assertTrue(old.hint().contains("upgrade zos on the peer"), old.hint());
        ZosException http = assertThrows(ZosException.class, () -> Preamble.decode("GET / HT".getBytes()));
        assertEquals(ErrorCode.PROTOCOL_ERROR, http.code());
        assertTrue(http.getMessage().contains("'GET / HT'"), http.getMessage());
        ZosException tls = assertThrows(ZosException.class, () -> Preamble.decode(HexFormat.of().parseHex("1603010200010001")));
        assertTrue(tls.getMessage().contains("TLS handshake"), tls.getMessage());
    }

    @Test
    void theHandlerSendsOursHandsOverAndPassesOnWhatFollows() {
        AtomicInteger agreed = new AtomicInteger();
        EmbeddedChannel ch = new EmbeddedChannel(new PreambleHandler(Preamble.OURS, (ctx, v) -> {
            agreed.set(v);
            ctx.pipeline().addLast(new FrameDecoder());
        }));
        ByteBuf sent = ch.readOutbound();
        assertEquals("5a4f535000010001", io.netty.buffer.ByteBufUtil.hexDump(sent));
        sent.release();
        ch.writeInbound(FrameDecoderTest.hex("5a4f5350 0001 0001 01 00000002 7b7d"));
        assertEquals(1, agreed.get());
        Frame f = ch.readInbound();
        assertEquals(Frame.Kind.CONTROL, f.kind());
        f.release();
    }

    @Test
    void theHandlerRefusesAStranger() {
        EmbeddedChannel ch = new EmbeddedChannel(new PreambleHandler(Preamble.OURS, (ctx, v) -> { }));
        DecoderException e = assertThrows(DecoderException.class, () -> ch.writeInbound(FrameDecoderTest.hex("5353482d322e302d")));
        assertEquals(ErrorCode.PROTOCOL_ERROR, ((ZosException) e.getCause()).code());
    }
}
