package org.zos.protocol.net;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.AttributeKey;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * How a connection tells a quiet peer from a dead one, first in every pipeline (so it sees every byte
 * read and written, before TLS):
 * <ul>
 * <li>a connection that has not finished preamble, TLS and hello within {@link #HELLO_DEADLINE} is
 *     closed (half a preamble, a handshake that never ends, TLS without hello);</li>
 * <li>after hello, a side that has written nothing for {@link #KEEPALIVE} sends a {@code keepalive};</li>
 * <li>a side that wants to read and has read nothing for {@link #SILENCE} takes the peer for dead and
 *     closes the connection: whatever waits on it fails at once (HOST_UNREACHABLE), in every phase of
 *     every request, whether the peer's process died, its host or the link between.</li>
 * </ul>
 * The sessions act on the {@link IdleStateEvent}s this fires (they know whether they are reading and
 * how to number a keepalive).
 */
public final class Liveness extends IdleStateHandler {
    private static final Logger LOG = Logger.getLogger(Liveness.class.getName());
    public static final Duration KEEPALIVE = Duration.ofSeconds(1);
    public static final Duration SILENCE = Duration.ofSeconds(6);
    public static final Duration HELLO_DEADLINE = Duration.ofSeconds(10);
    private static final AttributeKey<Boolean> GREETED = AttributeKey.valueOf("zos.greeted");

    public Liveness() {
        this(SILENCE, KEEPALIVE);
    }

    /** With other times, for tests. */
    Liveness(Duration silence, Duration keepalive) {
        super(silence.toMillis(), keepalive.toMillis(), 0, TimeUnit.MILLISECONDS);
    }

    /** Marks the connection as past hello: the hello deadline no longer applies. */
    public static void greeted(Channel ch) {
        ch.attr(GREETED).set(Boolean.TRUE);
    }

    static boolean isGreeted(Channel ch) {
        return Boolean.TRUE.equals(ch.attr(GREETED).get());
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        Channel ch = ctx.channel();
        ch.eventLoop().schedule(() -> {
            if (ch.isActive() && !isGreeted(ch)) {
                LOG.info("closing " + ch.remoteAddress() + ": no hello within " + HELLO_DEADLINE.toSeconds() + " s");
                ch.close();
            }
        }, HELLO_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        super.channelActive(ctx);
    }

    /** Whether {@code evt} says the peer has been silent for {@link #SILENCE} (reader idle). */
    static boolean silent(Object evt) {
        return evt instanceof IdleStateEvent e && e.state() == IdleState.READER_IDLE;
    }

    /** Whether {@code evt} says this side has written nothing for {@link #KEEPALIVE} (writer idle). */
    static boolean keepaliveDue(Object evt) {
        return evt instanceof IdleStateEvent e && e.state() == IdleState.WRITER_IDLE;
    }
}
