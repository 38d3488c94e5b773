package org.zos.agent.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.logging.Logger;
import org.zos.agent.console.ConsoleBackend;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.protocol.message.AccessGrant;
import org.zos.protocol.message.AccessQuery;
import org.zos.protocol.message.AnimaAction;
import org.zos.protocol.message.StatusReport;
import org.zos.protocol.net.Peer;
import org.zos.protocol.tls.HostIdentity;
import org.zos.protocol.tls.KnownHosts;
import org.zos.protocol.zap.ZapSearch;

/**
 * What this agent's web console shows and does: the same {@link AnimaActions} and {@link Views} the CLI's
 * requests reach, so an action from the page runs exactly as its command does, with its errors.
 * Hosts are asked in parallel whether they are up and what the user may do there (an
 * {@link AccessQuery} for full, then partial control), and the LAN is searched with ZAP.
 */
final class AgentConsole implements ConsoleBackend {
    private static final Logger LOG = Logger.getLogger(AgentConsole.class.getName());
    static final Duration ASK = Duration.ofSeconds(3);
    static final int ZAP_WAIT_MS = 700;

    private final HostIdentity me;
    private final KnownHosts known;
    private final AgentConfig config;
    private final AnimaActions animas;
    private final Views views;
    private final Map<String, Apps> apps = new java.util.concurrent.ConcurrentHashMap<>();
    static final Duration APPS_EVERY = Duration.ofSeconds(5);
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    AgentConsole(HostIdentity me, KnownHosts known, AgentConfig config, AnimaActions animas, Views views) {
        this.me = me;
        this.known = known;
        this.config = config;
        this.animas = animas;
        this.views = views;
    }

    @Override
    public String host() {
        return me.host();
    }

    @Override
    public List<Host> hosts(String user) {
        Map<String, CompletableFuture<Host>> asked = new LinkedHashMap<>();
        for (KnownHosts.Entry e : known.entries()) {
            if (!e.name().equals(me.host())) {
                asked.put(e.name(), CompletableFuture.supplyAsync(() -> probe(e, user)));
            }
        }
        List<ZapSearch.Found> found = List.of();
        try {
            found = ZapSearch.search(user, me.host(), "partial", ZapSearch.broadcastAddresses(), config.zapPort(), ZAP_WAIT_MS);
        } catch (IOException e) {
            LOG.fine("console: ZAP search: " + e);
        }
        List<Host> out = new ArrayList<>();
        out.add(new Host(me.host(), config.bind() + ":" + config.port(), me.fingerprint().text(), true, false, false, true,
                "full", null));
        for (Map.Entry<String, CompletableFuture<Host>> a : asked.entrySet()) {
            Host h = a.getValue().join();
            boolean seen = found.stream().anyMatch(f -> f.answer().host().equals(h.name()));
            out.add(new Host(h.name(), h.address(), h.fingerprint(), false, true, seen, h.up(), h.access(), h.problem()));
        }
        for (ZapSearch.Found f : found) {
            if (!f.answer().host().equals(me.host()) && !asked.containsKey(f.answer().host())) {
                out.add(new Host(f.answer().host(), f.address() + ":" + f.answer().port(), f.answer().fingerprint(), false,
                        false, true, true, null, "not enrolled: 'zos-vm trust " + f.answer().host() + "' after checking its fingerprint"));
            }
        }
        return out;
    }

    /** Whether an enrolled host answers, and the most it lets {@code user} do. */
    private Host probe(KnownHosts.Entry e, String user) {
        String access = "none";
        try (Peer p = Peer.connect(me, known, e.hostPart(), e.port(), user, ZosAgent.SOFTWARE, ASK)) {
            for (String control : List.of("full", "partial")) {
                try {
                    if (p.request(new AccessQuery(control), ASK) instanceof AccessGrant g) {
                        access = g.control();
                        break;
                    }
                } catch (ZosException denied) {
                    if (denied.code() != ErrorCode.DENIED) {
                        throw denied;
                    }
                }
            }
            return new Host(e.name(), e.address(), e.trust(), false, true, false, true, access, null);
        } catch (ZosException x) {
            return new Host(e.name(), e.address(), e.trust(), false, true, false, false, null, x.userLine());
        }
    }

    @Override
    public List<Anima> animas() {
        List<Anima> out = new ArrayList<>();
        for (StatusReport.Anima a : animas.status(null)) {
            out.add(new Anima(a, apps(a)));
        }
        return out;
    }

    /**
     * The anima's shared windows, if it runs here and its guest has them; else null. Asked of the guest at
     * most every {@link #APPS_EVERY}, so a page open on the console does not keep the guest busy.
     */
    private JsonNode apps(StatusReport.Anima a) {
        if (!"running".equals(a.state()) || !me.host().equals(a.location())) {
            apps.remove(a.name());
            return null;
        }
        Apps cached = apps.get(a.name());
        if (cached != null && System.nanoTime() - cached.at < APPS_EVERY.toNanos()) {
            return cached.list;
        }
        JsonNode list = null;
        try {
            list = JSON.readTree(animas.appList(a.name()));
        } catch (RuntimeException | IOException e) {
            LOG.fine("console: apps of " + a.name() + ": " + e.getMessage());
        }
        apps.put(a.name(), new Apps(System.nanoTime(), list));
        return list;
    }

    private record Apps(long at, JsonNode list) {
    }

    @Override
    public String act(String user, String anima, String action, Map<String, String> options) throws Exception {
        return animas.run(new AnimaAction(action, anima, options), user, p -> { }).note();
    }

    @Override
    public int screen(String user, String anima, int app, boolean viewOnly) throws IOException {
        return views.endpoint(anima, app, viewOnly, user, 0);
    }
}
