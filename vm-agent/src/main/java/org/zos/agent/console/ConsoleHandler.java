package org.zos.agent.console;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.logging.Logger;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.protocol.message.Bounds;

/**
 * One HTTPS connection's requests, read against the {@link Route} table: who may ask (session, CSRF token,
 * Origin) is checked here, once, before any route runs; routes that wait on libvirt or other hosts run on
 * the console's worker threads, never on Netty's. WebSocket routes hand the connection over to
 * {@link EventSocket} or {@link ScreenBridge}.
 */
final class ConsoleHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger LOG = Logger.getLogger(ConsoleHandler.class.getName());
    /** What {@code POST /api/animas/NAME/ACTION} takes, and the body fields each action reads. */
    static final Map<String, Set<String>> ACTIONS = Map.of("start", Set.of(), "suspend", Set.of(), "resume", Set.of(),
            "shutdown", Set.of(), "dominate", Set.of("host", "bandwidth", "partial"), "return", Set.of("bandwidth"),
            "cancel", Set.of());

    private final ConsoleServer console;

    ConsoleHandler(ConsoleServer console) {
        this.console = console;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        if (!req.decoderResult().isSuccess()) {
            Replies.send(ctx, false, Replies.text(HttpResponseStatus.BAD_REQUEST, "bad request\n"));
            return;
        }
        QueryStringDecoder query = new QueryStringDecoder(req.uri());
        Route.Match m = Route.find(req.method(), query.path()).orElse(null);
        if (m == null) {
            Replies.send(ctx, keepAlive, Replies.error(HttpResponseStatus.NOT_FOUND, ErrorCode.BAD_PARAMETER,
                    "no such page: " + clip(query.path()), "the console's API is under /api; see docs/console.md"));
            return;
        }
        if (!m.route().method.equals(req.method())) {
            FullHttpResponse r = Replies.error(HttpResponseStatus.METHOD_NOT_ALLOWED, ErrorCode.BAD_PARAMETER,
                    req.method() + " is not taken by " + clip(query.path()), "use " + m.route().method);
            r.headers().set(HttpHeaderNames.ALLOW, m.route().method.name());
            Replies.send(ctx, keepAlive, r);
            return;
        }
        Sessions.Session s = null;
        if (m.route().need != Route.Need.PUBLIC) {
            s = console.sessions().find(req.headers().get(HttpHeaderNames.COOKIE)).orElse(null);
            if (s == null) {
                Replies.send(ctx, keepAlive, Replies.error(HttpResponseStatus.UNAUTHORIZED, ErrorCode.DENIED, "not logged in",
                        "run 'zos-vm console' on " + console.backend().host() + " for a login link"));
                return;
            }
            String refused = refusal(m.route().need, req, query, s);
            if (refused != null) {
                LOG.warning("console: refused " + req.method() + " " + clip(query.path()) + " from " + ctx.channel().remoteAddress()
                        + ": " + refused);
                Replies.send(ctx, keepAlive, Replies.error(HttpResponseStatus.FORBIDDEN, ErrorCode.DENIED, refused,
                        "reload the console's page"));
                return;
            }
        }
        route(ctx, req, keepAlive, query, m, s);
    }

    /** Why a request with a session is still refused (CSRF token or Origin), or null. */
    private String refusal(Route.Need need, FullHttpRequest req, QueryStringDecoder query, Sessions.Session s) {
        String origin = req.headers().get(HttpHeaderNames.ORIGIN);
        String mine = "https://" + req.headers().get(HttpHeaderNames.HOST);
        return switch (need) {
            case CSRF -> !Sessions.csrfMatches(s, req.headers().get("X-CSRF-Token")) ? "missing or wrong CSRF token"
                    : origin != null && !origin.equals(mine) ? "request from another site (" + clip(origin) + ")" : null;
            case SOCKET -> !Sessions.csrfMatches(s, first(query, "csrf")) ? "missing or wrong CSRF token"
                    : origin == null || !origin.equals(mine) ? "WebSocket from another site (" + clip(String.valueOf(origin)) + ")"
                    : null;
            default -> null;
        };
    }

    private void route(ChannelHandlerContext ctx, FullHttpRequest req, boolean keepAlive, QueryStringDecoder query,
            Route.Match m, Sessions.Session s) {
        switch (m.route()) {
            case PAGE -> file(ctx, keepAlive, "index.html");
            case FILE -> file(ctx, keepAlive, m.params().get(0));
            case LOGIN -> login(ctx, keepAlive, first(query, "token"));
            case LOGOUT -> {
                console.sessions().logout(s.id());
                FullHttpResponse r = Replies.json(HttpResponseStatus.OK, Map.of("loggedOut", true));
                r.headers().add(HttpHeaderNames.SET_COOKIE, Sessions.COOKIE + "=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Strict");
                Replies.send(ctx, keepAlive, r);
            }
            case SESSION -> Replies.send(ctx, keepAlive, Replies.json(HttpResponseStatus.OK, Activity.JSON.createObjectNode()
                    .put("user", s.user()).put("host", console.backend().host()).put("csrf", s.csrf())
                    .put("since", s.since().toString())));
            case HOSTS -> {
                String user = s.user();
                later(ctx, keepAlive, () -> console.hostsJson(user));
            }
            case ANIMAS -> later(ctx, keepAlive, console::animasJson);
            case MOVES -> Replies.send(ctx, keepAlive, Replies.json(HttpResponseStatus.OK, console.activity().history().recent()));
            case ACTION -> {
                String name = m.params().get(0);
                String action = m.params().get(1);
                Map<String, String> options;
                try {
                    options = actionOptions(name, action, req);
                } catch (ZosException e) {
                    Replies.send(ctx, keepAlive, Replies.error(e));
                    return;
                }
                String user = s.user();
                later(ctx, keepAlive, () -> {
                    String note = console.backend().act(user, name, action, options);
                    console.pollSoon();
                    return Activity.JSON.createObjectNode().put("anima", name).put("action", action).put("note", note);
                });
            }
            case EVENTS -> EventSocket.upgrade(ctx, req, console, s);
            case SCREEN -> ScreenBridge.upgrade(ctx, req, console, s, m.params().get(0), first(query, "app"),
                    first(query, "view-only"));
        }
    }

    /** The action's options from its JSON body; a clear BAD_PARAMETER for anything it does not take. */
    static Map<String, String> actionOptions(String name, String action, FullHttpRequest req) {
        if (!Bounds.ANIMA.matcher(name).matches()) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "'" + clip(name) + "' is not an anima name",
                    "names are letters, digits, '.', '_' and '-', at most 64");
        }
        Set<String> takes = ACTIONS.get(action);
        if (takes == null) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "no action '" + clip(action) + "'",
                    "the console's actions: " + String.join(", ", new java.util.TreeSet<>(ACTIONS.keySet())));
        }
        Map<String, String> out = new LinkedHashMap<>();
        String body = req.content().toString(StandardCharsets.UTF_8).strip();
        JsonNode json;
        try {
            json = body.isEmpty() ? Activity.JSON.createObjectNode() : Activity.JSON.readTree(body);
        } catch (java.io.IOException e) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "the body of " + action + " is not JSON", "send a JSON object, e.g. {\"host\": \"host2\"}");
        }
        if (!json.isObject()) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "the body of " + action + " is not a JSON object", "send e.g. {\"host\": \"host2\"}");
        }
        for (Map.Entry<String, JsonNode> f : (Iterable<Map.Entry<String, JsonNode>>) json::fields) {
            if (!takes.contains(f.getKey())) {
                throw new ZosException(ErrorCode.BAD_PARAMETER, action + " takes no field '" + clip(f.getKey()) + "'",
                        takes.isEmpty() ? "send no body" : "it takes: " + String.join(", ", new java.util.TreeSet<>(takes)));
            }
            JsonNode v = f.getValue();
            if (f.getKey().equals("partial")) {
                if (!v.isBoolean()) {
                    throw new ZosException(ErrorCode.BAD_PARAMETER, "partial is true or false", "");
                }
                if (v.asBoolean()) {
                    throw new ZosException(ErrorCode.BAD_PARAMETER, "partial domination is not in this version of zos",
                            "dominate fully, or lend single windows with 'zos-vm view' on the other host");
                }
                continue;
            }
            if (!v.isTextual() || v.asText().length() > 200) {
                throw new ZosException(ErrorCode.BAD_PARAMETER, f.getKey() + " of " + action + " is a text of at most 200 characters", "");
            }
            out.put(f.getKey(), v.asText());
        }
        if (action.equals("dominate") && out.getOrDefault("host", "").isBlank()) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "no host named to dominate", "send {\"host\": NAME}, an enrolled host");
        }
        return out;
    }

    private void login(ChannelHandlerContext ctx, boolean keepAlive, String token) {
        Sessions.Session s = console.sessions().login(token).orElse(null);
        if (s == null) {
            Replies.send(ctx, keepAlive, Replies.text(HttpResponseStatus.UNAUTHORIZED, "This login link was used already, "
                    + "or is older than " + Sessions.TOKEN_LIFE.toMinutes() + " minutes.\nRun 'zos-vm console' on "
                    + console.backend().host() + " for a new one.\n"));
            return;
        }
        LOG.info("console: " + s.user() + " logged in from " + ctx.channel().remoteAddress());
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.SEE_OTHER);
        r.headers().set(HttpHeaderNames.LOCATION, "/");
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        r.headers().add(HttpHeaderNames.SET_COOKIE, Sessions.COOKIE + "=" + s.id() + "; Path=/; Secure; HttpOnly; SameSite=Strict");
        Replies.secure(r.headers());
        Replies.send(ctx, keepAlive, r);
    }

    private void file(ChannelHandlerContext ctx, boolean keepAlive, String path) {
        StaticFiles.File f = console.files().get(path).orElse(null);
        if (f == null) {
            Replies.send(ctx, keepAlive, Replies.text(HttpResponseStatus.NOT_FOUND, "not found\n"));
            return;
        }
        FullHttpResponse r = Replies.bytes(HttpResponseStatus.OK, f.bytes(), f.type());
        r.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
        Replies.send(ctx, keepAlive, r);
    }

    /** Runs {@code work} on a worker thread and answers with its result as JSON, or its error. */
    private void later(ChannelHandlerContext ctx, boolean keepAlive, Callable<Object> work) {
        console.workers().execute(() -> {
            FullHttpResponse r;
            try {
                r = Replies.json(HttpResponseStatus.OK, work.call());
            } catch (ZosException e) {
                r = Replies.error(e);
            } catch (Exception e) {
                LOG.warning("console: " + e);
                r = Replies.error(new ZosException(ErrorCode.INTERNAL, "internal error: " + e, "see the agent's log"));
            }
            Replies.send(ctx, keepAlive, r);
        });
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof ZosException z) {
            Replies.send(ctx, false, Replies.error(z));
            return;
        }
        LOG.fine("console connection " + ctx.channel().remoteAddress() + ": " + cause);
        ctx.close();
    }

    static String first(QueryStringDecoder q, String name) {
        List<String> v = q.parameters().get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    static String clip(String s) {
        String t = s == null ? "" : s.replaceAll("[^\\x20-\\x7e]", "?");
        return t.length() > 80 ? t.substring(0, 80) + "…" : t;
    }
}
