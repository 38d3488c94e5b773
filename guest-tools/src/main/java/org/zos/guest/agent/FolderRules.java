package org.zos.guest.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The anima's own rules on which of its folders may go to which host: the lines of
 * {@code ~/.config/zos/folder-rules}, then {@code /etc/zos/folder-rules}, each
 * {@code allow|deny PATH HOST}: PATH a folder (absolute or "~/…"; the rule covers what lies inside it),
 * HOST a host name or a glob ("*", "lab-*"). The first rule that matches decides; with none, a folder may
 * go anywhere the host's own access list allows. They travel with the anima, so they hold on every host.
 */
final class FolderRules {
    record Rule(boolean allow, Path path, Pattern host, String line) {
    }

    private final List<Rule> rules = new ArrayList<>();

    FolderRules(Path home, List<Path> files) throws IOException {
        for (Path f : files) {
            if (!Files.isReadable(f)) {
                continue;
            }
            for (String l : Files.readAllLines(f)) {
                String line = l.strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                String[] w = line.split("\\s+");
                if (w.length != 3 || !(w[0].equals("allow") || w[0].equals("deny"))) {
                    throw new IOException(f + ": bad rule '" + line + "': write 'allow|deny PATH HOST'");
                }
                Path p = w[1].startsWith("~/") ? home.resolve(w[1].substring(2)) : w[1].equals("~") ? home : Path.of(w[1]);
                rules.add(new Rule(w[0].equals("allow"), p.toAbsolutePath().normalize(),
                        org.zos.store.folder.PathFilter.regex(w[2]), f + ": " + line));
            }
        }
    }

    /** The rule that denies sending {@code folder} to {@code host}, or null if it may go. */
    String denies(Path folder, String host) {
        Path f = folder.toAbsolutePath().normalize();
        for (Rule r : rules) {
            if (f.startsWith(r.path()) && r.host().matcher(host).matches()) {
                return r.allow() ? null : r.line();
            }
        }
        return null;
    }
}
