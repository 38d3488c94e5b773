package org.zos.protocol.zap;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One ZAP search: a query (with a fresh nonce) broadcast to every target, and the answers that carry its
 * nonce, collected for a while, one per host and fingerprint. Answers are hints, never trust.
 */
public final class ZapSearch {

    /** An answer and the address it came from. */
    public record Found(ZapAnswer answer, String address) {
    }

    private ZapSearch() {
    }

    /** Asks for {@code user} from {@code from} with {@code control}; waits {@code waitMillis} for answers. */
    public static List<Found> search(String user, String from, String control, List<InetAddress> targets, int port,
            int waitMillis) throws IOException {
        long nonce = new SecureRandom().nextLong();
        byte[] query = Zap.encode(new ZapQuery(Zap.VERSION, user, from, control, nonce));
        Map<String, Found> answers = new LinkedHashMap<>();
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(0))) {
            s.setBroadcast(true);
            for (InetAddress to : targets) {
                s.send(new DatagramPacket(query, query.length, to, port));
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
                Zap.decode(p.getData(), p.getLength(), ZapAnswer.class).filter(a -> a.nonce() == nonce).ifPresent(a ->
                        answers.putIfAbsent(a.host() + "/" + a.fingerprint(), new Found(a, p.getAddress().getHostAddress())));
            }
        }
        return new ArrayList<>(answers.values());
    }

    /** The broadcast address of every interface that is up. */
    public static List<InetAddress> broadcastAddresses() throws SocketException {
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
