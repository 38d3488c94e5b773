package org.zos.agent.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Logger;
import org.zos.agent.access.AccessList;
import org.zos.agent.access.Control;
import org.zos.agent.anima.AnimaRecord;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.protocol.message.ActionDone;
import org.zos.protocol.message.AnimaAction;
import org.zos.protocol.message.LendEnd;
import org.zos.protocol.message.LendOffer;
import org.zos.protocol.net.Peer;
import org.zos.protocol.net.Responder;
import org.zos.protocol.tls.HostIdentity;
import org.zos.protocol.tls.KnownHosts;
import org.zos.store.Durable;

/**
 * Partial domination: the anima stays running at home and lends another host views of its windows (which
 * the host's viewers may type into) and copies of its folders; {@code zos-vm return} ends it. The lend is
 * written down on both sides ({@code STATE/lent/ANIMA.json} at home, {@code STATE/lent-here/ANIMA.json} on
 * the host), so it survives agent restarts; its folders are ordinary shares marked lent, so they follow
 * the share rules and their copies are removed when the lend ends.
 */
final class Lending {
    private static final Logger LOG = Logger.getLogger(Lending.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    static final Duration TIMEOUT = Duration.ofSeconds(30);

    /** A lend: to (or from) which host, which apps, which shares, for which user. */
    record Lent(String host, List<Integer> apps, List<String> shares, String user) {
    }

    private final HostIdentity me;
    private final KnownHosts known;
    private final AccessList access;
    private final AnimaActions animas;
    private final FolderSync folders;
    private final Views views;
    private final Path out;
    private final Path in;

    Lending(HostIdentity me, KnownHosts known, AccessList access, AnimaActions animas, FolderSync folders, Views views) {
        this.me = me;
        this.known = known;
        this.access = access;
        this.animas = animas;
        this.folders = folders;
        this.views = views;
        this.out = animas.registry().stateRoot().resolve("lent");
        this.in = animas.registry().stateRoot().resolve("lent-here");
    }

    // ---- at home -------------------------------------------------------------------------------------

    /** {@code dominate --partial}: options host, apps (comma-separated ids; none: all), folders (paths, one per line). */
    String lend(AnimaAction a, String user) throws IOException {
        String name = a.anima();
        String host = a.option("host", "");
        AnimaRecord r = animas.registry().find(name).orElseThrow(() -> new ZosException(ErrorCode.ANIMA_NOT_FOUND,
                "no anima '" + name + "' on " + me.host(), "list the animas with 'zos-vm status'"));
        if (r.away() != null || r.home() != null && !r.home().equals(me.host())) {
            throw new ZosException(ErrorCode.INVALID_STATE, "anima '" + name + "' is not at home here",
                    "a partial domination lends from the anima's home; return it first");
        }
        if (host.equals(me.host())) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "anima '" + name + "' runs on " + host + " already", "name another host");
        }
        Optional<Lent> already = lentTo(name);
        if (already.isPresent()) {
            throw new ZosException(ErrorCode.INVALID_STATE, "anima '" + name + "' is lent to " + already.get().host() + " already",
                    "end it with 'zos-vm return " + name + "' first");
        }
        List<Integer> apps = new ArrayList<>();
        for (String s : a.option("apps", "").split(",")) {
            if (!s.isBlank()) {
                apps.add(AnimaActions.intOption(new AnimaAction("lend", name, Map.of("app", s.strip())), "app", 0));
            }
        }
        if (apps.isEmpty()) {
            for (JsonNode app : JSON.readTree(animas.appList(name))) {
                apps.add(app.path("id").asInt());
            }
        }
        List<String> shares = new ArrayList<>();
        try {
            Set<String> names = new LinkedHashSet<>();
            for (String path : a.option("folders", "").split("\n")) {
                if (path.isBlank()) {
                    continue;
                }
                String base = Path.of(path.strip()).getFileName() == null ? "home" : Path.of(path.strip()).getFileName().toString();
                String share = ("lent-" + base.replaceAll("[^A-Za-z0-9._-]", "_"));
                for (int i = 2; !names.add(share); i++) {
                    share = "lent-" + base.replaceAll("[^A-Za-z0-9._-]", "_") + "-" + i;
                }
                share = share.length() > 64 ? share.substring(0, 64) : share;
                folders.share(new AnimaAction("folder-share", name, Map.of("share", share, "path", path.strip(), "host", host,
                        "lent", "true")), user);
                shares.add(share);
            }
            String note;
            try (Peer p = Dial.to(me, known, host, user, TIMEOUT)) {
                note = p.request(new LendOffer(name, me.host(), apps, shares), TIMEOUT) instanceof ActionDone d ? d.note() : "";
            }
            save(out.resolve(name + ".json"), new Lent(host, apps, shares, user));
            LOG.info("anima " + name + " lent to " + host + ": apps " + apps + ", folders " + shares);
            return "anima '" + name + "' stays here and is lent to " + host + ": " + (apps.isEmpty() ? "no windows" : "apps "
                    + join(apps)) + (shares.isEmpty() ? "" : "; folders " + String.join(", ", shares)) + (note.isEmpty() ? "" : "\n" + note)
                    + "\nEnd it with: zos-vm return " + name;
        } catch (IOException | RuntimeException e) {
            for (String s : shares) {
                try {
                    folders.stop(name, s, user);
                } catch (IOException | RuntimeException x) {
                    LOG.warning("taking back share " + s + ": " + x.getMessage());
                }
            }
            throw e;
        }
    }

    /** {@code return} of a lent anima: the host closes its views, the lent folders' copies go. */
    String end(String name, String user) throws IOException {
        Lent l = lentTo(name).orElseThrow(() -> new ZosException(ErrorCode.INVALID_STATE, "anima '" + name + "' is not lent", ""));
        List<String> notes = new ArrayList<>();
        try (Peer p = Dial.to(me, known, l.host(), user, TIMEOUT)) {
            p.request(new LendEnd(name), TIMEOUT);
            notes.add(l.host() + " closed its views");
        } catch (ZosException e) {
            LOG.warning("could not tell " + l.host() + " that the lend of " + name + " ended: " + e.getMessage());
            notes.add(l.host() + " cannot be reached (" + e.getMessage() + "): its views go with the anima's next move or its restart");
        }
        for (String s : l.shares()) {
            try {
                notes.add("folder " + s + ": " + JSON.readTree(folders.stop(name, s, user)).path("ended").asText());
            } catch (ZosException e) {
                notes.add("folder " + s + ": " + e.getMessage());
            }
        }
        Files.deleteIfExists(out.resolve(name + ".json"));
        LOG.info("lend of " + name + " to " + l.host() + " ended");
        return "anima '" + name + "' is no longer lent to " + l.host() + ": " + String.join("; ", notes);
    }

    /** The lend of an anima of this host, if any. */
    Optional<Lent> lentTo(String name) {
        return load(out.resolve(name + ".json"));
    }

    /** Status: what the lend gives which host, or null. */
    String describe(String name) {
        return lentTo(name).map(l -> l.host() + ": apps " + (l.apps().isEmpty() ? "none" : join(l.apps()))
                + (l.shares().isEmpty() ? "" : "; folders " + String.join(", ", l.shares()))).orElse(null);
    }

    /** True if {@code host} holds a lend of the anima that includes {@code app}: its viewers may type. */
    boolean lends(String name, String host, int app) {
        return lentTo(name).filter(l -> l.host().equals(host) && l.apps().contains(app)).isPresent();
    }

    // ---- on the host lent to -------------------------------------------------------------------------

    /** Answers {@code lend-offer}: opens this host's view endpoints for the lent windows. */
    ActionDone offer(Responder.Caller caller, LendOffer o) throws IOException {
        if (!caller.local()) {
            access.require(caller.user(), caller.host().name(), Control.PARTIAL);
        }
        save(in.resolve(o.anima() + ".json"), new Lent(o.home(), o.apps(), o.shares(), caller.user()));
        List<String> ends = new ArrayList<>();
        for (int app : o.apps()) {
            int port = views.endpoint(o.anima(), app, false, caller.user(), 0);
            ends.add("app " + app + " at vnc://127.0.0.1:" + port + " on " + me.host());
        }
        LOG.info(o.anima() + " of " + o.home() + " lent here: apps " + o.apps() + ", folders " + o.shares());
        return new ActionDone("lend", null, String.join("\n", ends));
    }

    /** Answers {@code lend-end}: closes the views of the anima here. */
    ActionDone endHere(Responder.Caller caller, LendEnd e) throws IOException {
        Optional<Lent> l = load(in.resolve(e.anima() + ".json"));
        if (l.isPresent() && !caller.local() && !caller.host().name().equals(l.get().host())) {
            throw new ZosException(ErrorCode.DENIED, "only " + l.get().host() + " ends the lend of " + e.anima(), "");
        }
        views.closeEndpoints(e.anima());
        Files.deleteIfExists(in.resolve(e.anima() + ".json"));
        return new ActionDone("lend-end", null, "");
    }

    /** True if the anima lends this host {@code app}: its viewers here may type although the access is partial. */
    boolean lentHere(String name, int app) {
        return load(in.resolve(name + ".json")).filter(l -> l.apps().contains(app)).isPresent();
    }

    // ---- files ---------------------------------------------------------------------------------------

    private static Optional<Lent> load(Path f) {
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(f.toFile(), Lent.class));
        } catch (IOException e) {
            LOG.warning("unreadable " + f + ": " + e.getMessage());
            return Optional.empty();
        }
    }

    private static void save(Path f, Lent l) throws IOException {
        Files.createDirectories(f.getParent());
        Durable.write(f.resolveSibling(f.getFileName() + ".tmp"), f, JSON.writeValueAsBytes(l));
    }

    private static String join(List<Integer> apps) {
        return String.join(",", apps.stream().map(String::valueOf).toList());
    }
}
