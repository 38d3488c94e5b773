package org.zos.agent.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Logger;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.protocol.tls.WebIdentity;

/**
 * The web console of one agent: HTTPS (TLS 1.2 or 1.3, the console's {@link WebIdentity}) on its own port,
 * loopback unless told otherwise. The pipeline, top to bottom: TLS → HTTP codec (4 KiB request line, 8 KiB
 * headers) → aggregator (16 KiB bodies; larger is 413) → {@link ConsoleHandler}. While a page is open, the
 * animas are looked at once a second and the hosts every {@link #HOSTS_EVERY_S} seconds, and each change
 * is pushed to every page as an event.
 */
public final class ConsoleServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ConsoleServer.class.getName());
    static final int MAX_BODY = 16 * 1024;
    static final int HOSTS_EVERY_S = 15;

    private final ConsoleBackend backend;
    private final Activity activity;
    private final Sessions sessions = new Sessions(Instant::now);
    private final StaticFiles files = new StaticFiles();
    private final WebIdentity identity;
    private final EventLoopGroup boss = new NioEventLoopGroup(1);
    private final EventLoopGroup io = new NioEventLoopGroup(2);
    private final ExecutorService workers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "zos-console");
        t.setDaemon(true);
        return t;
    });
    private final ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "zos-console-poll");
        t.setDaemon(true);
        return t;
    });
    private final AtomicReference<ArrayNode> animas = new AtomicReference<>();
    /** The hosts as each user last saw them. */
    private final java.util.Map<String, JsonNode> hosts = new java.util.concurrent.ConcurrentHashMap<>();
    /** The pages open now (their event sockets) and their users. */
    private final java.util.Map<Object, String> pages = new java.util.concurrent.ConcurrentHashMap<>();
    private final Channel channel;
    private int ticks;

    private ConsoleServer(ConsoleBackend backend, Activity activity, WebIdentity identity, InetSocketAddress at) {
        this.backend = backend;
        this.activity = activity;
        this.identity = identity;
        SslContext tls;
        try {
            tls = SslContextBuilder.forServer(identity.key(), identity.certificate()).protocols("TLSv1.3", "TLSv1.2")
                    .sslProvider(SslProvider.JDK).build();
        } catch (javax.net.ssl.SSLException e) {
            throw new IllegalStateException("cannot set up the console's TLS: " + e.getMessage(), e);
        }
        ServerBootstrap b = new ServerBootstrap().group(boss, io).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast("tls", tls.newHandler(ch.alloc()))
                                .addLast("http", new HttpServerCodec(4096, 8192, 8192))
                                .addLast("aggregate", new HttpObjectAggregator(MAX_BODY))
                                .addLast("console", new ConsoleHandler(ConsoleServer.this));
                    }
                });
        try {
            channel = b.bind(at).syncUninterruptibly().channel();
        } catch (Exception e) { // Netty rethrows the checked BindException unchecked
            close();
            throw new ZosException(ErrorCode.BUSY, "the console cannot listen on " + at + ": " + e.getMessage(),
                    "is another zos-agent running here? Choose another port with --console-port, or run without a console: --no-console");
        }
        poller.scheduleWithFixedDelay(this::poll, 1, 1, TimeUnit.SECONDS);
    }

    public static ConsoleServer start(ConsoleBackend backend, Activity activity, WebIdentity identity, InetSocketAddress at) {
        return new ConsoleServer(backend, activity, identity, at);
    }

    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    /** A login link for {@code user}, good once for a few minutes; {@code address} is how the browser reaches us. */
    public String loginLink(String user, String address) {
        String a = address.contains(":") && !address.startsWith("[") ? "[" + address + "]" : address;
        return "https://" + a + ":" + port() + "/login?token=" + sessions.issue(user);
    }

    public WebIdentity identity() {
        return identity;
    }

    ConsoleBackend backend() {
        return backend;
    }

    Activity activity() {
        return activity;
    }

    Sessions sessions() {
        return sessions;
    }

    StaticFiles files() {
        return files;
    }

    ExecutorService workers() {
        return workers;
    }

    /** The animas as the API and the events give them: the status fields, plus {@code apps}. */
    ArrayNode animasJson() {
        ArrayNode out = Activity.JSON.createArrayNode();
        for (ConsoleBackend.Anima a : backend.animas()) {
            ObjectNode o = Activity.JSON.valueToTree(a.status());
            o.set("apps", a.apps());
            out.add(o);
        }
        animas.set(out);
        return out;
    }

    JsonNode hostsJson(String user) {
        JsonNode h = Activity.JSON.valueToTree(backend.hosts(user));
        hosts.put(user, h);
        return h;
    }

    void opened(Object page, String user) {
        pages.put(page, user);
    }

    void closed(Object page) {
        pages.remove(page);
    }

    /** A new page's first view: the animas, the history, what runs now and the hosts (which may take seconds). */
    List<ObjectNode> snapshot(String user) {
        List<ObjectNode> out = new ArrayList<>();
        out.add(event("animas", animas.get() != null ? animas.get() : safely(this::animasJson)));
        out.add(event("moves", Activity.JSON.valueToTree(activity.history().recent())));
        out.addAll(activity.running());
        JsonNode h = hosts.get(user);
        out.add(event("hosts", h != null ? h : safely(() -> hostsJson(user))).put("user", user));
        return out;
    }

    /** Looks at the animas at the next tick rather than at most a second later (after an action). */
    void pollSoon() {
        poller.execute(this::pollAnimas);
    }

    private void poll() {
        if (pages.isEmpty()) {
            return;
        }
        pollAnimas();
        if (++ticks % HOSTS_EVERY_S == 0) {
            for (String user : new java.util.HashSet<>(pages.values())) {
                workers.execute(() -> {
                    JsonNode before = hosts.get(user);
                    JsonNode now = safely(() -> hostsJson(user));
                    if (!now.equals(before)) {
                        activity.publish(event("hosts", now).put("user", user));
                    }
                });
            }
        }
    }

    private void pollAnimas() {
        JsonNode before = animas.get();
        JsonNode now = safely(this::animasJson);
        if (!now.equals(before)) {
            activity.publish(event("animas", now));
        }
    }

    private static ObjectNode event(String type, JsonNode body) {
        ObjectNode e = Activity.JSON.createObjectNode().put("type", type);
        e.set(type, body);
        return e;
    }

    private static JsonNode safely(java.util.function.Supplier<JsonNode> s) {
        try {
            return s.get();
        } catch (RuntimeException e) {
            LOG.fine("console: " + e);
            return Activity.JSON.createArrayNode();
        }
    }

    @Override
    public void close() {
        poller.shutdownNow();
        workers.shutdownNow();
        if (channel != null) {
            channel.close().syncUninterruptibly();
        }
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        io.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
