package org.zos.protocol.net;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import org.zos.protocol.message.EnvelopeCodec;
import org.zos.protocol.wire.FrameDecoder;
import org.zos.protocol.wire.FrameEncoder;
import org.zos.protocol.wire.Preamble;
import org.zos.protocol.wire.PreambleHandler;

/**
 * The pipeline of every zos connection, top to bottom: {@link Liveness} (deadlines and keepalives, on
 * the raw bytes); the preamble in the clear; once it agrees on a version, TLS 1.3, the frame decoder and
 * encoder, the envelope codec, and the session handler. On the agent's local UNIX socket there is no TLS:
 * the kernel vouches for the other end ({@link LocalProof}), and the rest is the same.
 */
public final class ZosPipeline {
    private static final FrameEncoder FRAMES = new FrameEncoder();
    private static final EnvelopeCodec ENVELOPES = new EnvelopeCodec();

    private ZosPipeline() {
    }

    /**
     * Installs the pipeline; {@code session} sees envelopes and data frames once TLS is up, or, with
     * {@code tls} null (the local socket), right after the preamble, told so by the same
     * {@link SslHandshakeCompletionEvent#SUCCESS} a finished handshake fires.
     */
    public static void install(ChannelPipeline p, SslContext tls, ChannelHandler session) {
        p.addLast("liveness", new Liveness());
        p.addLast("preamble", new PreambleHandler(Preamble.OURS, (ctx, version) -> {
            String below = ctx.name();
            if (tls != null) {
                ctx.pipeline().addAfter(below, "tls", tls.newHandler(ctx.alloc()));
                below = "tls";
            }
            ctx.pipeline().addAfter(below, "frames-in", new FrameDecoder());
            ctx.pipeline().addAfter("frames-in", "frames-out", FRAMES);
            ctx.pipeline().addAfter("frames-out", "envelopes", ENVELOPES);
            ctx.pipeline().addAfter("envelopes", "session", session);
            if (tls == null) {
                ctx.pipeline().context("frames-in").fireUserEventTriggered(SslHandshakeCompletionEvent.SUCCESS);
            }
        }));
    }
}
