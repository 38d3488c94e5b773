package org.zos.protocol.wire;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.util.ReferenceCountUtil;
import org.zos.protocol.ZosException;
import org.zos.protocol.message.EnvelopeCodec;

/**
 * Fuzzes the whole receive path of a connection after TLS: preamble, frames, envelopes. Whatever the
 * bytes, the only failures allowed are the protocol's own (a ZosException inside a DecoderException);
 * anything else (a NullPointerException, an OutOfMemoryError from a length believed too early) is a bug.
 * In a normal build the inputs under FrameFuzzTestInputs replay as regression tests; run with
 * JAZZER_FUZZ=1 to search for new ones.
 */
class FrameFuzzTest {

    @FuzzTest(maxDuration = "30s")
    void receivePathFailsOnlyWithProtocolErrors(byte[] data) {
        EmbeddedChannel ch = new EmbeddedChannel(new PreambleHandler(Preamble.OURS,
                (ctx, v) -> ctx.pipeline().addLast(new FrameDecoder(), new EnvelopeCodec())));
        try {
            expectOnlyProtocolErrors(() -> ch.writeInbound(Unpooled.wrappedBuffer(data)));
            expectOnlyProtocolErrors(() -> ch.finish());
        } finally {
            for (Object o; (o = ch.readInbound()) != null; ) {
                ReferenceCountUtil.release(o);
            }
            expectOnlyProtocolErrors(() -> ch.finishAndReleaseAll());
        }
    }

    private static void expectOnlyProtocolErrors(Runnable step) {
        try {
            step.run();
        } catch (DecoderException e) {
            if (!(e.getCause() instanceof ZosException)) {
                throw e;
            }
        }
    }
}
