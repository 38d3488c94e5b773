package org.zos.protocol.net;

import io.netty.buffer.ByteBuf;

/**
 * Where a server's incoming data frames go, on a thread of their own, one frame at a time in order. The
 * payload buffer is released after the call returns. A slow sink slows the sender: see {@link DataReceiver}.
 */
@FunctionalInterface
public interface DataSink {
    void accept(Responder.Caller caller, ByteBuf payload) throws Exception;
}
