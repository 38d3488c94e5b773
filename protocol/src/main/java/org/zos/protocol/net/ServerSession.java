package org.zos.protocol.net;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.util.logging.Logger;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.protocol.message.Envelope;
import org.zos.protocol.message.Failure;
import org.zos.protocol.message.Hello;
import org.zos.protocol.message.Message;
import org.zos.protocol.tls.KnownHosts;
import org.zos.protocol.tls.PinningTrustManager;

/**
 * One accepted connection, after TLS: the peer's first message must be a {@link Hello} naming the host
 * its certificate was enrolled as; every later envelope is a request, answered by the {@link Responder}
 * on a worker thread (a ZosException becomes a {@link Failure}), so a long request neither holds up the
 * event loop nor other requests on the same connection. A protocol violation is answered with a failure and the
 * connection is closed. Every refusal is logged with its reason.
 */
public final class ServerSession extends io.netty.channel.ChannelInboundHandlerAdapter {
    private static final Logger LOG = Logger.getLogger(ServerSession.class.getName());

    private final Proof trust;
    private final Hello me;
    private final Responder responder;
    private final DataSink sink;
    private DataReceiver data;
    /** The stream a request opened on this connection; then its data frames go there. */
    private volatile ChannelStream stream;
    private Hello hello;
    private final java.util.concurrent.Executor workers;
    private final java.util.concurrent.atomic.AtomicLong sent = new java.util.concurrent.atomic.AtomicLong();
    /** Requests being answered now, and when the last request or data frame came (nanoTime). */
    private final java.util.concurrent.atomic.AtomicInteger answering = new java.util.concurrent.atomic.AtomicInteger();
    private volatile long lastUsed = System.nanoTime();
    /** A connection with nothing to answer and no request or data for this long is closed. */
    static final java.time.Duration IDLE_CLOSE = java.time.Duration.ofMinutes(10);

    /**
     * What the other end of a connection proved to be before it said anything: the enrolled host whose
     * pinned certificate it showed over TLS, or, on the local socket, this host and the user the kernel
     * names ({@link LocalProof}).
     */
    public interface Proof {
        /** The proved host; empty until proved. */
        java.util.Optional<KnownHosts.Entry> peer();

        /** Whether the peer is this host itself (a zos process of this host). */
        boolean peerIsSelf();

        /** Refuses a hello that claims more than was proved: another host's name, another user's. */
        void admit(Hello h);
    }

    /** The proof of a TLS connection: the peer's pinned certificate, and a hello naming the host it was enrolled as. */
    public static Proof tls(PinningTrustManager trust) {
        return new Proof() {
            @Override
            public java.util.Optional<KnownHosts.Entry> peer() {
                return trust.peer();
            }

            @Override
            public boolean peerIsSelf() {
                return trust.peerIsSelf();
            }

            @Override
            public void admit(Hello h) {
                KnownHosts.Entry peer = trust.peer().orElseThrow();
                if (!h.host().equals(peer.name())) {
                    throw new ZosException(ErrorCode.PEER_KEY_CHANGED, "the peer says it is " + h.host()
                            + " but its key is enrolled as " + peer.name(), "enrol the host under its own name");
                }
            }
        };
    }

    public ServerSession(Proof trust, Hello me, Responder responder, DataSink sink,
            java.util.concurrent.Executor workers) {
        this.workers = workers;
        this.trust = trust;
        this.me = me;
        this.responder = responder;
        this.sink = sink;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof Envelope e) {
                channelRead0(ctx, e);
            } else if (msg instanceof org.zos.protocol.wire.Frame f && stream != null) {
                lastUsed = System.nanoTime();
                stream.deliver(f.payload());
            } else if (msg instanceof org.zos.protocol.wire.Frame f) {
                if (hello == null || sink == null) {
                    throw org.zos.protocol.wire.Frame.violation(hello == null ? "data before hello" : "data this host does not take");
                }
                lastUsed = System.nanoTime();
                if (data == null) {
                    data = new DataReceiver(ctx.channel(), new Responder.Caller(trust.peer().orElseThrow(), hello,
                            trust.peerIsSelf()), sink);
                }
                data.offer(f);
            }
        } finally {
            io.netty.util.ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        ChannelStream st = stream;
        if (Liveness.silent(evt) && hello != null
                && (st != null ? st.awaited(Liveness.SILENCE) : data == null || data.awaited(Liveness.SILENCE))) {
            LOG.warning("closing the connection from " + hello.host() + ": it said nothing for "
                    + Liveness.SILENCE.toSeconds() + " s");
            ctx.close();
            return;
        }
        if (Liveness.keepaliveDue(evt) && hello != null) {
            if (answering.get() == 0 && System.nanoTime() - lastUsed > IDLE_CLOSE.toNanos()) {
                LOG.info("closing the connection from " + hello.host() + ": unused for " + IDLE_CLOSE.toMinutes() + " min");
                ctx.close();
            } else {
                ctx.writeAndFlush(new Envelope(sent.incrementAndGet(), 0, new org.zos.protocol.message.Keepalive()));
            }
            return;
        }
        if (evt instanceof SslHandshakeCompletionEvent done && !done.isSuccess()) {
            String why = PinningTrustManager.reason(done.cause()).map(ZosException::getMessage)
                    .orElse(done.cause().getMessage() != null ? done.cause().getMessage()
                            : "the TLS handshake ended: " + done.cause().getClass().getSimpleName());
            LOG.warning("refused " + ctx.channel().remoteAddress() + ": " + LogText.of(why));
        }
        super.userEventTriggered(ctx, evt);
    }

    /** Reads on request only: the next read is asked for here, unless the data sink is behind. */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (stream != null ? stream.mayRead() : data == null || data.mayRead()) {
            ctx.read();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        ChannelStream s = stream;
        if (s != null) {
            s.writable();
        }
        super.channelWritabilityChanged(ctx);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        ctx.read();
    }

    private void channelRead0(ChannelHandlerContext ctx, Envelope e) {
        KnownHosts.Entry peer = trust.peer().orElseThrow();
        if (hello == null) {
            if (!(e.body() instanceof Hello h)) {
                throw new ZosException(ErrorCode.PROTOCOL_ERROR, "the peer's first message was not hello", "");
            }
            try {
                h.check();
            } catch (ZosException bad) {
                throw new ZosException(ErrorCode.PROTOCOL_ERROR, "the peer's hello is malformed: " + bad.getMessage(), "");
            }
            trust.admit(h);
            hello = h;
            Liveness.greeted(ctx.channel());
            LOG.info("connection from " + peer.name() + " (user '" + h.user() + "', " + h.software() + ")");
            reply(ctx, e, me);
            return;
        }
        if (e.body() instanceof org.zos.protocol.message.Keepalive) {
            return;
        }
        lastUsed = System.nanoTime();
        if (stream != null) {
            throw new ZosException(ErrorCode.PROTOCOL_ERROR, "a request on a connection that carries a stream", "");
        }
        answering.incrementAndGet();
        Responder.Caller caller = new Responder.Caller(peer, hello, trust.peerIsSelf());
        if (e.body().opensStream()) {
            openStream(ctx, e, caller);
            return;
        }
        workers.execute(() -> {
            Message answer;
            try {
                e.body().check();
                answer = responder.answer(caller, e.body(), p -> {
                    if (ctx.channel().isActive()) {
                        reply(ctx, e, p);
                    }
                });
            } catch (ZosException z) {
                answer = Failure.of(z);
            } catch (Exception x) {
                LOG.log(java.util.logging.Level.WARNING, "request " + e.body().getClass().getSimpleName() + " from "
                        + peer.name() + " failed", x);
                answer = new Failure(ErrorCode.INTERNAL.wireValue(), "the agent failed: " + x, "see the agent's log");
            }
            reply(ctx, e, answer);
            lastUsed = System.nanoTime();
            answering.decrementAndGet();
        });
    }

    /** A request that opens a stream: from its answer on, data frames go to and come from the stream. */
    private void openStream(ChannelHandlerContext ctx, Envelope e, Responder.Caller caller) {
        ChannelStream s = new ChannelStream(ctx.channel(), ctx::read);
        stream = s; // frames after the request are the stream's: a client sends none before the answer
        workers.execute(() -> {
            Message answer;
            Runnable start = null;
            try {
                e.body().check();
                Responder.Opened opened = responder.openStream(caller, e.body(), s);
                answer = opened.answer();
                start = opened.start();
            } catch (ZosException z) {
                answer = Failure.of(z);
            } catch (Exception x) {
                LOG.log(java.util.logging.Level.WARNING, "opening a stream for " + caller.host().name() + " failed", x);
                answer = new Failure(ErrorCode.INTERNAL.wireValue(), "the agent failed: " + x, "see the agent's log");
            }
            if (start == null) {
                stream = null; // refused: the connection stays an ordinary one
                answering.decrementAndGet();
            } // else: a connection carrying a stream is in use for its whole life, never idle-closed
            Runnable go = start;
            ctx.writeAndFlush(new Envelope(sent.incrementAndGet(), e.id(), answer)).addListener(f -> {
                if (go != null && f.isSuccess()) {
                    go.run();
                }
            });
        });
    }

    private void reply(ChannelHandlerContext ctx, Envelope to, Message m) {
        ctx.writeAndFlush(new Envelope(sent.incrementAndGet(), to.id(), m));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!ctx.channel().isActive()) {
            return;
        }
        ZosException z = PinningTrustManager.reason(cause).orElse(null);
        if (z != null && trust.peer().isPresent()) {
            LOG.warning("closing the connection from " + trust.peer().get().name() + ": " + LogText.of(z.getMessage()));
            ctx.writeAndFlush(new Envelope(sent.incrementAndGet(), 0, Failure.of(z))).addListener(ChannelFutureListener.CLOSE);
        } else {
            LOG.fine("closing " + ctx.channel().remoteAddress() + ": " + LogText.of(cause));
            ctx.close();
        }
    }
}
