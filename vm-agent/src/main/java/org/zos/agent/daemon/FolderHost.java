package org.zos.agent.daemon;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.zos.agent.access.AccessList;
import org.zos.agent.access.Control;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.protocol.message.FolderOpen;
import org.zos.protocol.message.FolderReady;
import org.zos.protocol.net.ChannelStream;
import org.zos.protocol.net.Responder;
import org.zos.store.Durable;
import org.zos.store.folder.LocalReplica;
import org.zos.store.folder.PathFilter;
import org.zos.store.folder.ReplicaWire;
import org.zos.store.folder.Scrub;

/**
 * This host's copies of animas' shared folders (docs/folders.md). A copy lives under
 * {@code STATE/folders/ANIMA/SHARE}, or where the share asked ({@code --to}, which must be new or empty);
 * {@code STATE/folders/copies.json} lists them, so that a copy is overwritten and removed when its share
 * ends, whoever ends it and whenever. A folder this host lends to an anima ({@code --from-host}) is served
 * in place and never removed.
 *
 * <p>Another host's agent asks for a copy with {@code folder-open} (at least partial access, or the anima's
 * home); a folder lent from here is read-only for the anima unless the caller has full access.
 */
final class FolderHost {
    private static final Logger LOG = Logger.getLogger(FolderHost.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One copy: whose, where, and whether it is this host's own folder, lent. */
    record Copy(String anima, String share, String path, boolean fromHost) {
    }

    private final String me;
    private final AccessList access;
    private final Path root;
    private final Path list;
    /** One replica per copy while it is served: two streams never write it at once. */
    private final Map<String, LocalReplica> open = new HashMap<>();

    FolderHost(String me, AccessList access, Path stateRoot) {
        this.me = me;
        this.access = access;
        this.root = stateRoot.resolve("folders");
        this.list = root.resolve("copies.json");
    }

    /** Answers {@code folder-open}: the copy, served in folder wire v2 on the connection's stream. */
    Responder.Opened open(Responder.Caller caller, FolderOpen f, ChannelStream stream) throws IOException {
        if (!caller.local()) {
            Control need = f.fromHost() && !f.readOnly() ? Control.FULL : Control.PARTIAL;
            AccessList.Decision d = access.decide(caller.user(), caller.host().name(), need);
            if (!d.allowed() || d.granted().compareTo(need) < 0) {
                throw new ZosException(ErrorCode.DENIED, caller.user() + "@" + caller.host().name() + " may not "
                        + (need == Control.FULL ? "write into a folder of " : "share folders with ") + me,
                        need == Control.FULL ? "lend it read-only (--read-only), or give them full access in " + me + "'s access list"
                                : "add a rule for them to " + me + "'s access list (zpasswd)");
            }
        }
        LocalReplica replica = replica(f.anima(), f.share(), f.hostPath(), f.fromHost());
        LOG.info("folder " + f.share() + " of " + f.anima() + " at " + replica.root() + " for " + caller.host().name());
        return new Responder.Opened(new FolderReady(f.anima(), f.share(), me, replica.root().toString()), () -> {
            Thread t = new Thread(() -> {
                try {
                    ReplicaWire.serve(replica, stream);
                } catch (IOException | RuntimeException e) {
                    LOG.info("folder " + f.share() + " of " + f.anima() + ": " + e.getMessage());
                } finally {
                    stream.close();
                }
            }, "zos-folder-" + f.anima() + "-" + f.share());
            t.setDaemon(true);
            t.start();
        });
    }

    /** The replica of a copy, made (and listed) now if it is new. */
    synchronized LocalReplica replica(String anima, String share, String hostPath, boolean fromHost) throws IOException {
        String key = anima + "/" + share;
        LocalReplica r = open.get(key);
        if (r != null) {
            return r;
        }
        List<Copy> copies = load();
        Optional<Copy> known = copies.stream().filter(c -> c.anima().equals(anima) && c.share().equals(share)).findFirst();
        Path path;
        if (known.isPresent()) {
            path = Path.of(known.get().path());
        } else {
            if (fromHost) {
                if (hostPath == null || !Files.isDirectory(Path.of(hostPath), LinkOption.NOFOLLOW_LINKS)) {
                    throw new ZosException(ErrorCode.BAD_PARAMETER, "no folder " + hostPath + " on " + me + " to lend",
                            "name an existing folder of " + me);
                }
                path = Path.of(hostPath);
            } else if (hostPath != null) {
                path = Path.of(hostPath);
                if (Files.exists(path, LinkOption.NOFOLLOW_LINKS) && !empty(path)) {
                    throw new ZosException(ErrorCode.BAD_PARAMETER, path + " on " + me + " is not empty",
                            "give a new or empty folder: it is removed when the share ends");
                }
            } else {
                path = root.resolve(anima).resolve(share);
            }
            Files.createDirectories(path);
            copies.add(new Copy(anima, share, path.toString(), fromHost));
            save(copies);
        }
        r = new LocalReplica(path, me, PathFilter.NONE);
        open.put(key, r);
        return r;
    }

    /**
     * The share ended: its copy is overwritten and removed (a folder lent from here stays untouched).
     * Returns what was done, for the log and the CLI.
     */
    synchronized String end(String anima, String share) throws IOException {
        LocalReplica r = open.remove(anima + "/" + share);
        if (r != null) {
            r.close();
        }
        List<Copy> copies = load();
        for (Copy c : new ArrayList<>(copies)) {
            if (c.anima().equals(anima) && c.share().equals(share)) {
                Path path = Path.of(c.path());
                if (c.fromHost()) {
                    Scrub.tree(path.resolve(PathFilter.SYNC_DIR)); // only zos's own files; the folder is the host's
                } else {
                    Scrub.tree(path);
                }
                copies.remove(c);
                save(copies);
                Path animaDir = root.resolve(anima);
                if (Files.isDirectory(animaDir) && empty(animaDir)) {
                    Files.delete(animaDir);
                }
                LOG.info("share " + share + " of " + anima + " ended: " + (c.fromHost() ? "the lent folder " + path + " stays"
                        : "copy " + path + " overwritten and removed"));
                return c.fromHost() ? "lent folder " + path + " left as it is" : "copy " + path + " overwritten and removed";
            }
        }
        return "no copy here";
    }

    /** The copies this host holds. */
    synchronized List<Copy> copies() throws IOException {
        return load();
    }

    private List<Copy> load() throws IOException {
        if (!Files.exists(list)) {
            return new ArrayList<>();
        }
        return new ArrayList<>(JSON.readValue(list.toFile(), new TypeReference<List<Copy>>() { }));
    }

    private void save(List<Copy> copies) throws IOException {
        Files.createDirectories(root);
        Durable.write(list.resolveSibling("copies.json.tmp"), list, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(copies));
    }

    private static boolean empty(Path dir) throws IOException {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }
}
