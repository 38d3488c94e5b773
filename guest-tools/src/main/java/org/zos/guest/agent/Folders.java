package org.zos.guest.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.zos.guest.agent.GuestAgent.GuestError;
import org.zos.store.Durable;
import org.zos.store.folder.LocalReplica;
import org.zos.store.folder.Scrub;

/**
 * The anima's shared folders: which of its folders are kept in step with which host (docs/folders.md).
 * The list lives in the anima ({@code ~/.local/share/zos/folders.json}), so it moves with it and the agent
 * of whichever host runs the anima reads it and keeps the shares going. The never-export list and the
 * anima's folder rules are enforced here, inside the guest, whatever a host asks.
 *
 * <p>Requests: {@code folder-share} (name, path, host, hostPath, readOnly, fromHost, lent), {@code
 * folder-list}, {@code folder-stop} (share). A stream {@code {"target":"folder","share":NAME}} serves the
 * share's replica in folder wire v2.
 */
final class Folders {
    private static final Logger LOG = Logger.getLogger(Folders.class.getName());
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    static final Pattern HOST = Pattern.compile("[A-Za-z0-9][A-Za-z0-9.-]{0,252}");

    private final Path home;
    private final Path list;
    private final List<Path> neverFiles;
    private final List<Path> ruleFiles;
    /** One replica per share while it is served: two hosts never write it at once. */
    private final Map<String, LocalReplica> open = new HashMap<>();

    Folders(Path home) {
        this.home = home;
        this.list = home.resolve(".local/share/zos/folders.json");
        this.neverFiles = List.of(Path.of("/etc/zos/never-export"), home.resolve(".config/zos/never-export"));
        this.ruleFiles = List.of(home.resolve(".config/zos/folder-rules"), Path.of("/etc/zos/folder-rules"));
    }

    synchronized ObjectNode run(String op, JsonNode request) throws GuestError, IOException {
        ObjectNode out = GuestAgent.JSON.createObjectNode();
        switch (op) {
            case "folder-share" -> out.set("share", share(request));
            case "folder-list" -> out.set("shares", load());
            case "folder-stop" -> out.set("share", stop(request.path("share").asText("")));
            default -> throw new GuestError("unknown request '" + op + "'");
        }
        return out;
    }

    private ObjectNode share(JsonNode q) throws GuestError, IOException {
        String name = q.path("name").asText("");
        String host = q.path("host").asText("");
        if (!NAME.matcher(name).matches()) {
            throw new GuestError("bad share name '" + name + "': use letters, digits, '.', '_' and '-'");
        }
        if (!HOST.matcher(host).matches()) {
            throw new GuestError("bad host name '" + host + "'");
        }
        boolean fromHost = q.path("fromHost").asBoolean(false);
        Path path = expand(q.path("path").asText(""));
        String never = never().covering(path);
        if (never != null) {
            throw new GuestError(path + " never leaves the anima (never-export: " + never + ")");
        }
        String denied = new FolderRules(home, ruleFiles).denies(path, host);
        if (denied != null) {
            throw new GuestError(path + " may not go to " + host + " (" + denied + ")");
        }
        ArrayNode shares = load();
        for (JsonNode s : shares) {
            if (s.path("name").asText().equals(name)) {
                throw new GuestError("a share '" + name + "' exists already (" + s.path("path").asText() + " with "
                        + s.path("host").asText() + "); stop it first or choose another name");
            }
            if (s.path("path").asText().equals(path.toString()) && s.path("host").asText().equals(host)) {
                throw new GuestError(path + " is shared with " + host + " already, as '" + s.path("name").asText() + "'");
            }
        }
        if (fromHost) {
            // the host lends a folder of its own: it appears here, in a folder that must be new or empty
            if (Files.exists(path, LinkOption.NOFOLLOW_LINKS) && !emptyDir(path)) {
                throw new GuestError(path + " is not empty: a folder lent by " + host + " needs a new or empty folder");
            }
            Files.createDirectories(path);
        } else if (!Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            throw new GuestError("no folder " + path + " in the anima");
        }
        ObjectNode s = shares.addObject().put("name", name).put("path", path.toString()).put("host", host)
                .put("readOnly", q.path("readOnly").asBoolean(false)).put("fromHost", fromHost)
                .put("lent", q.path("lent").asBoolean(false));
        if (q.hasNonNull("hostPath")) {
            s.put("hostPath", q.path("hostPath").asText());
        }
        save(shares);
        LOG.info("sharing " + path + " with " + host + " as " + name);
        return s;
    }

    private ObjectNode stop(String name) throws GuestError, IOException {
        ArrayNode shares = load();
        for (int i = 0; i < shares.size(); i++) {
            ObjectNode s = (ObjectNode) shares.get(i);
            if (s.path("name").asText().equals(name)) {
                shares.remove(i);
                save(shares);
                LocalReplica r = open.remove(name);
                if (r != null) {
                    r.close();
                }
                Path path = Path.of(s.path("path").asText());
                if (s.path("fromHost").asBoolean(false)) {
                    Scrub.tree(path); // the host's files leave the anima with the lend; the host keeps its own
                } else {
                    Scrub.tree(path.resolve(org.zos.store.folder.PathFilter.SYNC_DIR));
                }
                LOG.info("stopped sharing " + path + " as " + name);
                return s;
            }
        }
        throw new GuestError("no share '" + name + "'; see 'zos-vm folder list'");
    }

    /** The replica of a share, checked again against the never-export list and the rules. */
    LocalReplica replica(String name) throws GuestError, IOException {
        LocalReplica replica;
        synchronized (this) {
            JsonNode s = find(name);
            Path path = Path.of(s.path("path").asText());
            if (!s.path("fromHost").asBoolean(false)) {
                String never = never().covering(path);
                String denied = new FolderRules(home, ruleFiles).denies(path, s.path("host").asText());
                if (never != null || denied != null) {
                    throw new GuestError(path + " may no longer be shared: " + (never != null ? "never-export " + never : denied));
                }
            }
            replica = open.get(name);
            if (replica == null) {
                replica = new LocalReplica(path, "anima", never().filterFor(path));
                open.put(name, replica);
            }
        }
        return replica;
    }

    private JsonNode find(String name) throws GuestError, IOException {
        for (JsonNode s : load()) {
            if (s.path("name").asText().equals(name)) {
                return s;
            }
        }
        throw new GuestError("no share '" + name + "'");
    }

    private NeverExport never() throws IOException {
        return new NeverExport(home, neverFiles);
    }

    private Path expand(String p) throws GuestError {
        if (p.isEmpty()) {
            throw new GuestError("which folder? give its path in the anima");
        }
        Path path = p.equals("~") ? home : p.startsWith("~/") ? home.resolve(p.substring(2)) : Path.of(p);
        if (!path.isAbsolute()) {
            path = home.resolve(path);
        }
        path = path.normalize();
        try {
            // the real path, so a link cannot smuggle a never-export folder out under another name
            Path existing = path;
            Path rest = Path.of("");
            while (existing != null && !Files.exists(existing)) {
                rest = existing.getFileName().resolve(rest);
                existing = existing.getParent();
            }
            return existing == null ? path : existing.toRealPath().resolve(rest).normalize();
        } catch (IOException e) {
            throw new GuestError("cannot read " + path + ": " + e.getMessage());
        }
    }

    private static boolean emptyDir(Path p) throws IOException {
        if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        try (Stream<Path> s = Files.list(p)) {
            return s.allMatch(f -> f.getFileName().toString().equals(org.zos.store.folder.PathFilter.SYNC_DIR));
        }
    }

    private ArrayNode load() throws IOException {
        if (!Files.exists(list)) {
            return GuestAgent.JSON.createArrayNode();
        }
        JsonNode n = GuestAgent.JSON.readTree(list.toFile());
        return n instanceof ArrayNode a ? a : GuestAgent.JSON.createArrayNode();
    }

    private void save(ArrayNode shares) throws IOException {
        Files.createDirectories(list.getParent());
        Durable.write(list.resolveSibling("folders.json.tmp"), list, GuestAgent.JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(shares));
    }
}
