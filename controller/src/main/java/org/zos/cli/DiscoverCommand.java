package org.zos.cli;

import java.io.PrintWriter;
import java.net.InetAddress;
import java.util.List;
import org.zos.agent.access.Control;
import org.zos.protocol.tls.KnownHosts;
import org.zos.protocol.zap.Zap;
import org.zos.protocol.zap.ZapAnswer;
import org.zos.protocol.zap.ZapSearch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code zos-vm discover}: broadcasts a ZAP query on every local network and lists the hosts that would
 * accept this user. Answers are hints: the KNOWN column says whether a host's fingerprint matches its
 * enrolment; nothing is trusted before 'zos-vm trust'.
 */
@Command(name = "discover", description = "Find hosts on the LAN that would let you dominate them (ZAP broadcast).")
final class DiscoverCommand extends ConfigCommand {

    @Option(names = "--control", description = "full or partial (default: full)")
    String control = "full";

    @Option(names = "--user", description = "the user asking (default: this account)")
    String user = System.getProperty("user.name");

    @Option(names = "--wait", paramLabel = "MS", description = "how long to listen for answers (default: 1500)")
    int waitMillis = 1500;

    @Option(names = "--zap-port", paramLabel = "PORT", description = "ZAP port (default: 7471)")
    int zapPort = Zap.PORT;

    @Option(names = "--broadcast", paramLabel = "ADDRESS", description = "where to send the query (default: the broadcast address of every local network)")
    List<InetAddress> targets;

    @Override
    void run(PrintWriter out) throws Exception {
        Control wanted = Control.parse(control);
        List<ZapSearch.Found> answers = ZapSearch.search(user, config.identity().host(), wanted.toString(),
                targets != null ? targets : ZapSearch.broadcastAddresses(), zapPort, waitMillis);
        if (answers.isEmpty()) {
            out.printf("No host answered within %d ms for %s from %s (%s control).%n", waitMillis, user,
                    config.identity().host(), wanted);
            return;
        }
        KnownHosts known = config.knownHosts();
        out.printf("%-14s %-16s %4s %9s %9s %-10s %5s %-8s %s%n", "HOST", "ADDRESS", "CPUS", "MEMORY", "FREE",
                "HYPERVISOR", "LOAD", "KNOWN", "FINGERPRINT");
        for (ZapSearch.Found f : answers) {
            ZapAnswer a = f.answer();
            String status = known.byName(a.host()).map(k -> !k.pinned() ? "site" : k.fingerprint().text().equals(a.fingerprint()) ? "yes" : "CHANGED")
                    .orElse("no");
            out.printf("%-14s %-16s %4d %9s %9s %-10s %5.2f %-8s %s%n", a.host(), f.address() + ":" + a.port(),
                    a.cpus(), Sizes.bytes(a.memory()), Sizes.bytes(a.freeStore()), a.hypervisor(), a.load(), status,
                    a.fingerprint());
            out.printf("%-14s   cpu: %s%n", "", a.cpuModel());
        }
    }
}
