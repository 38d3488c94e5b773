package org.zos.agent.daemon;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Logger;
import org.zos.agent.access.AccessList;
import org.zos.agent.access.Control;
import org.zos.agent.anima.AnimaManager;
import org.zos.agent.anima.AnimaRecord;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.protocol.message.Message;
import org.zos.protocol.message.StatusQuery;
import org.zos.protocol.message.StatusReport;
import org.zos.protocol.message.ViewOpen;
import org.zos.protocol.message.ViewReady;
import org.zos.protocol.net.ChannelStream;
import org.zos.protocol.net.Peer;
import org.zos.protocol.net.Responder;
import org.zos.protocol.rfb.RfbClientFilter;
import org.zos.protocol.rfb.RfbResumingProxy;
import org.zos.protocol.stream.Duplex;
import org.zos.protocol.stream.StreamPipe;
import org.zos.protocol.tls.HostIdentity;
import org.zos.protocol.tls.KnownHosts;

/**
 * Views of animas' screens and application windows.
 *
 * <p>On the viewer's host: {@link #endpoint} gives a VNC endpoint on loopback for (anima, app, view-only)
 * that stays the same while the anima moves; each viewer that connects gets its own path to wherever the
 * anima runs, found anew for every connection: this host's guest channel, or a {@code view-open} stream
 * over the pinned TLS link to the agent of the host that runs it.
 *
 * <p>On the host that runs the anima: {@link #open} answers {@code view-open}; there the viewer's RFB is
 * filtered ({@link RfbClientFilter}) so that a view-only viewer's, or a partial host's, input never reaches
 * the anima.
 */
final class Views implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Views.class.getName());
    static final Duration CONNECT = Duration.ofSeconds(15);
    /** How long a viewer waits for the anima to run again (a move) before it is let go. */
    static final Duration RESUME = Duration.ofMinutes(3);

    private final HostIdentity me;
    private final KnownHosts known;
    private final AccessList access;
    private final AnimaActions animas;
    private final Map<String, Endpoint> endpoints = new HashMap<>();
    /** Views of animas running here, by "anima/app": whose filter to switch when a host takes control. */
    private final Map<String, List<Open>> open = new HashMap<>();
    /** Who holds control of an "anima/app" here: the host, or absent (every viewer with the right types). */
    private final Map<String, String> holders = new HashMap<>();

    /** One view of an anima running here: the viewer's host, its filter, and whether it may type at all. */
    private record Open(String host, RfbClientFilter filter, boolean mayType) {
    }

    /** Partial dominations: lent windows may be typed into by the host they are lent to. */
    private volatile Lending lending;

    Views(HostIdentity me, KnownHosts known, AccessList access, AnimaActions animas) {
        this.me = me;
        this.known = known;
        this.access = access;
        this.animas = animas;
    }

    void lending(Lending l) {
        this.lending = l;
    }

    /** Closes this host's view endpoints of an anima (a partial domination ended); their viewers leave. */
    synchronized void closeEndpoints(String anima) {
        for (var it = endpoints.values().iterator(); it.hasNext(); ) {
            Endpoint e = it.next();
            if (e.anima.equals(anima)) {
                try {
                    e.server.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
                it.remove();
            }
        }
    }

    /** One loopback endpoint and its viewers. */
    private final class Endpoint implements Runnable {
        final String anima;
        final int app;
        final boolean viewOnly;
        final String user;
        final ServerSocket server;
        int viewers;

        Endpoint(String anima, int app, boolean viewOnly, String user, int port) throws IOException {
            this.anima = anima;
            this.app = app;
            this.viewOnly = viewOnly;
            this.user = user;
            this.server = new ServerSocket();
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        }

        @Override
        public void run() {
            while (!server.isClosed()) {
                Socket viewer;
                try {
                    viewer = server.accept();
                    viewer.setTcpNoDelay(true);
                } catch (IOException e) {
                    return;
                }
                Thread t = new Thread(() -> serve(this, viewer), "zos-view-" + anima + "-" + app);
                t.setDaemon(true);
                t.start();
            }
        }
    }

    /**
     * The loopback port of the endpoint for (anima, app, viewOnly), opened now if there is none; {@code port}
     * 0 lets the system choose. Checks at once that the anima can be found, so a typo fails here.
     */
    synchronized int endpoint(String anima, int app, boolean viewOnly, String user, int port) throws IOException {
        String key = anima + "/" + app + "/" + viewOnly;
        Endpoint e = endpoints.get(key);
        if (e != null && !e.server.isClosed()) {
            return e.server.getLocalPort();
        }
        locate(anima, user); // ANIMA_NOT_FOUND now rather than at the first viewer
        e = new Endpoint(anima, app, viewOnly, user, port);
        endpoints.put(key, e);
        Thread t = new Thread(e, "zos-view-endpoint-" + e.server.getLocalPort());
        t.setDaemon(true);
        t.start();
        LOG.info("view endpoint 127.0.0.1:" + e.server.getLocalPort() + " for " + anima + (app == 0 ? " (screen)" : " app " + app)
                + (viewOnly ? ", view only" : ""));
        return e.server.getLocalPort();
    }

    /**
     * One viewer: a path to the anima wherever it runs, found again whenever the old one ends (the anima
     * moved), for up to {@link #RESUME}; the viewer's own connection stays ({@link RfbResumingProxy}).
     */
    private void serve(Endpoint e, Socket viewer) {
        String name = "zos-view-" + e.anima + "-" + e.app;
        RfbResumingProxy proxy = new RfbResumingProxy(Duplex.of(viewer), () -> upstream(e), RESUME.toMillis(), name);
        try {
            proxy.start(() -> {
                synchronized (this) {
                    e.viewers--;
                }
                LOG.info("viewer of " + e.anima + (e.app == 0 ? " screen" : " app " + e.app) + " left");
            });
        } catch (IOException x) {
            LOG.warning("viewer of " + e.anima + ": " + x.getMessage());
            return;
        }
        synchronized (this) {
            e.viewers++;
        }
        LOG.info("viewer of " + e.anima + (e.app == 0 ? " screen" : " app " + e.app) + " connected");
    }

    /** A new path to the anima's screen or app, wherever it runs now. */
    private Duplex upstream(Endpoint e) throws IOException {
        try {
            Place at = locate(e.anima, e.user);
            if (at.runsOn().equals(me.host())) {
                RfbClientFilter filter = new RfbClientFilter(e.viewOnly);
                Duplex up = local(e.anima, e.app);
                return filter.guard(opened(e.anima, e.app, me.host(), filter, !e.viewOnly, up));
            }
            boolean viewOnly = e.viewOnly || partialHere(e.user, at.home()) && !lentHere(e.anima, e.app);
            Peer peer = dial(at.runsOn(), e.user);
            try {
                return peer.openStream(new ViewOpen(e.anima, e.app, viewOnly), CONNECT).getValue().onClose(peer::close, false);
            } catch (ZosException z) {
                peer.close();
                throw z;
            }
        } catch (ZosException z) {
            throw new IOException(z.getMessage(), z);
        }
    }

    /**
     * Answers {@code view-open} from another host's agent: the anima must run here; the viewer is view-only if
     * it asked, or if this host's access list grants its user and host only partial control.
     */
    Responder.Opened open(Responder.Caller caller, ViewOpen v, ChannelStream stream) throws IOException {
        Optional<AnimaRecord> r = animas.registry().find(v.anima());
        if (r.isEmpty() || r.get().away() != null) {
            throw new ZosException(ErrorCode.ANIMA_NOT_FOUND, "anima '" + v.anima() + "' does not run on " + me.host(),
                    "it may have moved; ask again");
        }
        boolean viewOnly = v.viewOnly();
        if (!caller.local() && !caller.host().name().equals(r.get().home())) {
            AccessList.Decision d = access.decide(caller.user(), caller.host().name(), Control.PARTIAL);
            if (!d.allowed()) {
                throw new ZosException(ErrorCode.DENIED, caller.user() + "@" + caller.host().name() + " may not view animas on "
                        + me.host(), "add a rule for them to " + me.host() + "'s access list (zpasswd)");
            }
            Lending l = lending;
            viewOnly |= d.granted() == Control.PARTIAL && (l == null || !l.lends(v.anima(), caller.host().name(), v.app()));
        }
        RfbClientFilter filter = new RfbClientFilter(viewOnly);
        Duplex up = opened(v.anima(), v.app(), caller.local() ? me.host() : caller.host().name(), filter, !viewOnly,
                local(v.anima(), v.app()));
        LOG.info("view of " + v.anima() + (v.app() == 0 ? " screen" : " app " + v.app()) + " for " + caller.user() + "@"
                + caller.host().name() + (viewOnly ? " (view only)" : ""));
        return new Responder.Opened(new ViewReady(v.anima(), me.host(), viewOnly),
                () -> StreamPipe.both(stream, up, filter::feed, "zos-view-for-" + caller.host().name(), why -> { }));
    }

    /**
     * Registers a view of an anima running here, so that control can be switched ({@link #control}); the
     * view leaves the register when its path closes.
     */
    private Duplex opened(String anima, int app, String host, RfbClientFilter filter, boolean mayType, Duplex up) {
        String key = anima + "/" + app;
        Open o = new Open(host, filter, mayType);
        synchronized (this) {
            open.computeIfAbsent(key, k -> new ArrayList<>()).add(o);
            String holder = holders.get(key);
            filter.viewOnly(!mayType || (holder != null && !holder.equals(host)));
        }
        return up.onClose(() -> {
            synchronized (Views.this) {
                List<Open> l = open.get(key);
                if (l != null) {
                    l.remove(o);
                }
            }
        }, true);
    }

    /**
     * ctrlgui: {@code host} takes the keyboard and pointer of the anima's app (every other host's viewers
     * become view-only), gives it back (everyone with the right types again), or asks who has it. The
     * anima runs here. Every viewer of the app is shown the change. Returns the holder ("" for none).
     */
    String control(String anima, int app, String host, String verb, boolean mayType) throws IOException {
        String key = anima + "/" + app;
        Optional<AnimaRecord> r = animas.registry().find(anima);
        if (r.isEmpty() || r.get().away() != null) {
            throw new ZosException(ErrorCode.ANIMA_NOT_FOUND, "anima '" + anima + "' does not run on " + me.host(),
                    "it may have moved; ask again");
        }
        String holder;
        synchronized (this) {
            if (verb.equals("take")) {
                if (!mayType) {
                    throw new ZosException(ErrorCode.DENIED, host + " may only watch anima '" + anima + "'",
                            "its access to " + me.host() + " is partial");
                }
                holders.put(key, host);
            } else if (verb.equals("give")) {
                holders.remove(key, host);
            }
            holder = holders.getOrDefault(key, "");
            for (Open o : open.getOrDefault(key, List.of())) {
                o.filter().viewOnly(!o.mayType() || (!holder.isEmpty() && !holder.equals(o.host())));
            }
        }
        if (!verb.equals("show") && app > 0) {
            String text = holder.isEmpty() ? host + " gave back control: every viewer may type" : host + " took control";
            try {
                AppActions.link(animas.manager(), anima).request(JsonNodeFactory.instance.objectNode().put("op", "app-notice")
                        .put("app", app).put("text", text), CONNECT);
            } catch (IOException | ZosException e) {
                LOG.fine("could not show the viewers of " + anima + " that " + text + ": " + e.getMessage());
            }
        }
        LOG.info("control of " + anima + (app == 0 ? " screen" : " app " + app) + ": " + (holder.isEmpty() ? "shared" : holder));
        return holder;
    }

    /** ctrlgui from the viewer's host: asks the host where the anima runs (which may be this one). */
    String control(String anima, int app, String verb, String user) throws IOException {
        Place at = locate(anima, user);
        boolean mayType = !partialHere(user, at.home()) || lentHere(anima, app);
        if (at.runsOn().equals(me.host())) {
            return control(anima, app, me.host(), verb, mayType);
        }
        if (!mayType && verb.equals("take")) {
            throw new ZosException(ErrorCode.DENIED, "this host lets " + at.home() + " dominate it only partially",
                    "its viewers may only watch");
        }
        try (Peer peer = dial(at.runsOn(), user)) {
            Message m = peer.request(new org.zos.protocol.message.ControlRequest(anima, app, verb), CONNECT);
            return m instanceof org.zos.protocol.message.ActionDone d ? d.note() : "";
        }
    }

    /** A path to the screen (app 0: QEMU's own VNC display) or an app of an anima running on this host. */
    private Duplex local(String anima, int app) throws IOException {
        AnimaManager m = animas.manager();
        if (app == 0) {
            String vnc = m.status(anima).vnc();
            if (vnc == null) {
                throw new ZosException(ErrorCode.INVALID_STATE, "anima '" + anima + "' does not run", "start or resume it first");
            }
            Socket s = new Socket(InetAddress.getLoopbackAddress(), Integer.parseInt(vnc.substring(vnc.lastIndexOf(':') + 1)));
            s.setTcpNoDelay(true);
            return Duplex.of(s);
        }
        return AppActions.link(m, anima).open(JsonNodeFactory.instance.objectNode().put("target", "app").put("app", app), CONNECT);
    }

    /** Where an anima runs, and its home (its master). */
    private record Place(String runsOn, String home) {
    }

    /** Where the anima runs: this host, the host it went to from here, or the one another host names. */
    private Place locate(String anima, String user) {
        Optional<AnimaRecord> r = animas.registry().find(anima);
        if (r.isPresent()) {
            String home = r.get().home() != null ? r.get().home() : me.host();
            return new Place(r.get().away() != null ? r.get().away() : me.host(), home);
        }
        for (KnownHosts.Entry h : known.entries()) {
            if (h.name().equals(me.host())) {
                continue;
            }
            try (Peer p = Peer.connect(me, known, h.hostPart(), h.port(), user, ZosAgent.SOFTWARE, AgentResponder.FORWARD_TIMEOUT)) {
                if (p.request(new StatusQuery(anima, 0, List.of()), AgentResponder.FORWARD_TIMEOUT) instanceof StatusReport s) {
                    for (StatusReport.Anima a : s.animas()) {
                        if (a.name().equals(anima)) {
                            return new Place(a.location(), a.home());
                        }
                    }
                }
            } catch (ZosException e) {
                LOG.fine("asking " + h.name() + " where " + anima + " runs: " + e.getMessage());
            }
        }
        throw new ZosException(ErrorCode.ANIMA_NOT_FOUND, "no anima '" + anima + "' on " + me.host() + " nor on the hosts it knows",
                "list the animas with 'zos-vm status'");
    }

    /** Whether this host lets the anima's master only partially dominate it: then its viewers may not type. */
    private boolean partialHere(String user, String home) {
        return !home.equals(me.host()) && access.decide(user, home, Control.PARTIAL).granted() == Control.PARTIAL;
    }

    private boolean lentHere(String anima, int app) {
        Lending l = lending;
        return l != null && l.lentHere(anima, app);
    }

    /** True if {@code host} holds a partial domination of the anima that lends it {@code app}. */
    boolean lends(String anima, String host, int app) {
        Lending l = lending;
        return l != null && l.lends(anima, host, app);
    }

    private Peer dial(String host, String user) {
        return Dial.to(me, known, host, user, CONNECT);
    }


    @Override
    public synchronized void close() {
        for (Endpoint e : endpoints.values()) {
            try {
                e.server.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        endpoints.clear();
    }
}
