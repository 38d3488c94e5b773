package org.zos.protocol.wire;

import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCounted;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;

/**
 * One frame inside TLS:
 *
 * <pre>
 *  0       1                 5
 *  +-------+-----------------+----------------------+
 *  | u8    | u32 length      | payload (length)     |
 *  | kind  |                 |                      |
 *  +-------+-----------------+----------------------+
 * </pre>
 *
 * Kind 1 is a control message (UTF-8 JSON, at most {@link #MAX_CONTROL} bytes); kind 2 is chunk data
 * (at most {@link #MAX_DATA} bytes). The receiver MUST check the length against the kind's limit before
 * allocating anything for the payload. The frame owns its payload buffer.
 */
public record Frame(Kind kind, ByteBuf payload) implements ReferenceCounted {
    public static final int HEADER = 5;
    public static final int MAX_CONTROL = 1 << 20;
    /** A sealed chunk of at most 16 MiB plus its overhead and a transfer header. */
    public static final int MAX_DATA = (16 << 20) + 4096;

    /** The kinds of frame; the wire values never change. */
    public enum Kind {
        CONTROL(1, MAX_CONTROL),
        DATA(2, MAX_DATA);

        final int wire;
        final int limit;

        Kind(int wire, int limit) {
            this.wire = wire;
            this.limit = limit;
        }

        static Kind of(int wire) {
            for (Kind k : values()) {
                if (k.wire == wire) {
                    return k;
                }
            }
            return null;
        }

        public int limit() {
            return limit;
        }
    }

    /** The error for a peer that broke the protocol: PROTOCOL_ERROR, saying what it did. */
    public static ZosException violation(String what) {
        return new ZosException(ErrorCode.PROTOCOL_ERROR, "the peer broke the zos protocol: " + what,
                "the peer may run an incompatible or faulty zos; see its log");
    }

    @Override
    public int refCnt() {
        return payload.refCnt();
    }

    @Override
    public Frame retain() {
        payload.retain();
        return this;
    }

    @Override
    public Frame retain(int n) {
        payload.retain(n);
        return this;
    }

    @Override
    public Frame touch() {
        payload.touch();
        return this;
    }

    @Override
    public Frame touch(Object hint) {
        payload.touch(hint);
        return this;
    }

    @Override
    public boolean release() {
        return payload.release();
    }

    @Override
    public boolean release(int n) {
        return payload.release(n);
    }
}
