package org.zos.agent.daemon;

import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.logging.Logger;
import org.zos.agent.access.AccessList;
import org.zos.agent.access.Control;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.protocol.message.AccessGrant;
import org.zos.protocol.message.AccessQuery;
import org.zos.protocol.message.AnimaAction;
import org.zos.protocol.message.MoveOffer;
import org.zos.protocol.message.Progress;
import org.zos.protocol.message.Message;
import org.zos.protocol.message.Ping;
import org.zos.protocol.message.Pong;
import org.zos.protocol.message.StatusQuery;
import org.zos.protocol.message.StatusReport;
import org.zos.protocol.net.Peer;
import org.zos.protocol.net.Responder;
import org.zos.protocol.tls.HostIdentity;
import org.zos.protocol.tls.KnownHosts;

/**
 * The agent's answers. Requests from other hosts are checked against the access list; requests from
 * this host's own zos processes (which hold its identity) are not, and only they may act on animas
 * directly (init, start, suspend, …). A status query for an anima this
 * host does not hold is forwarded to the enrolled hosts, so it can be asked of any of them.
 */
final class AgentResponder implements Responder {
    private static final Logger LOG = Logger.getLogger(AgentResponder.class.getName());
    static final Duration FORWARD_TIMEOUT = Duration.ofSeconds(5);

    private final HostIdentity me;
    private final KnownHosts known;
    private final AccessList access;
    private final AnimaActions animas;
    private final Views views;

    private final org.zos.agent.console.ConsoleServer console;
    private final FolderHost folders;
    private final Lending lending;

    AgentResponder(HostIdentity me, KnownHosts known, AccessList access, AnimaActions animas, Views views,
            org.zos.agent.console.ConsoleServer console, FolderHost folders, Lending lending) {
        this.folders = folders;
        this.lending = lending;
        this.me = me;
        this.known = known;
        this.access = access;
        this.animas = animas;
        this.views = views;
        this.console = console;
    }

    @Override
    public Opened openStream(Caller caller, Message request, org.zos.protocol.net.ChannelStream stream) throws Exception {
        if (request instanceof org.zos.protocol.message.ViewOpen v) {
            return views.open(caller, v, stream);
        }
        if (request instanceof org.zos.protocol.message.FolderOpen f) {
            return folders.open(caller, f, stream);
        }
        if (request instanceof org.zos.protocol.message.LiveOpen l) {
            return animas.moves().openLive(caller, l, stream);
        }
        return Responder.super.openStream(caller, request, stream);
    }

    @Override
    public Message answer(Caller caller, Message request, Consumer<Progress> progress) throws Exception {
        if (request instanceof Ping p) {
            return new Pong(p.nanos());
        }
        if (request instanceof AccessQuery q) {
            Control wanted = Control.parse(q.control());
            require(caller, wanted);
            return new AccessGrant(wanted.toString());
        }
        if (request instanceof AnimaAction a) {
            if (!caller.local()) {
                throw new ZosException(ErrorCode.DENIED, caller.host().name() + " may not act on this host's animas directly",
                        "run the command on " + me.host() + " itself");
            }
            if (a.action().equals("console-login")) {
                if (console == null) {
                    throw new ZosException(ErrorCode.INVALID_STATE, "the agent of " + me.host() + " runs without its web console",
                            "start it without --no-console");
                }
                return new org.zos.protocol.message.ActionDone("console-login", null,
                        console.loginLink(caller.user(), a.option("address", "127.0.0.1")) + " " + console.identity().browserFingerprint());
            }
            if (a.action().equals("control")) {
                return new org.zos.protocol.message.ActionDone("control", null, views.control(a.anima(),
                        AnimaActions.intOption(a, "app", 0), a.option("verb", "show"), caller.user()));
            }
            if (a.action().equals("view")) {
                int port = views.endpoint(a.anima(), AnimaActions.intOption(a, "app", 0),
                        Boolean.parseBoolean(a.option("view-only", "false")), caller.user(), AnimaActions.intOption(a, "port", 0));
                return new org.zos.protocol.message.ActionDone("view", null, "127.0.0.1:" + port);
            }
            return animas.run(a, caller.user(), progress);
        }
        if (request instanceof MoveOffer o && !o.purpose().equals(MoveOffer.HOME)) { // a visit, or a stage ahead of one
            require(caller, Control.FULL);
        }
        if (org.zos.agent.move.Moves.takes(request)) {
            return animas.moves().answer(caller, request, progress);
        }
        if (request instanceof org.zos.protocol.message.ControlRequest c) {
            boolean mayType = caller.local() || access.decide(caller.user(), caller.host().name(), Control.PARTIAL).granted() == Control.FULL
                    || views.lends(c.anima(), caller.host().name(), c.app())
                    || animas.registry().find(c.anima()).map(r -> caller.host().name().equals(r.home())).orElse(false);
            return new org.zos.protocol.message.ActionDone("control", null,
                    views.control(c.anima(), c.app(), caller.host().name(), c.verb(), mayType));
        }
        if (request instanceof org.zos.protocol.message.FolderEnd f) {
            require(caller, Control.PARTIAL);
            return new org.zos.protocol.message.ActionDone("folder-end", null, folders.end(f.anima(), f.share()));
        }
        if (request instanceof org.zos.protocol.message.LendOffer o) {
            return lending.offer(caller, o);
        }
        if (request instanceof org.zos.protocol.message.LendEnd e) {
            return lending.endHere(caller, e);
        }
        if (request instanceof StatusQuery q) {
            require(caller, Control.PARTIAL);
            return status(caller, q);
        }
        throw new ZosException(ErrorCode.BAD_PARAMETER, "this agent does not handle " + request.getClass().getSimpleName(),
                "upgrade zos on this host");
    }

    private void require(Caller caller, Control wanted) {
        if (!caller.local()) {
            access.require(caller.user(), caller.host().name(), wanted);
        }
    }

    private StatusReport status(Caller caller, StatusQuery q) {
        boolean all = q.anima() == null || q.anima().isEmpty();
        List<StatusReport.Anima> out = animas.status(all ? null : q.anima());
        if (!out.isEmpty() || all) {
            return new StatusReport(out);
        }
        boolean forward = q.hops() > 0 && !q.via().contains(me.host());
        if (forward) {
            List<String> via = new java.util.ArrayList<>(q.via());
            via.add(me.host());
            for (KnownHosts.Entry h : known.entries()) {
                if (h.name().equals(caller.host().name()) || h.name().equals(me.host()) || q.via().contains(h.name())) {
                    continue; // never back to a host the query came through: forwarding does not loop
                }
                try (Peer p = Peer.connect(me, known, h.hostPart(), h.port(), caller.user(), ZosAgent.SOFTWARE, FORWARD_TIMEOUT)) {
                    Message m = p.request(new StatusQuery(q.anima(), q.hops() - 1, via), FORWARD_TIMEOUT);
                    if (m instanceof StatusReport r && !r.animas().isEmpty()) {
                        LOG.info("status of " + q.anima() + " for " + caller.host().name() + " answered by " + h.name());
                        return r;
                    }
                } catch (ZosException e) {
                    LOG.fine("asking " + h.name() + " about " + q.anima() + ": " + e.getMessage());
                }
            }
        }
        throw new ZosException(ErrorCode.ANIMA_NOT_FOUND, "no anima '" + q.anima() + "' on " + me.host()
                + (forward ? " nor on the hosts it knows" : ""), "list the animas with 'zos-vm status'");
    }
}
