package org.zos.agent.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.unix.DomainDatagramPacket;
import io.netty.channel.unix.DomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** sd_notify's datagrams, received on a real UNIX datagram socket as systemd's would be. */
class SystemdNotifyTest {
    @TempDir
    Path tmp;

    @Test
    void readinessArrivesAsOneDatagram() throws Exception {
        EpollEventLoopGroup loop = new EpollEventLoopGroup(1);
        LinkedBlockingQueue<String> got = new LinkedBlockingQueue<>();
        Path socket = tmp.resolve("notify");
        try {
            Channel ch = new Bootstrap().group(loop).channel(EpollDomainDatagramChannel.class)
                    .handler(new SimpleChannelInboundHandler<DomainDatagramPacket>() {
                        @Override
                        protected void channelRead0(ChannelHandlerContext ctx, DomainDatagramPacket p) {
                            got.add(p.content().toString(StandardCharsets.UTF_8));
                        }
                    }).bind(new DomainSocketAddress(socket.toFile())).sync().channel();
            assertTrue(SystemdNotify.send(socket.toString(), "READY=1\nSTATUS=listening"));
            assertEquals("READY=1\nSTATUS=listening", got.poll(5, TimeUnit.SECONDS));
            ch.close().sync();
        } finally {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    @Test
    void withoutSystemdNothingIsSent() {
        assertFalse(SystemdNotify.send(null, "READY=1"));
        assertFalse(SystemdNotify.send("", "READY=1"));
        assertFalse(SystemdNotify.send("relative/path", "READY=1"));
        assertFalse(SystemdNotify.send(tmp.resolve("nobody-listens").toString(), "READY=1"));
    }
}
