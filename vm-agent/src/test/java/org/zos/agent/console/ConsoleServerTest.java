package org.zos.agent.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.protocol.message.Progress;
import org.zos.protocol.message.StatusReport;
import org.zos.protocol.tls.WebIdentity;

/**
 * The console over real HTTPS and WebSockets in one JVM, with a stand-in backend: login, sessions, CSRF
 * and Origin checks, every route's bad input, the events a page gets, and the screen bridge carrying
 * bytes both ways to a VNC endpoint (here an echo server).
 */
class ConsoleServerTest {
    @TempDir
    Path dir;
    ConsoleServer console;
    Activity activity;
    HttpClient http;
    String base;
    final List<String> acted = new java.util.concurrent.CopyOnWriteArrayList<>();
    ServerSocket echo;

    final ConsoleBackend backend = new ConsoleBackend() {
        @Override
        public String host() {
            return "host1";
        }

        @Override
        public List<Host> hosts(String user) {
            return List.of(new Host("host1", "127.0.0.1:7470", "SHA256:x", true, false, false, true, "full", null),
                    new Host("host2", "10.0.0.2:7470", "SHA256:y", false, true, true, true, user.equals("root") ? "full" : "none", null));
        }

        @Override
        public List<Anima> animas() {
            return List.of(new Anima(StatusReport.Anima.brief("work", "host1", "host1", "running"), null));
        }

        @Override
        public String act(String user, String anima, String action, Map<String, String> options) {
            if (!anima.equals("work")) {
                throw new ZosException(ErrorCode.ANIMA_NOT_FOUND, "no anima named '" + anima + "' on this host",
                        "list animas with 'zos-vm status'");
            }
            acted.add(user + " " + action + " " + anima + " " + options);
            return "done";
        }

        @Override
        public int screen(String user, String anima, int app, boolean viewOnly) throws IOException {
            if (!anima.equals("work")) {
                throw new ZosException(ErrorCode.ANIMA_NOT_FOUND, "no anima '" + anima + "'", "");
            }
            return echo.getLocalPort();
        }
    };

    @BeforeEach
    void up() throws Exception {
        activity = new Activity(new MoveHistory(dir.resolve("moves.jsonl")), System::nanoTime);
        console = ConsoleServer.start(backend, activity, WebIdentity.loadOrCreate(dir, "host1", List.of()),
                new InetSocketAddress("127.0.0.1", 0));
        base = "https://127.0.0.1:" + console.port();
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, new TrustManager[] {new X509TrustManager() {
            public void checkClientTrusted(X509Certificate[] c, String a) {
            }

            public void checkServerTrusted(X509Certificate[] c, String a) {
            }

            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, null);
        http = HttpClient.newBuilder().sslContext(tls).followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(5)).build();
        echo = new ServerSocket(0, 5, java.net.InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            while (!echo.isClosed()) {
                try (Socket s = echo.accept(); InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                    out.write("RFB 003.008\n".getBytes());
                    in.transferTo(out);
                } catch (IOException e) {
                    // next
                }
            }
        });
        t.setDaemon(true);
        t.start();
    }

    @AfterEach
    void down() throws IOException {
        console.close();
        echo.close();
    }

    record Login(String cookie, String csrf) {
    }

    Login login(String user) throws Exception {
        HttpResponse<String> r = get(console.loginLink(user, "127.0.0.1").replaceFirst("https://[^/]+", ""), null);
        assertEquals(303, r.statusCode(), r.body());
        String setCookie = r.headers().firstValue("set-cookie").orElseThrow();
        assertTrue(setCookie.contains("HttpOnly") && setCookie.contains("Secure") && setCookie.contains("SameSite=Strict"), setCookie);
        String cookie = setCookie.substring(0, setCookie.indexOf(';'));
        JsonNode s = Activity.JSON.readTree(get("/api/session", cookie).body());
        return new Login(cookie, s.path("csrf").asText());
    }

    HttpResponse<String> get(String path, String cookie) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).GET();
        if (cookie != null) {
            b.header("Cookie", cookie);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, Login l, String csrf, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .POST(HttpRequest.BodyPublishers.ofString(body == null ? "" : body));
        if (l != null) {
            b.header("Cookie", l.cookie);
        }
        if (csrf != null) {
            b.header("X-CSRF-Token", csrf);
        }
        if (headers.length > 0) {
            b.headers(headers);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode json(HttpResponse<String> r) throws IOException {
        return Activity.JSON.readTree(r.body());
    }

    @Test
    void aLoginLinkWorksOnceAndTheApiNeedsItsSession() throws Exception {
        String link = console.loginLink("root", "127.0.0.1").replaceFirst("https://[^/]+", "");
        assertEquals(303, get(link, null).statusCode());
        HttpResponse<String> again = get(link, null);
        assertEquals(401, again.statusCode(), "a spent token does not log in");
        assertTrue(again.body().contains("zos-vm console"), again.body());
        assertEquals(401, get("/login?token=made-up", null).statusCode());
        assertEquals(401, get("/login", null).statusCode());
        for (String p : List.of("/api/session", "/api/hosts", "/api/animas", "/api/moves")) {
            HttpResponse<String> r = get(p, null);
            assertEquals(401, r.statusCode(), p);
            assertEquals("DENIED", json(r).path("error").asText());
            assertEquals(401, get(p, "zos-session=forged").statusCode(), p);
        }
        assertEquals(401, post("/api/animas/work/start", null, null, null).statusCode());
    }

    @Test
    void thePageAndItsFilesComeWithTheSecurityHeaders() throws Exception {
        HttpResponse<String> page = get("/", null);
        assertEquals(200, page.statusCode());
        assertTrue(page.body().contains("/static/console.js"));
        String csp = page.headers().firstValue("content-security-policy").orElseThrow();
        assertTrue(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe"), csp);
        assertEquals("nosniff", page.headers().firstValue("x-content-type-options").orElseThrow());
        assertEquals(200, get("/static/console.js", null).statusCode());
        assertEquals(200, get("/static/novnc/core/rfb.js", null).statusCode(), "noVNC is in the jar");
        for (String bad : List.of("/static/../ConsoleServer.class", "/static/.hidden.js", "/static/x%00.js", "/static/nope.js",
                "/static/console.java", "/static/novnc//core/rfb.js")) {
            assertEquals(404, get(bad, null).statusCode(), bad);
        }
        assertEquals(404, get("/nothing", null).statusCode());
    }

    @Test
    void stateChangingRequestsNeedTheCsrfTokenAndNoForeignOrigin() throws Exception {
        Login l = login("root");
        HttpResponse<String> none = post("/api/animas/work/start", l, null, null);
        assertEquals(403, none.statusCode());
        assertTrue(json(none).path("message").asText().contains("CSRF"), none.body());
        assertEquals(403, post("/api/animas/work/start", l, "wrong", null).statusCode());
        assertEquals(403, post("/api/animas/work/start", l, l.csrf, null, "Origin", "https://evil.example").statusCode());
        assertTrue(acted.isEmpty(), "nothing was done: " + acted);
        HttpResponse<String> ok = post("/api/animas/work/start", l, l.csrf, null);
        assertEquals(200, ok.statusCode(), ok.body());
        assertEquals("done", json(ok).path("note").asText());
        assertEquals(List.of("root start work {}"), acted);
        Login other = login("alice");
        assertEquals(403, post("/api/animas/work/start", other, l.csrf, null).statusCode(), "a CSRF token is its session's own");
    }

    @Test
    void badActionsGetTheCliErrorText() throws Exception {
        Login l = login("root");
        Map<String, Integer> cases = new java.util.LinkedHashMap<>();
        cases.put("/api/animas/work/frobnicate|", 400);
        cases.put("/api/animas/nope/start|", 404);
        cases.put("/api/animas/work/dominate|", 400);
        cases.put("/api/animas/work/dominate|{\"host\": 7}", 400);
        cases.put("/api/animas/work/dominate|{\"host\": \"host2\", \"force\": true}", 400);
        cases.put("/api/animas/work/dominate|{\"host\": \"host2\", \"partial\": true}", 400);
        cases.put("/api/animas/work/dominate|[1,2]", 400);
        cases.put("/api/animas/work/dominate|{not json", 400);
        cases.put("/api/animas/work/start|{\"host\": \"host2\"}", 400);
        cases.put("/api/animas/-x/start|", 400);
        for (Map.Entry<String, Integer> c : cases.entrySet()) {
            String[] pb = c.getKey().split("\\|", 2);
            HttpResponse<String> r = post(pb[0], l, l.csrf, pb[1]);
            assertEquals(c.getValue(), r.statusCode(), c.getKey() + ": " + r.body());
            assertFalse(json(r).path("message").asText().isEmpty(), r.body());
        }
        HttpResponse<String> notFound = post("/api/animas/nope/start", l, l.csrf, null);
        assertEquals("no anima named 'nope' on this host", json(notFound).path("message").asText());
        assertEquals("list animas with 'zos-vm status'", json(notFound).path("hint").asText());
        assertEquals(413, post("/api/animas/work/dominate", l, l.csrf, "{\"host\": \"" + "x".repeat(20_000) + "\"}").statusCode());
        assertEquals(405, get("/api/animas/work/start", l.cookie).statusCode());
        HttpResponse<String> dominate = post("/api/animas/work/dominate", l, l.csrf, "{\"host\": \"host2\", \"bandwidth\": \"50mbit\"}");
        assertEquals(200, dominate.statusCode(), dominate.body());
        assertEquals(List.of("root dominate work {host=host2, bandwidth=50mbit}"), acted);
    }

    @Test
    void theApiListsHostsAnimasAndMovesAndLogoutEndsTheSession() throws Exception {
        Login l = login("root");
        JsonNode hosts = json(get("/api/hosts", l.cookie));
        assertEquals("host2", hosts.get(1).path("name").asText());
        assertEquals("full", hosts.get(1).path("access").asText());
        JsonNode animas = json(get("/api/animas", l.cookie));
        assertEquals("running", animas.get(0).path("state").asText());
        assertTrue(json(get("/api/moves", l.cookie)).isArray());
        assertEquals(403, post("/logout", l, null, null).statusCode());
        assertEquals(200, post("/logout", l, l.csrf, null).statusCode());
        assertEquals(401, get("/api/animas", l.cookie).statusCode());
    }

    @Test
    void aPageGetsTheStateThenEveryStepOfAMoveAndItsHistory() throws Exception {
        Login l = login("root");
        BlockingQueue<JsonNode> events = new LinkedBlockingQueue<>();
        WebSocket ws = socket("/api/events?csrf=" + l.csrf, l, new Text(events));
        assertEquals("hello", next(events, "hello").path("type").asText());
        assertEquals("work", next(events, "animas").path("animas").get(0).path("name").asText());
        assertEquals("full", next(events, "hosts").path("hosts").get(1).path("access").asText());
        var p = activity.begin("work", "dominate", "host2", x -> { });
        p.accept(new Progress("sending disk", 0, 1000, 0));
        Thread.sleep(600);
        p.accept(new Progress("sending disk", 500, 1000, 600));
        p.accept(new Progress("suspending", 0, 0, 0));
        JsonNode step = next(events, "progress");
        while (!step.path("phase").asText().equals("suspending")) {
            step = next(events, "progress");
        }
        assertTrue(step.has("downtime"), step.toString());
        activity.end("work", "dominate", "sent 1.0 MiB (1048576 bytes) in 3 chunks; downtime 1.50 s; total 2.00 s", null);
        JsonNode done = next(events, "done");
        assertTrue(done.path("ok").asBoolean());
        JsonNode moves = next(events, "moves").path("moves");
        JsonNode last = moves.get(moves.size() - 1);
        assertEquals(1048576, last.path("bytes").asLong());
        assertEquals(1.5, last.path("downtime").asDouble());
        assertEquals("host2", last.path("target").asText());
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "").join();
    }

    @Test
    void socketsNeedTheSessionTheCsrfTokenAndThisOrigin() throws Exception {
        Login l = login("root");
        BlockingQueue<JsonNode> sink = new LinkedBlockingQueue<>();
        assertRefused(() -> socket("/api/events", l, new Text(sink)));
        assertRefused(() -> socket("/api/events?csrf=wrong", l, new Text(sink)));
        assertRefused(() -> socket("/api/events?csrf=" + l.csrf, new Login("zos-session=forged", ""), new Text(sink)));
        assertRefused(() -> http.newWebSocketBuilder().header("Cookie", l.cookie).header("Origin", "https://evil.example")
                .buildAsync(URI.create(base.replace("https", "wss") + "/api/events?csrf=" + l.csrf), new Text(sink)).join());
        assertRefused(() -> socket("/api/animas/nope/screen?csrf=" + l.csrf, l, new Text(sink)));
        assertRefused(() -> socket("/api/animas/work/screen?app=x&csrf=" + l.csrf, l, new Text(sink)));
    }

    @Test
    void theScreenBridgeCarriesBytesBothWays() throws Exception {
        Login l = login("root");
        BlockingQueue<byte[]> got = new LinkedBlockingQueue<>();
        WebSocket ws = socket("/api/animas/work/screen?app=1&view-only=true&csrf=" + l.csrf, l, new WebSocket.Listener() {
            @Override
            public CompletionStage<?> onBinary(WebSocket w, ByteBuffer data, boolean last) {
                byte[] b = new byte[data.remaining()];
                data.get(b);
                got.add(b);
                w.request(1);
                return null;
            }
        });
        assertEquals("RFB 003.008\n", new String(got.poll(5, TimeUnit.SECONDS)));
        ws.sendBinary(ByteBuffer.wrap("hello vnc".getBytes()), true).join();
        StringBuilder back = new StringBuilder();
        while (back.length() < 9) {
            back.append(new String(got.poll(5, TimeUnit.SECONDS)));
        }
        assertEquals("hello vnc", back.toString());
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "").join();
    }

    @Test
    void aTakenPortIsABusyErrorThatSaysWhatToDo() {
        ZosException e = org.junit.jupiter.api.Assertions.assertThrows(ZosException.class, () -> ConsoleServer.start(backend,
                activity, WebIdentity.loadOrCreate(dir, "host1", List.of()), new InetSocketAddress("127.0.0.1", console.port())));
        assertEquals(ErrorCode.BUSY, e.code());
        assertTrue(e.userLine().contains("127.0.0.1:" + console.port()) && e.userLine().contains("--no-console"), e.userLine());
    }

    WebSocket socket(String path, Login l, WebSocket.Listener listener) {
        return http.newWebSocketBuilder().header("Cookie", l.cookie).header("Origin", base)
                .buildAsync(URI.create(base.replace("https", "wss") + path), listener).join();
    }

    static void assertRefused(java.util.function.Supplier<WebSocket> open) {
        try {
            WebSocket w = open.get();
            w.abort();
            throw new AssertionError("the socket was opened");
        } catch (CompletionException e) {
            assertNotNull(e.getCause());
        }
    }

    static JsonNode next(BlockingQueue<JsonNode> events, String type) throws InterruptedException {
        while (true) {
            JsonNode e = events.poll(10, TimeUnit.SECONDS);
            assertNotNull(e, "an event of type " + type);
            if (e.path("type").asText().equals(type)) {
                return e;
            }
        }
    }

    /** Collects text frames as JSON. */
    static final class Text implements WebSocket.Listener {
        private final BlockingQueue<JsonNode> out;
        private final StringBuilder part = new StringBuilder();

        Text(BlockingQueue<JsonNode> out) {
            this.out = out;
        }

        @Override
        public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
            part.append(data);
            if (last) {
                try {
                    out.add(Activity.JSON.readTree(part.toString()));
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
                part.setLength(0);
            }
            w.request(1);
            return null;
        }
    }
}
