package org.zos.guest.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.zos.store.folder.PathFilter;

/**
 * What never leaves the anima, whatever a share asks: the user's keys, secrets and browser profiles. The
 * defaults below, plus the lines of {@code /etc/zos/never-export} and {@code ~/.config/zos/never-export}
 * (a path, absolute or starting with "~/", leaves out that folder or file; a name without '/' is a file
 * name glob such as "*.kdbx"). A share of such a path is refused; a share of a folder that holds one
 * leaves it out of the sync in both directions.
 */
final class NeverExport {
    static final List<String> DEFAULT_PATHS = List.of("~/.ssh", "~/.gnupg", "~/.mozilla", "~/.config/chromium",
            "~/.config/google-chrome", "~/.config/BraveSoftware", "~/.local/share/keyrings", "~/.password-store", "~/.pki",
            "~/.aws", "~/.kube", "~/.docker", "~/.netrc", "~/.local/share/zos");
    static final List<String> DEFAULT_NAMES = List.of("id_rsa*", "id_dsa*", "id_ecdsa*", "id_ed25519*", "*.pem", "*.key",
            "*.p12", "*.pfx", "*.kdbx", "*.keystore", "*.jks");

    private final List<Path> paths = new ArrayList<>();
    private final List<String> names = new ArrayList<>();

    NeverExport(Path home, List<Path> listFiles) throws IOException {
        List<String> lines = new ArrayList<>(DEFAULT_PATHS);
        lines.addAll(DEFAULT_NAMES);
        for (Path f : listFiles) {
            if (Files.isReadable(f)) {
                for (String l : Files.readAllLines(f)) {
                    l = l.strip();
                    if (!l.isEmpty() && !l.startsWith("#")) {
                        lines.add(l);
                    }
                }
            }
        }
        for (String l : lines) {
            if (l.startsWith("~/")) {
                paths.add(home.resolve(l.substring(2)).normalize());
            } else if (l.startsWith("/")) {
                paths.add(Path.of(l).normalize());
            } else if (!l.contains("/")) {
                names.add(l);
            }
        }
    }

    /** The never-export entry that covers {@code path} itself (it is one, or lies inside one), or null. */
    String covering(Path path) {
        Path p = path.toAbsolutePath().normalize();
        for (Path n : paths) {
            if (p.startsWith(n)) {
                return n.toString();
            }
        }
        String name = p.getFileName() == null ? "" : p.getFileName().toString();
        for (String glob : names) {
            if (new PathFilter(Set.of(), List.of(glob)).excluded(name)) {
                return glob;
            }
        }
        return null;
    }

    /** What a share of {@code root} leaves out: the never-export paths inside it, and the name globs. */
    PathFilter filterFor(Path root) {
        Path r = root.toAbsolutePath().normalize();
        Set<String> prefixes = new HashSet<>();
        for (Path n : paths) {
            if (n.startsWith(r) && !n.equals(r)) {
                prefixes.add(r.relativize(n).toString());
            }
        }
        return new PathFilter(prefixes, names);
    }
}
