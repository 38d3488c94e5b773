package org.zos.agent.console;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import java.net.InetSocketAddress;
import java.util.logging.Logger;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;

/**
 * {@code /api/animas/NAME/screen?app=N&view-only=true}: noVNC's WebSocket, carried byte for byte to a VNC
 * endpoint of this agent ({@link ConsoleBackend#screen}), the same one {@code zos-vm view} gives, so the
 * same access checks apply and a view-only screen stays view-only whatever the page sends. Binary frames
 * both ways; each side stops reading while the other cannot take more.
 */
final class ScreenBridge {
    private static final Logger LOG = Logger.getLogger(ScreenBridge.class.getName());
    static final int MAX_FRAME = 1 << 20;

    private ScreenBridge() {
    }

    static void upgrade(ChannelHandlerContext ctx, FullHttpRequest req, ConsoleServer console, Sessions.Session s,
            String anima, String appText, String viewOnlyText) {
        int app;
        try {
            app = appText == null ? 0 : Integer.parseInt(appText);
            if (app < 0 || app > 1_000_000) {
                throw new NumberFormatException();
            }
        } catch (NumberFormatException e) {
            Replies.send(ctx, false, Replies.error(new ZosException(ErrorCode.BAD_PARAMETER, "app is not a window number: "
                    + ConsoleHandler.clip(appText), "0 is the whole screen; 'zos-vm app list' gives the others")));
            return;
        }
        boolean viewOnly = "true".equals(viewOnlyText) || "1".equals(viewOnlyText);
        WebSocketServerHandshaker hs = EventSocket.handshaker(req, MAX_FRAME);
        if (hs == null) {
            WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel());
            return;
        }
        FullHttpRequest held = req.retainedDuplicate();
        Channel ws = ctx.channel();
        ws.config().setAutoRead(false);
        console.workers().execute(() -> {
            int port;
            try {
                port = console.backend().screen(s.user(), anima, app, viewOnly);
            } catch (ZosException e) {
                held.release();
                ws.eventLoop().execute(() -> Replies.send(ctx, false, Replies.error(e)));
                return;
            } catch (Exception e) {
                held.release();
                ws.eventLoop().execute(() -> Replies.send(ctx, false, Replies.error(new ZosException(ErrorCode.INTERNAL,
                        "cannot open the screen of '" + anima + "': " + e.getMessage(), "see the agent's log"))));
                return;
            }
            new Bootstrap().group(ws.eventLoop()).channel(NioSocketChannel.class).option(ChannelOption.AUTO_READ, false)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel vnc) {
                            vnc.pipeline().addLast(new VncSide(ws));
                        }
                    }).connect(new InetSocketAddress("127.0.0.1", port)).addListener((ChannelFutureListener) f -> {
                        if (!f.isSuccess()) {
                            held.release();
                            Replies.send(ctx, false, Replies.error(HttpResponseStatus.BAD_GATEWAY, ErrorCode.HOST_UNREACHABLE,
                                    "the view endpoint of '" + anima + "' does not answer", "see the agent's log"));
                            return;
                        }
                        Channel vnc = f.channel();
                        ctx.pipeline().replace(ctx.handler(), "screen", new BrowserSide(vnc, hs));
                        hs.handshake(ws, held).addListener(h -> {
                            held.release();
                            if (h.isSuccess()) {
                                LOG.info("console: " + s.user() + " views " + anima + (app == 0 ? " (screen)" : " app " + app)
                                        + (viewOnly ? ", view only" : "") + " from " + ws.remoteAddress());
                                ws.config().setAutoRead(true);
                                vnc.config().setAutoRead(true);
                            } else {
                                vnc.close();
                                ws.close();
                            }
                        });
                        vnc.closeFuture().addListener(c -> ws.writeAndFlush(new CloseWebSocketFrame(1000, "the view ended"))
                                .addListener(ChannelFutureListener.CLOSE));
                    });
        });
    }

    /** Bytes from the VNC endpoint, as binary frames to the browser. */
    private static final class VncSide extends ChannelInboundHandlerAdapter {
        private final Channel ws;

        VncSide(Channel ws) {
            this.ws = ws;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ws.writeAndFlush(new BinaryWebSocketFrame((ByteBuf) msg));
            if (!ws.isWritable()) {
                ctx.channel().config().setAutoRead(false);
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable()) {
                ws.config().setAutoRead(true);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** Binary frames from the browser, as bytes to the VNC endpoint. */
    private static final class BrowserSide extends ChannelInboundHandlerAdapter {
        private final Channel vnc;
        private final WebSocketServerHandshaker hs;

        BrowserSide(Channel vnc, WebSocketServerHandshaker hs) {
            this.vnc = vnc;
            this.hs = hs;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof BinaryWebSocketFrame b) {
                vnc.writeAndFlush(b.content());
                if (!vnc.isWritable()) {
                    ctx.channel().config().setAutoRead(false);
                }
            } else if (msg instanceof CloseWebSocketFrame c) {
                hs.close(ctx.channel(), c);
                vnc.close();
            } else if (msg instanceof PingWebSocketFrame p) {
                ctx.writeAndFlush(new PongWebSocketFrame(p.content()));
            } else {
                io.netty.util.ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable()) {
                vnc.config().setAutoRead(true);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            vnc.close();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            vnc.close();
            ctx.close();
        }
    }
}
