package org.zos.protocol.net;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.protocol.message.Envelope;
import org.zos.protocol.message.Failure;
import org.zos.protocol.message.Hello;
import org.zos.protocol.message.Message;
import org.zos.protocol.message.Progress;
import org.zos.protocol.tls.HostIdentity;
import org.zos.protocol.tls.KnownHosts;
import org.zos.protocol.tls.PinningTrustManager;
import org.zos.protocol.tls.TlsContexts;

/**
 * A connection to another zos host, made by {@link #connect}: TCP, preamble, TLS with the peer pinned,
 * then hello both ways. Every failure on the way is one ZosException: HOST_UNREACHABLE, PROTOCOL_ERROR
 * (not a zos peer), VERSION_MISMATCH, UNKNOWN_PEER or PEER_KEY_CHANGED (on either side). No request is
 * sent before all of that succeeded.
 */
public final class Peer implements AutoCloseable {
    /** Data frames wait in {@link #sendData} while more than this many bytes are unsent. */
    public static final int HIGH_WATER = 4 << 20;
    static final int LOW_WATER = 1 << 20;
    private final EventLoopGroup group;
    private final Channel channel;
    private final Session session;
    private final String target;

    private Peer(EventLoopGroup group, Channel channel, Session session, String target) {
        this.group = group;
        this.channel = channel;
        this.session = session;
        this.target = target;
    }

    /** Connects to an enrolled host and exchanges hello as {@code user}. */
    public static Peer connect(HostIdentity me, KnownHosts known, String target, int port, String user,
            String software, Duration timeout) {
        PinningTrustManager trust = PinningTrustManager.dialing(known, target);
        Session s = new Session(trust, new Hello(me.host(), user, software), target);
        Peer p = open(me, trust, s, target, port, timeout);
        p.await(s.hello, timeout, "hello");
        return p;
    }

    /** Connects to this host's own agent on {@code port}, which must hold this host's identity. */
    public static Peer connectLocal(HostIdentity me, int port, String user, String software, Duration timeout) {
        PinningTrustManager trust = PinningTrustManager.dialingSelf(me);
        Session s = new Session(trust, new Hello(me.host(), user, software), "the local zos-agent");
        Peer p = open(me, trust, s, "127.0.0.1", port, timeout);
        p.await(s.hello, timeout, "hello");
        return p;
    }

    /**
     * What a host presents (its certificate, then its site endorsement if it has one), without trusting it:
     * for showing its fingerprint before enrolling it. The connection is closed right after the TLS
     * handshake; nothing else is sent.
     */
    public static X509Certificate[] capture(HostIdentity me, String target, int port, Duration timeout) {
        PinningTrustManager trust = PinningTrustManager.capturing();
        Session s = new Session(trust, null, target);
        try (Peer p = open(me, trust, s, target, port, timeout)) {
            try {
                p.await(s.handshake, timeout, "the TLS handshake");
            } catch (ZosException e) {
                if (trust.seen().isEmpty()) {
                    throw e;
                }
            }
            return trust.seen().orElseThrow();
        }
    }

    /**
     * Connects to this host's agent on its local UNIX socket, as the user this process runs as (the agent
     * reads it from the socket and refuses a hello that names another, unless this process is root). Needs
     * no key: the socket's mode and group say who may use it.
     */
    public static Peer connectSocket(java.nio.file.Path socket, String user, String software, Duration timeout) {
        Session s = new Session(null, new Hello(LocalProof.LOCALHOST, user, software), "the local zos-agent");
        // The JDK's own UNIX sockets (NIO): the native epoll transport the agent serves with costs a command
        // the extraction and loading of its library, for one connection.
        Peer p = dial(new NioEventLoopGroup(1), io.netty.channel.socket.nio.NioDomainSocketChannel.class,
                java.net.UnixDomainSocketAddress.of(socket), null, s, timeout, s.target, socket.toString());
        p.await(s.hello, timeout, "hello");
        return p;
    }

    private static Peer open(HostIdentity me, PinningTrustManager trust, Session s, String target, int port, Duration timeout) {
        SslContext tls;
        try {
            tls = TlsContexts.client(me, trust);
        } catch (javax.net.ssl.SSLException e) {
            throw new IllegalStateException(e);
        }
        return dial(new NioEventLoopGroup(1), NioSocketChannel.class, java.net.InetSocketAddress.createUnresolved(target, port),
                tls, s, timeout, target, target + ":" + port);
    }

    /** Connects a channel of {@code type} to {@code address} ({@code shown} in errors) and installs the zos pipeline on it. */
    private static Peer dial(EventLoopGroup group, Class<? extends Channel> type, java.net.SocketAddress address, SslContext tls,
            Session s, Duration timeout, String target, String shown) {
        Bootstrap b = new Bootstrap().group(group).channel(type)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) timeout.toMillis())
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new io.netty.channel.WriteBufferWaterMark(LOW_WATER, HIGH_WATER))
                .option(ChannelOption.MESSAGE_SIZE_ESTIMATOR, FrameSizes.ESTIMATOR)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ZosPipeline.install(ch.pipeline(), tls, s);
                        ch.pipeline().addLast("errors", new io.netty.channel.ChannelInboundHandlerAdapter() {
                            @Override
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                s.fail(cause);
                                ctx.close();
                            }
                        });
                    }
                });
        ChannelFuture f = b.connect(address).awaitUninterruptibly(); // Netty resolves an unresolved host name
        if (!f.isSuccess()) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw new ZosException(ErrorCode.HOST_UNREACHABLE, "cannot reach " + shown + ": "
                    + f.cause().getMessage(), "check the address, and that zos-agent runs there");
        }
        // After the close, let the exception that explains it (a TLS alert arrives after the close) come first.
        f.channel().closeFuture().addListener(c -> f.channel().eventLoop().execute(() -> s.fail(null)));
        f.channel().closeFuture().addListener(c -> {
            synchronized (s.writable) {
                s.writable.notifyAll();
            }
        });
        return new Peer(group, f.channel(), s, target);
    }

    /** The peer's hello: its host name and software. */
    public Hello hello() {
        return session.hello.getNow(null);
    }

    /** Sends a request and waits for its answer; a {@link Failure} answer is thrown as its ZosException. */
    public Message request(Message m, Duration timeout) {
        return request(m, timeout, p -> { });
    }

    /**
     * Sends a request and waits for its answer, handing each {@link Progress} message that comes first to
     * {@code progress} (on the connection's thread). {@code idle} bounds the silence, not the whole
     * request: every progress message starts it again.
     */
    public Message request(Message m, Duration idle, Consumer<Progress> progress) {
        return request(m, idle, progress, () -> { });
    }

    /**
     * As above; {@code written} runs once the request is handed to the connection, before the answer is
     * awaited: whatever another thread writes after it goes after the request.
     */
    public Message request(Message m, Duration idle, Consumer<Progress> progress, Runnable written) {
        long id = session.next.incrementAndGet();
        Waiting w = new Waiting(progress);
        session.pending.put(id, w);
        // A connection that closed before or while this is written fails the request at once: the close
        // already failed what was pending then, and nothing would ever answer this one.
        channel.writeAndFlush(new Envelope(id, 0, m)).addListener(f -> {
            if (!f.isSuccess()) {
                w.answer.completeExceptionally(session.closed(f.cause()));
            }
        });
        if (!channel.isActive()) {
            w.answer.completeExceptionally(session.closed(null));
        }
        written.run();
        String what = m.getClass().getSimpleName();
        Message reply;
        while (true) {
            long heard = w.heard;
            try {
                reply = w.answer.get(idle.toMillis(), TimeUnit.MILLISECONDS);
                break;
            } catch (TimeoutException e) {
                if (w.heard == heard) {
                    session.pending.remove(id);
                    close();
                    throw new ZosException(ErrorCode.HOST_UNREACHABLE, target + " said nothing for " + idle.toSeconds()
                            + " s while answering " + what, "check the link and the agent's load");
                }
            } catch (ExecutionException | InterruptedException e) {
                reply = await(w.answer, Duration.ZERO, what); // closes and throws
            }
        }
        if (reply instanceof Failure failure) {
            throw failure.toException();
        }
        return reply;
    }

    /**
     * Keeps this connection's queue short, for a stream whose bytes' age matters more than the last bit of
     * throughput on a long fat link: at most {@code bytes} wait unsent in this process, and the socket's
     * send buffer is about as large (no longer grown by the kernel). A live migration's last pages, sent
     * while the guest is stopped, so wait behind a fraction of a second of older ones instead of seconds.
     */
    public void shortQueue(int bytes) {
        channel.config().setWriteBufferWaterMark(new io.netty.channel.WriteBufferWaterMark(bytes / 4, bytes));
        if (channel.config() instanceof io.netty.channel.socket.SocketChannelConfig c) {
            c.setSendBufferSize(bytes);
        }
    }

    /**
     * Sends a request that opens a stream ({@code view-open}) and waits for its answer; from then on this
     * connection carries the stream's bytes (data frames both ways) and takes no other request. Closing the
     * stream closes the connection.
     *
     * @return the answer and the stream
     */
    public Map.Entry<Message, ChannelStream> openStream(Message m, Duration timeout) {
        ChannelStream s = new ChannelStream(channel, () -> {
            channel.config().setAutoRead(true);
            channel.read();
        });
        session.stream = s;
        Message answer;
        try {
            answer = request(m, timeout);
        } catch (ZosException e) {
            session.stream = null;
            throw e;
        }
        return Map.entry(answer, s);
    }

    /** A request waiting for its answer; {@code heard} moves with every progress message. */
    private static final class Waiting {
        final CompletableFuture<Message> answer = new CompletableFuture<>();
        final Consumer<Progress> progress;
        volatile long heard;

        Waiting(Consumer<Progress> progress) {
            this.progress = progress;
        }
    }

    /**
     * Sends one data frame, first waiting while more than {@link #HIGH_WATER} bytes are unsent, so a
     * slow receiver makes this thread wait instead of making the sender buffer without bound. Takes
     * ownership of {@code payload}. Not for an event-loop thread.
     */
    public void sendData(io.netty.buffer.ByteBuf payload, Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        synchronized (session.writable) {
            while (!channel.isWritable() && channel.isActive()) {
                long left = end - System.nanoTime();
                if (left <= 0) {
                    payload.release();
                    close();
                    throw new ZosException(ErrorCode.HOST_UNREACHABLE, target + " took no data for " + timeout.toSeconds() + " s",
                            "check the link and the receiving agent");
                }
                try {
                    session.writable.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    payload.release();
                    throw new ZosException(ErrorCode.INTERNAL, "interrupted while sending to " + target, "");
                }
            }
        }
        if (!channel.isActive()) {
            payload.release();
            throw new ZosException(ErrorCode.HOST_UNREACHABLE, target + " closed the connection", "see its agent's log");
        }
        channel.writeAndFlush(new org.zos.protocol.wire.Frame(org.zos.protocol.wire.Frame.Kind.DATA, payload));
    }

    /** Bytes written but not yet sent on the socket. */
    public long unsentBytes() {
        io.netty.channel.ChannelOutboundBuffer b = channel.unsafe().outboundBuffer();
        return b == null ? 0 : b.totalPendingWriteBytes();
    }

    private <T> T await(CompletableFuture<T> f, Duration timeout, String what) {
        try {
            return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            close();
            throw e.getCause() instanceof ZosException z ? z : new ZosException(ErrorCode.INTERNAL, e.getCause().toString(), "");
        } catch (TimeoutException e) {
            close();
            throw new ZosException(ErrorCode.HOST_UNREACHABLE, target + " did not answer " + what + " within "
                    + timeout.toSeconds() + " s", "check the link and the agent's load");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new ZosException(ErrorCode.INTERNAL, "interrupted while waiting for " + target, "");
        }
    }

    @Override
    public void close() {
        channel.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    /** The client end of the pipeline: hello, answers matched to requests, failures to everyone waiting. */
    private static final class Session extends SimpleChannelInboundHandler<Envelope> {
        final PinningTrustManager trust;
        final Hello mine;
        final String target;
        final CompletableFuture<Void> handshake = new CompletableFuture<>();
        final CompletableFuture<Hello> hello = new CompletableFuture<>();
        final Map<Long, Waiting> pending = new ConcurrentHashMap<>();
        final AtomicLong next = new AtomicLong(1);
        final Object writable = new Object();
        /** The stream a request opened on this connection: data frames from the server go there. */
        volatile ChannelStream stream;

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
            synchronized (writable) {
                writable.notifyAll();
            }
            ChannelStream st = stream;
            if (st != null) {
                st.writable();
            }
            super.channelWritabilityChanged(ctx);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            ChannelStream st = stream;
            if (msg instanceof org.zos.protocol.wire.Frame f && st != null) {
                try {
                    st.deliver(f.payload());
                } finally {
                    f.release();
                }
                if (!st.mayRead()) {
                    ctx.channel().config().setAutoRead(false); // the stream's reader turns it on again
                }
                return;
            }
            super.channelRead(ctx, msg);
        }

        Session(PinningTrustManager trust, Hello mine, String target) {
            this.trust = trust;
            this.mine = mine;
            this.target = target;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            ChannelStream st = stream;
            if (Liveness.silent(evt) && hello.isDone() && (st == null || st.awaited(Liveness.SILENCE))) {
                fail(new ZosException(ErrorCode.HOST_UNREACHABLE, target + " said nothing for " + Liveness.SILENCE.toSeconds()
                        + " s: its agent, its host or the link is down", "check that zos-agent runs on " + target + " and the link"));
                ctx.close();
                return;
            }
            if (Liveness.keepaliveDue(evt) && hello.isDone() && !hello.isCompletedExceptionally()) {
                ctx.writeAndFlush(new Envelope(next.incrementAndGet(), 0, new org.zos.protocol.message.Keepalive()));
                return;
            }
            if (evt instanceof SslHandshakeCompletionEvent done) {
                if (done.isSuccess()) {
                    handshake.complete(null);
                    if (mine != null) {
                        ctx.writeAndFlush(new Envelope(1, 0, mine));
                    }
                } else {
                    fail(done.cause());
                }
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Envelope e) {
            if (e.body() instanceof Failure f && e.re() == 0) {
                fail(f.toException());
                return;
            }
            if (!hello.isDone()) {
                if (e.body() instanceof Hello h && e.re() == 1) {
                    try {
                        h.check();
                    } catch (ZosException bad) {
                        fail(new ZosException(ErrorCode.PROTOCOL_ERROR, target + " sent a malformed hello: " + bad.getMessage(), ""));
                        return;
                    }
                    Liveness.greeted(ctx.channel());
                    hello.complete(h);
                } else {
                    fail(e.body() instanceof Failure f ? f.toException()
                            : new ZosException(ErrorCode.PROTOCOL_ERROR, target + " did not answer hello", ""));
                }
                return;
            }
            if (e.body() instanceof org.zos.protocol.message.Keepalive) {
                return;
            }
            if (e.body() instanceof Progress p) {
                Waiting waiting = pending.get(e.re());
                if (waiting != null && valid(p)) {
                    waiting.heard++;
                    waiting.progress.accept(p);
                }
                return;
            }
            Waiting waiting = pending.remove(e.re());
            if (waiting != null) {
                try {
                    e.body().check();
                    waiting.answer.complete(e.body());
                } catch (ZosException bad) {
                    waiting.answer.completeExceptionally(new ZosException(ErrorCode.PROTOCOL_ERROR, target
                            + " sent a malformed answer: " + bad.getMessage(), "upgrade zos on " + target));
                }
            }
        }

        private static boolean valid(Message m) {
            try {
                m.check();
                return true;
            } catch (ZosException bad) {
                return false;
            }
        }

        /** What a request sent on a connection that closed fails with. */
        ZosException closed(Throwable cause) {
            return new ZosException(ErrorCode.HOST_UNREACHABLE, target + " closed the connection"
                    + (cause == null ? "" : ": " + LogText.of(cause.getMessage())), "see " + target + "'s agent log");
        }

        /** Fails everything still waiting: with the reason a refusal carries, else a plain disconnect. */
        void fail(Throwable cause) {
            ZosException z = cause == null ? null : PinningTrustManager.reason(cause).orElse(null);
            if (z == null && cause != null && isRemoteRefusal(cause)) {
                z = new ZosException(ErrorCode.UNKNOWN_PEER, target + " refused this host's certificate: this host "
                        + "is not enrolled there (or is enrolled with another key)",
                        "run 'zos-vm trust " + (mine == null ? "<this host>" : mine.host()) + "' on " + target);
            }
            if (z == null && cause instanceof ZosException given) {
                z = given;
            }
            if (z == null) {
                z = closed(cause);
            }
            handshake.completeExceptionally(z);
            hello.completeExceptionally(z);
            for (Waiting w : pending.values()) {
                w.answer.completeExceptionally(z);
            }
        }

        private static boolean isRemoteRefusal(Throwable t) {
            for (Throwable c = t; c != null; c = c.getCause()) {
                String m = String.valueOf(c.getMessage());
                if (c instanceof javax.net.ssl.SSLException && (m.contains("bad_certificate") || m.contains("certificate_unknown")
                        || m.contains("certificate_required"))) {
                    return true;
                }
            }
            return false;
        }
    }
}
