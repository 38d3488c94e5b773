package org.zos.cli;

import java.io.PrintWriter;
import org.zos.protocol.tls.HostIdentity;
import org.zos.protocol.tls.KnownHosts;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code zos-vm hosts}: this host's identity and the hosts it has enrolled. */
@Command(name = "hosts", description = "Show this host's fingerprint and the hosts it has enrolled.")
final class HostsCommand extends ConfigCommand {

    @Mixin
    JsonOption json;

    /** What {@code --json} prints: this host and the enrolled ones. */
    record Hosts(String host, String fingerprint, java.util.List<Host> enrolled) {
    }

    record Host(String name, String address, String fingerprint) {
    }

    @Override
    void run(PrintWriter out) throws Exception {
        HostIdentity me = config.identity();
        if (json.printed(out, new Hosts(me.host(), me.fingerprint().toString(), config.knownHosts().entries().stream()
                .map(e -> new Host(e.name(), e.address(), e.trust())).toList()))) {
            return;
        }
        out.printf("This host: %s %s%n", me.host(), me.fingerprint());
        KnownHosts known = config.knownHosts();
        if (known.entries().isEmpty()) {
            out.println("No enrolled hosts; enrol one with 'zos-vm trust HOST'.");
            return;
        }
        out.printf("%-20s %-24s %s%n", "HOST", "ADDRESS", "FINGERPRINT");
        for (KnownHosts.Entry e : known.entries()) {
            out.printf("%-20s %-24s %s%n", e.name(), e.address(), e.pinned() ? e.fingerprint() : "(any key the site authority endorses)");
        }
    }
}
