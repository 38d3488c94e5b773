package org.zos.protocol.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.WatchedFile;
import org.zos.protocol.ZosException;

/**
 * The hosts this host knows, one per line: {@code <name> <address> <fingerprint>} ('#' starts a
 * comment). A name is the host's own name (its certificate's CN); the address is where it is reached.
 * The third field is the pinned fingerprint, or the word {@code site}: any key a trusted site authority
 * endorses for that name ({@link Authorities}, kept in the sibling folder {@code authorities}).
 * Re-read whenever the file changes; written whole to a temp file and renamed.
 *
 * <p>A host that is in no line can still be reached by its name when this host trusts a site authority:
 * {@link #route} resolves the name as the system does (DNS, /etc/hosts) and the peer must then show an
 * endorsement for that name.
 */
public final class KnownHosts {
    /** The third field of a host trusted through the site authority rather than pinned. */
    public static final String SITE = "site";

    /**
     * One known host; its address may end in ":port" when its agent does not listen on 7470. The
     * fingerprint is null for a host trusted through the site authority.
     */
    public record Entry(String name, String address, Fingerprint fingerprint) {
        public boolean pinned() {
            return fingerprint != null;
        }

        /** The pinned fingerprint, or "site". */
        public String trust() {
            return pinned() ? fingerprint.text() : SITE;
        }

        public String hostPart() {
            int c = address.lastIndexOf(':');
            return c > 0 && address.indexOf(':') == c ? address.substring(0, c) : address;
        }

        public int port() {
            int c = address.lastIndexOf(':');
            return c > 0 && address.indexOf(':') == c ? Integer.parseInt(address.substring(c + 1)) : 7470;
        }
    }

    private final Path file;
    private final WatchedFile watched;
    private final Authorities site;
    private List<Entry> entries = List.of();

    /** The hosts in {@code file}, and the site authorities in the folder {@code authorities} beside it. */
    public KnownHosts(Path file) {
        this(file, new Authorities(file.toAbsolutePath().resolveSibling("authorities")));
    }

    public KnownHosts(Path file, Authorities site) {
        this.file = file;
        this.watched = new WatchedFile(file);
        this.site = site;
    }

    /** The site authorities this host trusts. */
    public Authorities site() {
        return site;
    }

    /**
     * Where to reach the host named {@code name}: its line, or, when this host trusts a site authority, the
     * name itself (resolved by the system, port 7470; the peer must show an endorsement for it).
     */
    public Optional<Entry> route(String name) {
        Optional<Entry> e = byName(name);
        if (e.isPresent() || !site.any() || !HOST_NAME.matcher(name).matches()) {
            return e;
        }
        return Optional.of(new Entry(name, name, null));
    }

    /**
     * As {@link #route}, for dialling {@code name} from host {@code me}.
     *
     * @throws org.zos.protocol.ZosException UNKNOWN_PEER, saying how to enrol it, if this host cannot route to it
     */
    public Entry routeOrThrow(String name, String me) {
        return route(name).orElseThrow(() -> new org.zos.protocol.ZosException(org.zos.protocol.ErrorCode.UNKNOWN_PEER,
                name + " is not enrolled on " + me, "enrol it with 'zos-vm trust " + name
                        + "', or trust the site authority that endorses it ('zos-vm ca install')"));
    }

    private static final java.util.regex.Pattern HOST_NAME = java.util.regex.Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]{0,252})");

    public Path file() {
        return file;
    }

    /** Every enrolled host, as the file says now. */
    public synchronized List<Entry> entries() {
        if (watched.changed()) {
            entries = read();
        }
        return entries;
    }

    /** The host a connection to {@code target} (a name or an address) must reach, if enrolled. */
    public Optional<Entry> forTarget(String target) {
        return entries().stream().filter(e -> e.name().equals(target) || e.address().equals(target) || e.hostPart().equals(target)).findFirst();
    }

    public Optional<Entry> byFingerprint(Fingerprint f) {
        return entries().stream().filter(e -> f.equals(e.fingerprint())).findFirst();
    }

    public Optional<Entry> byName(String name) {
        return entries().stream().filter(e -> e.name().equals(name)).findFirst();
    }

    /** Enrols a host, replacing any entry with its name. */
    public synchronized void trust(Entry entry) throws IOException {
        List<Entry> next = new ArrayList<>();
        for (Entry e : entries()) {
            if (!e.name().equals(entry.name())) {
                next.add(e);
            }
        }
        next.add(entry);
        StringBuilder text = new StringBuilder("# zos known hosts: <name> <address> <fingerprint, or 'site' for any key the site authority endorses>\n");
        for (Entry e : next) {
            text.append(e.name()).append(' ').append(e.address()).append(' ').append(e.trust()).append('\n');
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        watched.invalidate();
    }

    private List<Entry> read() {
        if (!Files.exists(file)) {
            return List.of();
        }
        List<Entry> out = new ArrayList<>();
        try {
            int n = 0;
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                n++;
                String t = line.strip();
                if (t.isEmpty() || t.startsWith("#")) {
                    continue;
                }
                String[] f = t.split("\\s+");
                if (f.length != 3) {
                    throw new ZosException(ErrorCode.BAD_PARAMETER, file + " line " + n + " is not '<name> <address> <fingerprint|site>'",
                            "fix or remove that line");
                }
                out.add(new Entry(f[0], f[1], f[2].equals(SITE) ? null : new Fingerprint(f[2])));
            }
        } catch (IOException e) {
            throw new ZosException(ErrorCode.INTERNAL, "cannot read " + file + ": " + e.getMessage(), "check its permissions");
        }
        return List.copyOf(out);
    }
}
