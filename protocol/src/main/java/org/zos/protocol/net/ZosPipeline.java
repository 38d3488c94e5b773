package org.zos.protocol.net;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import org.zos.protocol.message.EnvelopeCodec;
import org.zos.protocol.wire.FrameDecoder;
import org.zos.protocol.wire.FrameEncoder;
import org.zos.protocol.wire.Preamble;
import org.zos.protocol.wire.PreambleHandler;

/**
 * The pipeline of every zos connection, top to bottom: {@link Liveness} (deadlines and keepalives, on
 * the raw bytes); the preamble in the clear; once it agrees on a version, TLS 1.3, the frame decoder and
 * encoder, the envelope codec, and the session handler.
 */
public final class ZosPipeline {
    private static final FrameEncoder FRAMES = new FrameEncoder();
    private static final EnvelopeCodec ENVELOPES = new EnvelopeCodec();

    private ZosPipeline() {
    }

    /** Installs the pipeline; {@code session} sees envelopes and data frames once TLS is up. */
    public static void install(ChannelPipeline p, SslContext tls, ChannelHandler session) {
        p.addLast("liveness", new Liveness());
        p.addLast("preamble", new PreambleHandler(Preamble.OURS, (ctx, version) -> {
            SslHandler ssl = tls.newHandler(ctx.alloc());
            ctx.pipeline().addAfter(ctx.name(), "tls", ssl);
            ctx.pipeline().addAfter("tls", "frames-in", new FrameDecoder());
            ctx.pipeline().addAfter("frames-in", "frames-out", FRAMES);
            ctx.pipeline().addAfter("frames-out", "envelopes", ENVELOPES);
            ctx.pipeline().addAfter("envelopes", "session", session);
        }));
    }
}
