package org.zos.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.zos.protocol.tls.HostIdentity;
import org.zos.protocol.tls.KnownHosts;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code zos-vm hosts}: this host's identity and the hosts it has enrolled. */
@Command(name = "hosts", description = "Show this host's fingerprint and the hosts it has enrolled.")
final class HostsCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions config;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        HostIdentity me = config.identity();
        out.printf("This host: %s %s%n", me.host(), me.fingerprint());
        KnownHosts known = config.knownHosts();
        if (known.entries().isEmpty()) {
            out.println("No enrolled hosts; enrol one with 'zos-vm trust HOST'.");
            return 0;
        }
        out.printf("%-20s %-24s %s%n", "HOST", "ADDRESS", "FINGERPRINT");
        for (KnownHosts.Entry e : known.entries()) {
            out.printf("%-20s %-24s %s%n", e.name(), e.address(), e.fingerprint());
        }
        return 0;
    }
}
