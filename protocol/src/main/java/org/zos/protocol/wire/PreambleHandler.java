package org.zos.protocol.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * Opens a connection: sends this side's {@link Preamble} as soon as the channel is active, reads the
 * peer's 8 bytes, agrees on a version, then hands the pipeline to {@code next} (which adds TLS and the
 * frame codec) and removes itself; bytes that followed the preamble go on to the new handlers.
 */
public final class PreambleHandler extends ByteToMessageDecoder {
    private final Preamble ours;
    private final BiConsumer<ChannelHandlerContext, Integer> next;
    private boolean failed;

    /** @param next installs the rest of the pipeline, given the agreed version */
    public PreambleHandler(Preamble ours, BiConsumer<ChannelHandlerContext, Integer> next) {
        this.ours = ours;
        this.next = next;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        ctx.writeAndFlush(Unpooled.wrappedBuffer(ours.encode()));
        super.channelActive(ctx);
        if (!ctx.channel().config().isAutoRead()) {
            ctx.read();
        }
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (in.readableBytes() < Preamble.LENGTH) {
            return;
        }
        byte[] b = new byte[Preamble.LENGTH];
        in.readBytes(b);
        int version;
        try {
            version = ours.agree(Preamble.decode(b));
        } catch (RuntimeException e) {
            failed = true;
            in.skipBytes(in.readableBytes());
            throw e;
        }
        next.accept(ctx, version);
        ctx.pipeline().remove(this);
    }
}
