package org.zos.cli;

import java.io.PrintWriter;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.net.SocketTimeoutException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.zos.agent.access.Control;
import org.zos.protocol.tls.KnownHosts;
import org.zos.protocol.zap.Zap;
import org.zos.protocol.zap.ZapAnswer;
import org.zos.protocol.zap.ZapQuery;
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
        long nonce = new SecureRandom().nextLong();
        byte[] query = Zap.encode(new ZapQuery(Zap.VERSION, user, config.identity().host(), wanted.toString(), nonce));
        Map<String, ZapAnswer> answers = new LinkedHashMap<>();
        Map<String, String> from = new LinkedHashMap<>();
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(0))) {
            s.setBroadcast(true);
            for (InetAddress to : targets != null ? targets : broadcastAddresses()) {
                s.send(new DatagramPacket(query, query.length, to, zapPort));
            }
            long end = System.currentTimeMillis() + waitMillis;
            byte[] buf = new byte[Zap.MAX_DATAGRAM + 1];
            while (System.currentTimeMillis() < end) {
                s.setSoTimeout((int) Math.max(1, end - System.currentTimeMillis()));
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                try {
                    s.receive(p);
                } catch (SocketTimeoutException e) {
                    break;
                }
                Zap.decode(p.getData(), p.getLength(), ZapAnswer.class).filter(a -> a.nonce() == nonce).ifPresent(a -> {
                    answers.putIfAbsent(a.host() + "/" + a.fingerprint(), a);
                    from.putIfAbsent(a.host() + "/" + a.fingerprint(), p.getAddress().getHostAddress());
                });
            }
        }
        if (answers.isEmpty()) {
            out.printf("No host answered within %d ms for %s from %s (%s control).%n", waitMillis, user,
                    config.identity().host(), wanted);
            return;
        }
        KnownHosts known = config.knownHosts();
        out.printf("%-14s %-16s %4s %9s %9s %-10s %5s %-8s %s%n", "HOST", "ADDRESS", "CPUS", "MEMORY", "FREE",
                "HYPERVISOR", "LOAD", "KNOWN", "FINGERPRINT");
        for (Map.Entry<String, ZapAnswer> e : answers.entrySet()) {
            ZapAnswer a = e.getValue();
            String status = known.byName(a.host()).map(k -> k.fingerprint().text().equals(a.fingerprint()) ? "yes" : "CHANGED")
                    .orElse("no");
            out.printf("%-14s %-16s %4d %9s %9s %-10s %5.2f %-8s %s%n", a.host(), from.get(e.getKey()) + ":" + a.port(),
                    a.cpus(), Sizes.bytes(a.memory()), Sizes.bytes(a.freeStore()), a.hypervisor(), a.load(), status,
                    a.fingerprint());
            out.printf("%-14s   cpu: %s%n", "", a.cpuModel());
        }
    }

    /** The broadcast address of every interface that is up. */
    static List<InetAddress> broadcastAddresses() throws Exception {
        Set<InetAddress> out = new LinkedHashSet<>();
        for (NetworkInterface nif : java.util.Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!nif.isUp()) {
                continue;
            }
            for (InterfaceAddress a : nif.getInterfaceAddresses()) {
                if (a.getBroadcast() != null) {
                    out.add(a.getBroadcast());
                }
            }
        }
        return new ArrayList<>(out);
    }
}
