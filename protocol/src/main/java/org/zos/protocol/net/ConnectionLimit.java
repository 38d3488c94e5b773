package org.zos.protocol.net;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;

/**
 * Bounds the connections one address may hold open at once; one more is closed as soon as it is
 * accepted, before its preamble. Refusals are logged once per address every {@link #LOG_EVERY_NANOS},
 * so a flood does not flood the log either.
 */
@ChannelHandler.Sharable
final class ConnectionLimit extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = Logger.getLogger(ConnectionLimit.class.getName());
    /** Connections per peer address. The host's own zos processes (the CLI, the agent's self-dials) count too. */
    static final int PER_ADDRESS = 64;
    private static final long LOG_EVERY_NANOS = 10_000_000_000L;

    private final int limit;
    private final Map<InetAddress, AtomicInteger> open = new ConcurrentHashMap<>();
    private final Map<InetAddress, Long> lastLogged = new ConcurrentHashMap<>();

    ConnectionLimit(int limit) {
        this.limit = limit;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        InetAddress from = ((InetSocketAddress) ctx.channel().remoteAddress()).getAddress();
        AtomicInteger n = open.computeIfAbsent(from, a -> new AtomicInteger());
        int now = n.incrementAndGet();
        ctx.channel().closeFuture().addListener(f -> open.computeIfPresent(from, (a, c) -> c.decrementAndGet() <= 0 ? null : c));
        if (now > limit) {
            long t = System.nanoTime();
            Long last = lastLogged.get(from);
            if (last == null || t - last > LOG_EVERY_NANOS) {
                lastLogged.put(from, t);
                LOG.warning("refused a connection from " + from.getHostAddress() + ": it holds " + limit
                        + " open already (logged once in 10 s)");
            }
            ctx.close();
            return;
        }
        super.channelActive(ctx);
    }

    /** Connections open from {@code address} now (for tests). */
    int open(InetAddress address) {
        AtomicInteger n = open.get(address);
        return n == null ? 0 : n.get();
    }
}
