package org.zos.protocol.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.protocol.message.Ping;
import org.zos.protocol.message.Pong;
import org.zos.protocol.tls.HostIdentity;

/**
 * The agent's local socket on a real UNIX socket: who the kernel says is calling, as root and as another
 * user (a child JVM run as {@code nobody} by setpriv), the socket's mode and group, and a stale socket
 * left by a dead agent. Needs root.
 */
class LocalSocketIT {
    static final Duration T = Duration.ofSeconds(10);
    @TempDir
    Path tmp;
    HostIdentity me = HostIdentity.generate("host1");
    List<String> callers = new CopyOnWriteArrayList<>();
    LocalServer server;
    Path socket;

    @BeforeEach
    void start() throws Exception {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        socket = tmp.resolve("run/zos-sock");
        server = LocalServer.start(me, socket, "nogroup", "zos test", (caller, m, progress) -> {
            callers.add(caller.host().name() + "/" + caller.user() + "/" + (caller.local() ? "local" : "remote"));
            return new Pong(((Ping) m).nanos());
        });
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void rootIsAnsweredAsThisHostAndMayActForAnyUser() {
        try (Peer p = Peer.connectSocket(socket, "root", "zos test", T)) {
            assertEquals("host1", p.hello().host());
            assertEquals(new Pong(7), p.request(new Ping(7), T));
        }
        try (Peer p = Peer.connectSocket(socket, "alice", "zos test", T)) {
            p.request(new Ping(8), T);
        }
        assertEquals(List.of("host1/root/local", "host1/alice/local"), callers);
    }

    @Test
    void socketIsOpenToItsGroupOnlyAndGoneAfterClose() throws Exception {
        assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
        assertEquals("nogroup", Files.readAttributes(socket, java.nio.file.attribute.PosixFileAttributes.class).group().getName());
        assertEquals("group nogroup (0660)", server.access());
        try (var files = Files.list(socket.getParent())) {
            assertEquals(List.of(socket), files.toList(), "no temporary socket is left beside it");
        }
        server.close();
        assertFalse(Files.exists(socket));
    }

    @Test
    void anotherUserIsNamedByTheKernelNotByItsHello() throws Exception {
        assertEquals("ok nobody", asNobody("nobody"));
        assertEquals(ErrorCode.DENIED.name() + " the local caller runs as nobody but speaks for user 'root'", asNobody("root"));
        assertEquals(List.of("host1/nobody/local"), callers, "the refused hello never reached the responder");
    }

    @Test
    void aSecondServerOnALiveSocketIsRefusedAndAStaleOneReplaced() throws Exception {
        ZosException busy = org.junit.jupiter.api.Assertions.assertThrows(ZosException.class,
                () -> LocalServer.start(me, socket, "nogroup", "zos test", (c, m, p) -> m));
        assertEquals(ErrorCode.BUSY, busy.code());
        try (Peer p = Peer.connectSocket(socket, "root", "zos test", T)) {
            p.request(new Ping(1), T); // the first one still answers
        }
        // A socket file without a listener, as a killed agent leaves it.
        Path stale = tmp.resolve("stale-sock");
        try (var c = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            c.bind(java.net.UnixDomainSocketAddress.of(stale));
        }
        assertTrue(Files.exists(stale));
        try (LocalServer again = LocalServer.start(me, stale, "nogroup", "zos test", (c, m, p) -> new Pong(2));
                Peer p = Peer.connectSocket(stale, "root", "zos test", T)) {
            assertEquals(new Pong(2), p.request(new Ping(2), T));
        }
        Path file = Files.writeString(tmp.resolve("not-a-socket"), "x");
        ZosException bad = org.junit.jupiter.api.Assertions.assertThrows(ZosException.class,
                () -> LocalServer.start(me, file, "nogroup", "zos test", (c, m, p) -> m));
        assertEquals(ErrorCode.BAD_PARAMETER, bad.code());
        assertEquals("x", Files.readString(file), "a file that is not a socket is left alone");
    }

    /** Runs {@link Client} as user nobody, group nogroup; its one line of output. */
    private String asNobody(String claimed) throws Exception {
        Path cp = Files.createDirectories(tmp.resolve("cp"));
        List<String> entries = new ArrayList<>();
        // A copy of the class path where nobody may read it: the Maven repository and a checkout may be private.
        for (String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path from = Path.of(e);
            Path to = cp.resolve(entries.size() + "-" + from.getFileName());
            if (Files.isDirectory(from)) {
                try (var tree = Files.walk(from)) {
                    for (Path f : (Iterable<Path>) tree::iterator) {
                        Path t = to.resolve(from.relativize(f).toString());
                        if (Files.isDirectory(f)) {
                            Files.createDirectories(t);
                        } else {
                            Files.copy(f, t, StandardCopyOption.REPLACE_EXISTING);
                        }
                    }
                }
            } else if (Files.isRegularFile(from)) {
                Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
            } else {
                continue;
            }
            entries.add(to.toString());
        }
        try (var tree = Files.walk(cp)) {
            for (Path f : (Iterable<Path>) tree::iterator) {
                Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(Files.isDirectory(f) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
        String jvm = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", jvm,
                "-cp", String.join(java.io.File.pathSeparator, entries), Client.class.getName(), socket.toString(), claimed)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
        String[] lines = out.split("\n");
        return lines[lines.length - 1];
    }

    /** The other user's side: pings the socket as {@code args[1]}, prints "ok USER" or "CODE message". */
    public static final class Client {
        public static void main(String[] args) {
            try (Peer p = Peer.connectSocket(Path.of(args[0]), args[1], "zos test", T)) {
                p.request(new Ping(1), T);
                System.out.println("ok " + System.getProperty("user.name"));
            } catch (ZosException e) {
                System.out.println(e.code().name() + " " + e.getMessage());
            }
        }
    }
}
