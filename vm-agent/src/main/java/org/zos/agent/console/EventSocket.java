package org.zos.agent.console;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import java.util.function.Consumer;

/**
 * {@code /api/events}: the console's events, one JSON object per text frame, for as long as the page is
 * open. First {@code hello} (host, user), then the state as it is ({@code animas}, {@code hosts},
 * {@code moves}, a {@code progress} for each action under way), then every change as it happens. A
 * listener that falls more than {@link #MAX_BACKLOG} bytes behind is closed (the page connects again
 * and starts from the state). What the page sends is ignored, but for pings and the close.
 */
final class EventSocket extends SimpleChannelInboundHandler<WebSocketFrame> {
    static final long MAX_BACKLOG = 4 << 20;

    private final ConsoleServer console;
    private final WebSocketServerHandshaker handshaker;
    private Consumer<ObjectNode> listener;

    private EventSocket(ConsoleServer console, WebSocketServerHandshaker handshaker) {
        this.console = console;
        this.handshaker = handshaker;
    }

    static void upgrade(ChannelHandlerContext ctx, FullHttpRequest req, ConsoleServer console, Sessions.Session s) {
        WebSocketServerHandshaker hs = handshaker(req, 64 * 1024);
        if (hs == null) {
            WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel());
            return;
        }
        EventSocket socket = new EventSocket(console, hs);
        ctx.pipeline().replace(ctx.handler(), "events", socket);
        hs.handshake(ctx.channel(), req).addListener(f -> {
            if (f.isSuccess()) {
                socket.start(ctx.channel(), s);
            } else {
                ctx.close();
            }
        });
    }

    static WebSocketServerHandshaker handshaker(FullHttpRequest req, int maxFrame) {
        String url = "wss://" + req.headers().get(HttpHeaderNames.HOST) + req.uri();
        return new WebSocketServerHandshakerFactory(url, "binary", false, maxFrame).newHandshaker(req);
    }

    private void start(Channel ch, Sessions.Session s) {
        listener = e -> {
            if (!e.has("user") || e.path("user").asText().equals(s.user())) {
                send(ch, e);
            }
        };
        send(ch, Activity.JSON.createObjectNode().put("type", "hello").put("host", console.backend().host()).put("user", s.user()));
        console.activity().listen(listener);
        console.workers().execute(() -> {
            for (ObjectNode e : console.snapshot(s.user())) {
                send(ch, e);
            }
        });
        console.opened(ch, s.user());
        ch.closeFuture().addListener(f -> {
            console.activity().unlisten(listener);
            console.closed(ch);
        });
    }

    private static void send(Channel ch, ObjectNode e) {
        if (!ch.isActive()) {
            return;
        }
        if (ch.bytesBeforeWritable() > MAX_BACKLOG) {
            ch.close();
            return;
        }
        try {
            ch.writeAndFlush(new TextWebSocketFrame(Activity.JSON.writeValueAsString(e)));
        } catch (JsonProcessingException x) {
            throw new IllegalStateException(x);
        }
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
        if (frame instanceof CloseWebSocketFrame c) {
            handshaker.close(ctx.channel(), c.retain());
        } else if (frame instanceof PingWebSocketFrame p) {
            ctx.writeAndFlush(new PongWebSocketFrame(p.content().retain()));
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
