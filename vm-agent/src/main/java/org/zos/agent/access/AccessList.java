package org.zos.agent.access;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.WatchedFile;
import org.zos.protocol.ZosException;

/**
 * The access list of a host, {@code /etc/zos/zpasswd}: one rule per line, {@code <user> <master host>
 * <control>}, '*' matching any user or any host, '#' starting a comment. The first rule that matches
 * (user, master host) decides; no match means none. The file is re-read whenever it changes; a file
 * with a bad line refuses everything until it is fixed (and says which line), rather than guessing.
 */
public final class AccessList {
    private static final Logger LOG = Logger.getLogger(AccessList.class.getName());

    /** One line of the file. */
    public record Rule(String user, String host, Control control, int line) {
        boolean matches(String u, String h) {
            return (user.equals("*") || user.equals(u)) && (host.equals("*") || host.equals(h));
        }
    }

    /** A decision: what the user wanted, what the list grants, and the rule that said so (0: none). */
    public record Decision(String user, String host, Control wanted, Control granted, int line) {
        public boolean allowed() {
            return granted.allows(wanted) && wanted != Control.NONE;
        }
    }

    private final Path file;
    private final WatchedFile watched;
    private List<Rule> rules = List.of();
    private ZosException broken;

    public AccessList(Path file) {
        this.file = file;
        this.watched = new WatchedFile(file);
    }

    /** Decides, logs, and returns the decision. */
    public Decision decide(String user, String masterHost, Control wanted) {
        List<Rule> now = rules();
        Decision d = new Decision(user, masterHost, wanted, Control.NONE, 0);
        for (Rule r : now) {
            if (r.matches(user, masterHost)) {
                d = new Decision(user, masterHost, wanted, r.control(), r.line());
                break;
            }
        }
        LOG.info((d.allowed() ? "allowed " : "denied ") + user + "@" + masterHost + " " + wanted + " control ("
                + (d.line() == 0 ? "no rule matches" : file.getFileName() + " line " + d.line() + " grants " + d.granted()) + ")");
        return d;
    }

    /** Decides, and throws DENIED with the reason if the answer is no. */
    public void require(String user, String masterHost, Control wanted) {
        Decision d = decide(user, masterHost, wanted);
        ZosException bad = problem();
        if (!d.allowed() && bad != null) {
            throw new ZosException(ErrorCode.DENIED, "this host refuses everyone until its access list is fixed: "
                    + bad.getMessage(), "ask the host's owner to fix that line of " + file);
        }
        if (!d.allowed()) {
            String why = d.line() == 0 ? "no rule of its access list names " + user + " from " + masterHost
                    : d.granted() == Control.NONE ? "its access list gives " + user + " from " + masterHost + " no control"
                    : user + " from " + masterHost + " may only dominate it partially";
            throw new ZosException(ErrorCode.DENIED, "this host refuses " + wanted + " control to " + user + ": " + why,
                    "ask the host's owner to add '" + user + " " + masterHost + " " + wanted + "' to " + file);
        }
    }

    private synchronized List<Rule> rules() {
        if (watched.changed()) {
            try {
                rules = read();
                broken = null;
            } catch (ZosException e) {
                rules = List.of();
                broken = e;
                LOG.warning(e.getMessage() + "; refusing everyone until it is fixed");
            }
        }
        return rules;
    }

    /** The reason the file is ignored, if it has a bad line. */
    public synchronized ZosException problem() {
        rules();
        return broken;
    }

    private List<Rule> read() {
        if (!Files.exists(file)) {
            return List.of();
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ZosException(ErrorCode.INTERNAL, "cannot read " + file + ": " + e.getMessage(), "check its permissions");
        }
        List<Rule> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String t = lines.get(i).replaceFirst("#.*", "").strip();
            if (t.isEmpty()) {
                continue;
            }
            String[] f = t.split("\\s+");
            if (f.length != 3) {
                throw new ZosException(ErrorCode.BAD_PARAMETER, file + " line " + (i + 1) + " is not '<user> <master host> <control>'",
                        "fix that line");
            }
            Control c;
            try {
                c = Control.parse(f[2]);
            } catch (ZosException e) {
                throw new ZosException(ErrorCode.BAD_PARAMETER, file + " line " + (i + 1) + ": " + e.getMessage(), e.hint());
            }
            out.add(new Rule(f[0], f[1], c, i + 1));
        }
        return List.copyOf(out);
    }
}
