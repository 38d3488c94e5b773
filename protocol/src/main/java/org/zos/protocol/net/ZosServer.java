package org.zos.protocol.net;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.net.InetSocketAddress;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.protocol.message.Hello;
import org.zos.protocol.tls.HostIdentity;
import org.zos.protocol.tls.KnownHosts;
import org.zos.protocol.tls.PinningTrustManager;
import org.zos.protocol.tls.TlsContexts;

/**
 * A listening zos endpoint: accepts enrolled hosts only and answers their requests. At most
 * {@link ConnectionLimit#PER_ADDRESS} connections per peer address are open at once; each must finish its
 * preamble, TLS and hello within {@link Liveness#HELLO_DEADLINE}.
 */
public final class ZosServer implements AutoCloseable {
    private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger(ZosServer.class.getName());
    public static final int DEFAULT_PORT = 7470;

    private final EventLoopGroup boss = new NioEventLoopGroup(1);
    private final EventLoopGroup workers = new NioEventLoopGroup();
    private final java.util.concurrent.ExecutorService requests = java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "zos-request");
        t.setDaemon(true);
        return t;
    });
    private final Channel channel;
    private final ConnectionLimit limit = new ConnectionLimit(ConnectionLimit.PER_ADDRESS);

    private ZosServer(HostIdentity me, KnownHosts known, InetSocketAddress at, String software, Responder responder,
            DataSink sink) {
        Hello hello = new Hello(me.host(), "", software);
        ServerBootstrap b = new ServerBootstrap().group(boss, workers).channel(NioServerSocketChannel.class)
                .childOption(io.netty.channel.ChannelOption.AUTO_READ, false)
                .childOption(io.netty.channel.ChannelOption.MESSAGE_SIZE_ESTIMATOR, FrameSizes.ESTIMATOR)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) throws Exception {
                        ch.pipeline().addLast("limit", limit);
                        PinningTrustManager trust = PinningTrustManager.accepting(known, me);
                        ZosPipeline.install(ch.pipeline(), TlsContexts.server(me, trust),
                                new ServerSession(ServerSession.tls(trust), hello, responder, sink, requests));
                        ch.pipeline().addLast("errors", new io.netty.channel.ChannelInboundHandlerAdapter() {
                            @Override
                            public void exceptionCaught(io.netty.channel.ChannelHandlerContext ctx, Throwable cause) {
                                LOG.warning("refused " + ctx.channel().remoteAddress() + ": " + LogText.of(
                                        PinningTrustManager.reason(cause).map(ZosException::getMessage).orElse(String.valueOf(cause))));
                                ctx.close();
                            }
                        });
                    }
                });
        try {
            channel = b.bind(at).syncUninterruptibly().channel();
        } catch (Exception e) { // Netty rethrows the checked BindException unchecked
            close();
            throw new ZosException(ErrorCode.BUSY, "cannot listen on " + at + ": " + e.getMessage(),
                    "is another zos-agent running here? Stop it, or choose another port with --port");
        }
    }

    public static ZosServer start(HostIdentity me, KnownHosts known, InetSocketAddress at, String software, Responder r) {
        return new ZosServer(me, known, at, software, r, null);
    }

    /** A server that also takes data frames, handed to {@code sink} with back-pressure. */
    public static ZosServer start(HostIdentity me, KnownHosts known, InetSocketAddress at, String software, Responder r,
            DataSink sink) {
        return new ZosServer(me, known, at, software, r, sink);
    }

    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    @Override
    public synchronized void close() {
        if (boss.isShuttingDown()) {
            return;
        }
        if (channel != null) {
            channel.close().syncUninterruptibly();
        }
        requests.shutdownNow();
        boss.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
    }
}
