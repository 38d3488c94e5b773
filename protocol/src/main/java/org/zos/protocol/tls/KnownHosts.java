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
 * The hosts this host has enrolled, one per line: {@code <name> <address> <fingerprint>} ('#' starts a
 * comment). A name is the host's own name (its certificate's CN); the address is where it was reached.
 * Re-read whenever the file changes; written whole to a temp file and renamed.
 */
public final class KnownHosts {
    /** One enrolled host; its address may end in ":port" when its agent does not listen on 7470. */
    public record Entry(String name, String address, Fingerprint fingerprint) {
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
    private List<Entry> entries = List.of();

    public KnownHosts(Path file) {
        this.file = file;
        this.watched = new WatchedFile(file);
    }

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
        return entries().stream().filter(e -> e.fingerprint().equals(f)).findFirst();
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
        StringBuilder text = new StringBuilder("# zos known hosts: <name> <address> <fingerprint>\n");
        for (Entry e : next) {
            text.append(e.name()).append(' ').append(e.address()).append(' ').append(e.fingerprint()).append('\n');
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
                    throw new ZosException(ErrorCode.BAD_PARAMETER, file + " line " + n + " is not '<name> <address> <fingerprint>'",
                            "fix or remove that line");
                }
                out.add(new Entry(f[0], f[1], new Fingerprint(f[2])));
            }
        } catch (IOException e) {
            throw new ZosException(ErrorCode.INTERNAL, "cannot read " + file + ": " + e.getMessage(), "check its permissions");
        }
        return List.copyOf(out);
    }
}
