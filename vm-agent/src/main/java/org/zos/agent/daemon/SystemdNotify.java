package org.zos.agent.daemon;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Structure;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.logging.Logger;

/**
 * sd_notify(3) without libsystemd: tells systemd, where it started the agent with {@code Type=notify},
 * that the agent is ready ({@code READY=1}, once it listens), what it is doing ({@code STATUS=…}) and that
 * it is stopping. A datagram on the UNIX socket named by {@code $NOTIFY_SOCKET} (a path, or {@code @name}
 * in the abstract namespace); without that variable nothing is sent.
 */
final class SystemdNotify {
    private static final Logger LOG = Logger.getLogger(SystemdNotify.class.getName());
    private static final int AF_UNIX = 1;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 02000000;

    private SystemdNotify() {
    }

    /** {@code struct sockaddr_un}. */
    public static final class SockaddrUn extends Structure {
        public short sun_family = AF_UNIX;
        public byte[] sun_path = new byte[108];

        @Override
        protected List<String> getFieldOrder() {
            return List.of("sun_family", "sun_path");
        }
    }

    private interface LibC extends Library {
        int socket(int domain, int type, int protocol);

        long sendto(int fd, byte[] buf, long len, int flags, SockaddrUn to, int tolen);

        int close(int fd);
    }

    /** Sends {@code state} (lines of {@code KEY=value}) to {@code $NOTIFY_SOCKET}; false where none is set or sending failed. */
    static boolean send(String state) {
        return send(System.getenv("NOTIFY_SOCKET"), state);
    }

    static boolean send(String socket, String state) {
        if (socket == null || socket.isEmpty()) {
            return false;
        }
        byte[] path = socket.getBytes(StandardCharsets.UTF_8);
        if (path.length >= 108 || (path[0] != '/' && path[0] != '@')) {
            LOG.warning("NOTIFY_SOCKET is not a socket address: " + socket);
            return false;
        }
        SockaddrUn to = new SockaddrUn();
        System.arraycopy(path, 0, to.sun_path, 0, path.length);
        if (path[0] == '@') {
            to.sun_path[0] = 0; // the abstract namespace; its name's length is in the address length
        }
        int length = 2 + path.length + (path[0] == '@' ? 0 : 1);
        LibC c = Native.load("c", LibC.class);
        int fd = c.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            LOG.warning("sd_notify: no socket (errno " + Native.getLastError() + ")");
            return false;
        }
        try {
            byte[] b = state.getBytes(StandardCharsets.UTF_8);
            if (c.sendto(fd, b, b.length, 0, to, length) != b.length) {
                LOG.warning("sd_notify to " + socket + " failed (errno " + Native.getLastError() + ")");
                return false;
            }
            return true;
        } finally {
            c.close(fd);
        }
    }
}
