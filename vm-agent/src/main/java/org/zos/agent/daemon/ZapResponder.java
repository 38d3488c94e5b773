package org.zos.agent.daemon;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.logging.Logger;
import org.zos.agent.access.AccessList;
import org.zos.agent.access.Control;
import org.zos.protocol.ZosException;
import org.zos.protocol.tls.HostIdentity;
import org.zos.protocol.zap.Zap;
import org.zos.protocol.zap.ZapAnswer;
import org.zos.protocol.zap.ZapQuery;

/**
 * Answers ZAP queries: a query the access list would accept gets a {@link ZapAnswer} sent back to its
 * sender; any other query (refused, malformed, another version) gets silence.
 */
final class ZapResponder implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ZapResponder.class.getName());

    private final DatagramSocket socket;
    private final Thread thread;

    ZapResponder(AgentConfig config, HostIdentity me, AccessList access) throws SocketException {
        socket = new DatagramSocket(null);
        socket.setReuseAddress(true);
        socket.setBroadcast(true);
        socket.bind(new InetSocketAddress(config.bind(), config.zapPort()));
        thread = new Thread(() -> serve(config, me, access), "zap");
        thread.setDaemon(true);
        thread.start();
    }

    private void serve(AgentConfig config, HostIdentity me, AccessList access) {
        byte[] buf = new byte[Zap.MAX_DATAGRAM + 1];
        while (!socket.isClosed()) {
            DatagramPacket in = new DatagramPacket(buf, buf.length);
            try {
                socket.receive(in);
            } catch (IOException e) {
                return;
            }
            ZapQuery q = Zap.decode(in.getData(), in.getLength(), ZapQuery.class).orElse(null);
            if (q == null || q.user() == null || q.master() == null) {
                continue;
            }
            Control wanted;
            try {
                wanted = Control.parse(q.control());
            } catch (ZosException e) {
                continue;
            }
            if (!access.decide(q.user(), q.master(), wanted).allowed()) {
                continue;
            }
            HostFacts f = HostFacts.of(config.store());
            byte[] answer = Zap.encode(new ZapAnswer(Zap.VERSION, q.nonce(), me.host(), config.port(),
                    me.fingerprint().text(), f.cpus(), f.memory(), f.freeStore(), f.hypervisor(), f.cpuModel(), f.load()));
            try {
                socket.send(new DatagramPacket(answer, answer.length, in.getSocketAddress()));
            } catch (IOException e) {
                LOG.warning("cannot answer ZAP query from " + in.getSocketAddress() + ": " + e.getMessage());
            }
        }
    }

    @Override
    public void close() {
        socket.close();
    }
}
