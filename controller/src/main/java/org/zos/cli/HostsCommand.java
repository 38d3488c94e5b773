package org.zos.cli;

import java.io.PrintWriter;
import org.zos.protocol.tls.HostIdentity;
import org.zos.protocol.tls.KnownHosts;
import picocli.CommandLine.Command;

/** {@code zos-vm hosts}: this host's identity and the hosts it has enrolled. */
@Command(name = "hosts", description = "Show this host's fingerprint and the hosts it has enrolled.")
final class HostsCommand extends ConfigCommand {

    @Override
    void run(PrintWriter out) throws Exception {
        HostIdentity me = config.identity();
        out.printf("This host: %s %s%n", me.host(), me.fingerprint());
        KnownHosts known = config.knownHosts();
        if (known.entries().isEmpty()) {
            out.println("No enrolled hosts; enrol one with 'zos-vm trust HOST'.");
            return;
        }
        out.printf("%-20s %-24s %s%n", "HOST", "ADDRESS", "FINGERPRINT");
        for (KnownHosts.Entry e : known.entries()) {
            out.printf("%-20s %-24s %s%n", e.name(), e.address(), e.fingerprint());
        }
    }
}
