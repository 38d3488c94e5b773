package org.zos.agent.hypervisor;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The monitor of QEMU's own, against a QMP server on a UNIX socket that answers as QEMU 7.2 does (or not at all). */
class QemuMonitorTest {
    @TempDir
    Path dir;

    /** Serves one connection: the greeting, then, if {@code answering}, a return for each command. */
    private Thread serve(Path socket, boolean answering) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        Thread t = new Thread(() -> {
            try (server; SocketChannel c = server.accept()) {
                BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(c), StandardCharsets.UTF_8));
                OutputStream out = Channels.newOutputStream(c);
                out.write("{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}}, \"capabilities\": []}}\r\n"
                        .getBytes(StandardCharsets.UTF_8));
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    if (answering) {
                        out.write((line.contains("query-status") ? "{\"return\": {\"status\": \"inmigrate\", \"running\": false}}\r\n"
                                : "{\"return\": {}}\r\n").getBytes(StandardCharsets.UTF_8));
                    }
                }
            } catch (IOException e) {
                // the client went
            }
        });
        t.setDaemon(true);
        t.start();
        return t;
    }

    @Test
    void aQemuThatRunsAnswers() throws Exception {
        Path socket = dir.resolve("qmp");
        serve(socket, true);
        assertTrue(QemuMonitor.answers(socket, Duration.ofSeconds(5)));
    }

    /** A QEMU still starting greets (its monitor's own thread) but dispatches no command before its main loop runs. */
    @Test
    void aQemuThatGreetsButDispatchesNothingYetDoesNotAnswer() throws Exception {
        Path socket = dir.resolve("qmp");
        serve(socket, false);
        long t0 = System.nanoTime();
        assertFalse(QemuMonitor.answers(socket, Duration.ofMillis(300)));
        assertTrue(System.nanoTime() - t0 < 5_000_000_000L, "within about the timeout");
    }

    @Test
    void noQemuDoesNotAnswer() {
        assertFalse(QemuMonitor.answers(dir.resolve("none"), Duration.ofSeconds(1)));
    }
}
