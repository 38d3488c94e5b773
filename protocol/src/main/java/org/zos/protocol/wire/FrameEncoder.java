package org.zos.protocol.wire;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;

/** Writes {@link Frame}s: kind, length, payload. Refuses to send a frame over its kind's limit. */
@ChannelHandler.Sharable
public final class FrameEncoder extends MessageToByteEncoder<Frame> {

    @Override
    protected void encode(ChannelHandlerContext ctx, Frame f, ByteBuf out) {
        int n = f.payload().readableBytes();
        if (n > f.kind().limit()) {
            throw new IllegalArgumentException(f.kind() + " frame of " + n + " bytes exceeds the limit " + f.kind().limit());
        }
        out.writeByte(f.kind().wire);
        out.writeInt(n);
        out.writeBytes(f.payload(), f.payload().readerIndex(), n);
    }
}
