package org.zos.agent.daemon;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;
import org.zos.agent.anima.AnimaRecord;
import org.zos.agent.anima.GuestLink;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.protocol.message.AnimaAction;
import org.zos.protocol.message.FolderEnd;
import org.zos.protocol.message.FolderOpen;
import org.zos.protocol.net.ChannelStream;
import org.zos.protocol.net.Peer;
import org.zos.protocol.tls.HostIdentity;
import org.zos.protocol.tls.KnownHosts;
import org.zos.store.Durable;
import org.zos.store.folder.Reconciler;
import org.zos.store.folder.Replica;
import org.zos.store.folder.ReplicaWire;

/**
 * Keeps the shared folders of the animas running on this host in step (docs/folders.md). The list of
 * shares lives in the anima and moves with it: the agent of whichever host runs the anima reads it
 * ({@code folder-list}, every few seconds) and runs one {@link Syncer} per share, a reconciler between the
 * guest's replica (a folder stream on the guest channel) and the host's copy (this host's
 * {@link FolderHost}, or another host's over a {@code folder-open} stream on the pinned TLS link). A
 * move stops the guest channel, so the syncers here end; the host that runs the anima next starts them
 * again, against the same agreed state, so nothing is sent twice or lost.
 *
 * <p>Ending a share overwrites and removes the host's copy; if that host cannot be reached, the end is
 * written down ({@code STATE/folders-to-scrub.json}) and tried again every 30 s until it is done.
 */
final class FolderSync implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(FolderSync.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    static final Duration GUEST = Duration.ofSeconds(15);
    /** Between two rounds of a share: a small change shows on the other side within about two of these. */
    static final long ROUND_MS = 600;
    static final long LIST_MS = 5000;

    private final HostIdentity me;
    private final KnownHosts known;
    private final AnimaActions animas;
    private final FolderHost host;
    private final Path pendingEnds;
    private final Map<String, Syncer> syncers = new ConcurrentHashMap<>();
    /** When each anima's share list was last read, and animas whose guest has no folders (until it boots again). */
    private final Map<String, Long> listed = new HashMap<>();
    private final Map<String, Long> noFolders = new HashMap<>();
    private final Thread ticker;
    private volatile boolean closed;
    private long lastPendingTry;

    FolderSync(HostIdentity me, KnownHosts known, AnimaActions animas, FolderHost host) {
        this.me = me;
        this.known = known;
        this.animas = animas;
        this.host = host;
        this.pendingEnds = animas.registry().stateRoot().resolve("folders-to-scrub.json");
        this.ticker = new Thread(this::tickForever, "zos-folders");
        ticker.setDaemon(true);
    }

    void start() {
        ticker.start();
    }

    FolderHost host() {
        return host;
    }

    private void tickForever() {
        while (!closed) {
            try {
                tick();
            } catch (RuntimeException e) {
                LOG.warning("folder sync: " + e);
            }
            sleep(1000);
        }
    }

    /** Starts and stops syncers to match the shares of the animas running here; retries pending ends. */
    private synchronized void tick() {
        long now = System.currentTimeMillis();
        Set<String> here = new java.util.HashSet<>();
        for (String name : animas.registry().names()) {
            AnimaRecord r = animas.registry().find(name).orElse(null);
            if (r == null || r.away() != null || animas.moves().moving(name) != null) {
                continue; // not here, or a move of it is under way: the sync waits until it runs somewhere
            }
            here.add(name);
            if (listed.getOrDefault(name, 0L) + LIST_MS > now || noFolders.getOrDefault(name, 0L) > now) {
                continue;
            }
            listed.put(name, now);
            try {
                refresh(name);
            } catch (IOException | ZosException e) {
                LOG.fine("shares of " + name + ": " + e.getMessage());
                if (!(e instanceof ZosException z && z.code() == ErrorCode.BAD_PARAMETER)) {
                    noFolders.put(name, now + 3000); // not running, or still booting: look again soon
                }
            }
        }
        for (Syncer s : new ArrayList<>(syncers.values())) {
            if (!here.contains(s.anima)) {
                s.stop("anima '" + s.anima + "' no longer runs here");
            }
        }
        if (now - lastPendingTry > 30_000) {
            lastPendingTry = now;
            retryEnds();
        }
    }

    /** Reads an anima's shares from its guest and runs a syncer for each. */
    private void refresh(String name) throws IOException {
        GuestLink link = link(name);
        JsonNode shares = guest(link, name, JSON.createObjectNode().put("op", "folder-list")).path("shares");
        Set<String> keys = new java.util.HashSet<>();
        for (JsonNode s : shares) {
            String key = name + "/" + s.path("name").asText();
            keys.add(key);
            syncers.computeIfAbsent(key, k -> new Syncer(name, (ObjectNode) s)).startIfIdle();
        }
        for (Syncer s : new ArrayList<>(syncers.values())) {
            if (s.anima.equals(name) && !keys.contains(s.key())) {
                s.stop("share ended");
            }
        }
    }

    /** The guest channel of a running anima whose guest shares folders. */
    private GuestLink link(String name) throws IOException {
        GuestLink link;
        if (animas.hypervisorState(name) != org.zos.agent.hypervisor.DomainState.RUNNING) {
            throw new ZosException(ErrorCode.INVALID_STATE, "anima '" + name + "' does not run", "");
        }
        try {
            link = animas.manager().guest(name, Duration.ofSeconds(10));
        } catch (IOException e) {
            throw new ZosException(ErrorCode.INVALID_STATE, "the guest agent of anima '" + name + "' does not answer: " + e.getMessage(),
                    "a desktop anima needs about a minute after 'zos-vm start' before its agent runs");
        }
        for (JsonNode f : link.hello().path("features")) {
            if (f.asText().equals("folders")) {
                return link;
            }
        }
        noFolders.put(name, System.currentTimeMillis() + 60_000);
        throw new ZosException(ErrorCode.BAD_PARAMETER, "anima '" + name + "' runs the " + link.hello().path("guest").asText("?")
                + " guest, which has no shared folders", "create an anima with 'zos-vm init --guest desktop'");
    }

    private static JsonNode guest(GuestLink link, String name, ObjectNode request) throws IOException {
        JsonNode answer = link.request(request, GUEST);
        if (!answer.path("ok").asBoolean(false)) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "anima '" + name + "' refused " + request.path("op").asText() + ": "
                    + answer.path("error").asText("no reason given"), "");
        }
        return answer;
    }

    // ---- actions -------------------------------------------------------------------------------------

    /**
     * {@code folder-share}: options share, path, host, host-path, read-only, from-host, lent. The share is
     * made in the guest, then its first round runs; if the host refuses it (access, path, space), the share
     * is taken back and that is the error.
     */
    String share(AnimaAction a, String user) throws IOException {
        String name = a.anima();
        String to = a.option("host", "");
        Dial.requireKnown(me, known, to);
        requireHere(name);
        GuestLink link = link(name);
        ObjectNode q = JSON.createObjectNode().put("op", "folder-share").put("name", a.option("share", ""))
                .put("path", a.option("path", "")).put("host", to)
                .put("readOnly", Boolean.parseBoolean(a.option("read-only", "false")))
                .put("fromHost", Boolean.parseBoolean(a.option("from-host", "false")))
                .put("lent", Boolean.parseBoolean(a.option("lent", "false")));
        if (a.option("host-path", null) != null) {
            q.put("hostPath", a.option("host-path", null));
        }
        ObjectNode s = (ObjectNode) guest(link, name, q).path("share");
        Syncer syncer;
        synchronized (this) {
            syncer = syncers.computeIfAbsent(name + "/" + s.path("name").asText(), k -> new Syncer(name, s));
            syncer.user = user;
            syncer.startIfIdle();
        }
        ZosException first = syncer.awaitFirstRound(Duration.ofSeconds(60));
        if (first != null && first.code() != ErrorCode.NO_SPACE && first.code() != ErrorCode.HOST_UNREACHABLE) {
            ZosException z = first;
            syncer.stop("refused");
            guest(link, name, JSON.createObjectNode().put("op", "folder-stop").put("share", s.path("name").asText()));
            try {
                endOn(to, name, s.path("name").asText(), user);
            } catch (ZosException ignored) {
                // the host refused the share: it holds no copy to remove
            }
            throw z;
        }
        s.put("state", syncer.state());
        return JSON.writeValueAsString(s);
    }

    /** {@code folder-list}: the anima's shares, each with how its sync stands. */
    String list(String name) throws IOException {
        requireHere(name);
        JsonNode shares = guest(link(name), name, JSON.createObjectNode().put("op", "folder-list")).path("shares");
        for (JsonNode s : shares) {
            Syncer syncer = syncers.get(name + "/" + s.path("name").asText());
            ((ObjectNode) s).put("state", syncer == null ? "starting" : syncer.state());
        }
        return JSON.writeValueAsString(shares);
    }

    /** {@code folder-stop}: ends the share in the guest, then has its host overwrite and remove its copy. */
    String stop(String name, String share, String user) throws IOException {
        requireHere(name);
        JsonNode s = guest(link(name), name, JSON.createObjectNode().put("op", "folder-stop").put("share", share)).path("share");
        Syncer syncer = syncers.get(name + "/" + share);
        if (syncer != null) {
            syncer.stop("share ended");
        }
        String done = endOn(s.path("host").asText(), name, share, user);
        return JSON.writeValueAsString(((ObjectNode) s).put("ended", done));
    }

    /** The shares of an anima as status shows them, or null if none (or it does not run here). */
    String describe(String name) {
        List<String> out = new ArrayList<>();
        for (Syncer s : syncers.values()) {
            if (s.anima.equals(name)) {
                out.add(s.share + " with " + s.host + (s.readOnly ? " (read-only)" : "") + ": " + s.state());
            }
        }
        return out.isEmpty() ? null : String.join("; ", out);
    }

    private void requireHere(String name) {
        AnimaRecord r = animas.registry().find(name).orElseThrow(() -> new ZosException(ErrorCode.ANIMA_NOT_FOUND,
                "no anima '" + name + "' on " + me.host(), "list the animas with 'zos-vm status'"));
        if (r.away() != null) {
            throw new ZosException(ErrorCode.INVALID_STATE, "anima '" + name + "' runs on " + r.away() + " now",
                    "run the command there: zos-vm cluster exec " + r.away() + " zos-vm folder …, or return it first");
        }
    }

    /** Has the share's host remove its copy; written down to try again if it cannot be reached now. */
    private String endOn(String to, String anima, String share, String user) throws IOException {
        try {
            if (to.equals(me.host())) {
                return host.end(anima, share);
            }
            try (Peer p = Dial.to(me, known, to, user, GUEST)) {
                return p.request(new FolderEnd(anima, share), GUEST) instanceof org.zos.protocol.message.ActionDone d ? d.note() : "";
            }
        } catch (ZosException e) {
            if (e.code() != ErrorCode.HOST_UNREACHABLE) {
                throw e;
            }
            synchronized (this) {
                List<Map<String, String>> pending = pending();
                pending.add(Map.of("host", to, "anima", anima, "share", share, "user", user));
                savePending(pending);
            }
            LOG.warning("cannot reach " + to + " to remove its copy of " + share + " (" + e.getMessage() + "); trying again every 30 s");
            return to + " cannot be reached now: its copy is removed as soon as it can be";
        }
    }

    private void retryEnds() {
        try {
            List<Map<String, String>> pending = pending();
            if (pending.isEmpty()) {
                return;
            }
            List<Map<String, String>> left = new ArrayList<>();
            for (Map<String, String> p : pending) {
                try (Peer peer = Dial.to(me, known, p.get("host"), p.get("user"), GUEST)) {
                    peer.request(new FolderEnd(p.get("anima"), p.get("share")), GUEST);
                    LOG.info("copy of " + p.get("share") + " on " + p.get("host") + " removed at last");
                } catch (ZosException e) {
                    left.add(p);
                }
            }
            savePending(left);
        } catch (IOException e) {
            LOG.warning("pending folder ends: " + e.getMessage());
        }
    }

    private List<Map<String, String>> pending() throws IOException {
        if (!Files.exists(pendingEnds)) {
            return new ArrayList<>();
        }
        return new ArrayList<>(JSON.readValue(pendingEnds.toFile(), new TypeReference<List<Map<String, String>>>() { }));
    }

    private void savePending(List<Map<String, String>> pending) throws IOException {
        Durable.write(pendingEnds.resolveSibling(pendingEnds.getFileName() + ".tmp"), pendingEnds, JSON.writeValueAsBytes(pending));
    }

    // ---- one share -----------------------------------------------------------------------------------

    /** One share kept in step: its own thread, rounds every {@link #ROUND_MS}, reconnecting after failures. */
    private final class Syncer implements Runnable {
        final String anima;
        final String share;
        final String host;
        final String hostPath;
        final boolean readOnly;
        final boolean fromHost;
        volatile String user = "root";
        private Thread thread;
        private volatile boolean stopped;
        private volatile String state = "starting";
        private volatile ZosException firstFailure;
        private volatile boolean firstDone;
        private long lastChange;

        Syncer(String anima, ObjectNode s) {
            this.anima = anima;
            this.share = s.path("name").asText();
            this.host = s.path("host").asText();
            this.hostPath = s.hasNonNull("hostPath") ? s.path("hostPath").asText() : null;
            this.readOnly = s.path("readOnly").asBoolean(false);
            this.fromHost = s.path("fromHost").asBoolean(false);
        }

        String key() {
            return anima + "/" + share;
        }

        synchronized void startIfIdle() {
            if (thread == null || !thread.isAlive()) {
                stopped = false;
                thread = new Thread(this, "zos-folder-sync-" + key());
                thread.setDaemon(true);
                thread.start();
            }
        }

        void stop(String why) {
            stopped = true;
            syncers.remove(key(), this);
            Thread t = thread;
            if (t != null) {
                t.interrupt();
            }
            LOG.info("sync of " + key() + " stopped: " + why);
        }

        String state() {
            return state;
        }

        /** Waits for the first round's end: null if it went well, else its error. */
        ZosException awaitFirstRound(Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!firstDone && System.nanoTime() < deadline) {
                FolderSync.sleep(100);
            }
            return firstFailure;
        }

        @Override
        public void run() {
            long backoff = 1000;
            while (!stopped && !closed) {
                try (Pair pair = connect()) {
                    Reconciler.Direction d = !readOnly ? Reconciler.Direction.BOTH
                            : fromHost ? Reconciler.Direction.B_TO_A : Reconciler.Direction.A_TO_B;
                    Reconciler r = new Reconciler(pair.guest, pair.host, d, Clock.systemDefaultZone());
                    while (!stopped && !closed) {
                        Reconciler.Report rep = r.round();
                        if (!rep.idle()) {
                            lastChange = System.currentTimeMillis();
                            LOG.info("folder " + key() + " with " + host + ": " + rep.written() + " written, " + rep.deleted()
                                    + " deleted, " + rep.conflicts() + " conflicts, " + rep.bytes() + " block bytes"
                                    + (rep.problems().isEmpty() ? "" : "; left: " + rep.problems()));
                        }
                        state = rep.problems().isEmpty() ? "in step" : "in step but " + rep.problems().size() + " left: " + rep.problems().get(0);
                        firstDone = true;
                        backoff = 1000;
                        FolderSync.sleep(ROUND_MS);
                    }
                } catch (ZosException e) {
                    failed(e, e.userLine());
                } catch (IOException | RuntimeException e) {
                    failed(null, String.valueOf(e.getMessage()));
                }
                FolderSync.sleep(backoff);
                backoff = Math.min(backoff * 2, 15_000);
            }
        }

        /** A round or a connection failed: a refusal (a ZosException) ends the first round with it. */
        private void failed(ZosException e, String why) {
            if (!stopped) {
                state = "paused: " + why;
                LOG.info("folder " + key() + " with " + host + ": " + why);
            }
            if (!firstDone) {
                firstFailure = e;
                firstDone = true;
            }
        }

        /** The guest's replica and the host's copy, connected now. */
        private Pair connect() throws IOException {
            GuestLink link = link(anima);
            ReplicaWire.Client guest = new ReplicaWire.Client(link.open(JSON.createObjectNode().put("target", "folder")
                    .put("share", share), GUEST));
            try {
                if (host.equals(me.host())) {
                    return new Pair(guest, FolderSync.this.host.replica(anima, share, hostPath, fromHost), null);
                }
                Peer peer = Dial.to(me, known, host, user, GUEST);
                try {
                    ChannelStream s = peer.openStream(new FolderOpen(anima, share, hostPath, readOnly, fromHost), GUEST).getValue();
                    return new Pair(guest, new ReplicaWire.Client(s), peer);
                } catch (RuntimeException | IOException e) {
                    peer.close();
                    throw e;
                }
            } catch (RuntimeException | IOException e) {
                guest.close();
                throw e;
            }
        }
    }

    /** The two ends of one share's sync. */
    private record Pair(ReplicaWire.Client guest, Replica host, Peer peer) implements AutoCloseable {
        @Override
        public void close() {
            guest.close();
            if (peer != null) {
                try {
                    host.close();
                } catch (IOException ignored) {
                    // the connection goes anyway
                }
                peer.close();
            }
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closed = true;
        ticker.interrupt();
        for (Syncer s : new ArrayList<>(syncers.values())) {
            s.stop("the agent stops");
        }
    }
}
