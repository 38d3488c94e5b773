package org.zos.protocol.wire;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;
import org.zos.protocol.ZosException;

/**
 * Reads {@link Frame}s. A state machine: HEADER waits for 5 bytes and checks the kind and the length
 * against the kind's limit (an unknown kind, a length over the limit, or one with the top bit set is a
 * PROTOCOL_ERROR, before any allocation); PAYLOAD waits for the whole payload and emits a copy of it.
 * A stream that ends inside a frame is a PROTOCOL_ERROR too. After an error the decoder discards all
 * further input while the connection closes.
 */
public final class FrameDecoder extends ByteToMessageDecoder {
    private enum State { HEADER, PAYLOAD, FAILED }

    private State state = State.HEADER;
    private Frame.Kind kind;
    private int length;

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (true) {
            switch (state) {
                case HEADER -> {
                    if (in.readableBytes() < Frame.HEADER) {
                        return;
                    }
                    int k = in.readUnsignedByte();
                    long len = in.readUnsignedInt();
                    kind = Frame.Kind.of(k);
                    if (kind == null) {
                        throw fail(in, "frame of unknown kind " + k);
                    }
                    if (len > kind.limit()) {
                        throw fail(in, kind + " frame of " + len + " bytes exceeds the limit of " + kind.limit());
                    }
                    length = (int) len;
                    state = State.PAYLOAD;
                }
                case PAYLOAD -> {
                    if (in.readableBytes() < length) {
                        return;
                    }
                    // A copy, not a slice: a slice held by a slow consumer would pin the whole cumulation
                    // buffer, which then grows and is copied on every read.
                    out.add(new Frame(kind, in.readBytes(length)));
                    state = State.HEADER;
                }
                case FAILED -> {
                    in.skipBytes(in.readableBytes());
                    return;
                }
                default -> throw new IllegalStateException(state.toString());
            }
        }
    }

    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        decode(ctx, in, out);
        if (state == State.PAYLOAD || (state == State.HEADER && in.isReadable())) {
            throw fail(in, "the connection ended inside a frame");
        }
    }

    /** After a violation nothing more is read: the connection is being closed. */
    private ZosException fail(ByteBuf in, String what) {
        state = State.FAILED;
        in.skipBytes(in.readableBytes());
        return Frame.violation(what);
    }
}
