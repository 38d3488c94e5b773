package org.zos.protocol.net;

import io.netty.channel.DefaultMessageSizeEstimator;
import io.netty.channel.MessageSizeEstimator;
import org.zos.protocol.wire.Frame;

/**
 * Tells Netty how big a queued {@link Frame} is. Netty counts writes waiting on the event loop toward a
 * channel's writability by their estimated size; an unknown object counts as 8 bytes, so without this a
 * sender could queue any number of 16 MiB frames while the channel still looked writable.
 */
final class FrameSizes {
    static final MessageSizeEstimator ESTIMATOR = new MessageSizeEstimator() {
        private final Handle fallback = new DefaultMessageSizeEstimator(8).newHandle();

        @Override
        public Handle newHandle() {
            return msg -> msg instanceof Frame f ? f.payload().readableBytes() + Frame.HEADER : fallback.size(msg);
        }
    };

    private FrameSizes() {
    }
}
