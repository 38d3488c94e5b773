package org.zos.agent.console;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;

/**
 * The console's answers: JSON or files, always with the same security headers (a Content-Security-Policy
 * that allows only the console's own scripts, styles and WebSockets; no framing, no sniffing, no referrer),
 * and errors as {@code {"error": CODE, "message": …, "hint": …}} with the HTTP status of their
 * {@link ErrorCode}: the text is the one the CLI prints.
 */
final class Replies {
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
            + "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    private Replies() {
    }

    static HttpResponseStatus status(ErrorCode code) {
        return switch (code) {
            case BAD_PARAMETER, PROTOCOL_ERROR, VERSION_MISMATCH -> HttpResponseStatus.BAD_REQUEST;
            case ANIMA_NOT_FOUND -> HttpResponseStatus.NOT_FOUND;
            case DENIED, UNKNOWN_PEER, PEER_KEY_CHANGED, PEER_REVOKED -> HttpResponseStatus.FORBIDDEN;
            case INVALID_STATE, BUSY, ANIMA_EXISTS, CANCELLED, INCOMPATIBLE_HOST -> HttpResponseStatus.CONFLICT;
            case HOST_UNREACHABLE -> HttpResponseStatus.BAD_GATEWAY;
            case NO_SPACE -> HttpResponseStatus.INSUFFICIENT_STORAGE;
            case HYPERVISOR_UNAVAILABLE -> HttpResponseStatus.SERVICE_UNAVAILABLE;
            default -> HttpResponseStatus.INTERNAL_SERVER_ERROR;
        };
    }

    static FullHttpResponse json(HttpResponseStatus status, Object body) {
        byte[] b;
        try {
            b = Activity.JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        FullHttpResponse r = bytes(status, b, "application/json; charset=utf-8");
        r.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        return r;
    }

    static FullHttpResponse error(ZosException e) {
        return json(status(e.code()), Activity.JSON.createObjectNode().put("error", e.code().name())
                .put("message", e.getMessage()).put("hint", e.hint()));
    }

    static FullHttpResponse error(HttpResponseStatus status, ErrorCode code, String message, String hint) {
        return error(new ZosException(code, message, hint)).setStatus(status);
    }

    static FullHttpResponse bytes(HttpResponseStatus status, byte[] body, String type) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
        HttpHeaders h = r.headers();
        h.set(HttpHeaderNames.CONTENT_TYPE, type);
        h.setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        secure(h);
        return r;
    }

    static FullHttpResponse text(HttpResponseStatus status, String body) {
        return bytes(status, body.getBytes(StandardCharsets.UTF_8), "text/plain; charset=utf-8");
    }

    static void secure(HttpHeaders h) {
        h.set("Content-Security-Policy", CSP);
        h.set("X-Content-Type-Options", "nosniff");
        h.set("X-Frame-Options", "DENY");
        h.set("Referrer-Policy", "no-referrer");
        h.set("Cross-Origin-Opener-Policy", "same-origin");
        h.set("Strict-Transport-Security", "max-age=31536000");
    }

    /** Sends {@code r}, keeping the connection when the request asked for it. */
    static void send(ChannelHandlerContext ctx, boolean keepAlive, FullHttpResponse r) {
        if (keepAlive) {
            HttpUtil.setKeepAlive(r, true);
            ctx.writeAndFlush(r);
        } else {
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
