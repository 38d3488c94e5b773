package org.zos.agent.hypervisor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;

/**
 * A QMP monitor of QEMU's own, beside libvirt's (QEMU's {@code -qmp unix:PATH,server=on,wait=off}): while
 * libvirt receives a domain by migration it takes no other job on it, so not even its pass-through of QMP
 * commands, and what zos must set on the receiving QEMU then goes here. One command per connection:
 * the greeting, {@code qmp_capabilities}, the command, each answer read up to its {@code return} (events
 * in between are skipped).
 */
public final class QemuMonitor {
    private static final ObjectMapper JSON = new ObjectMapper();

    private QemuMonitor() {
    }

    /** The QMP command that turns migration capability {@code capability} on or off. */
    static String setCapability(String capability, boolean on) {
        return JSON.createObjectNode().put("execute", "migrate-set-capabilities").set("arguments", JSON.createObjectNode()
                .set("capabilities", JSON.createArrayNode().add(JSON.createObjectNode().put("capability", capability).put("state", on))))
                .toString();
    }

    /** Turns migration capability {@code capability} of the QEMU whose monitor listens at {@code socket} on or off. */
    public static void setCapability(Path socket, String capability, boolean on, Duration timeout) throws IOException {
        execute(socket, setCapability(capability, on), timeout);
    }

    /**
     * Whether the QEMU whose monitor listens at {@code socket} runs its main loop: the monitor answers a
     * command within {@code timeout}. QMP dispatches commands there only (not in the polls QEMU makes while
     * it starts), so an answer means its machine was made and reset.
     */
    public static boolean answers(Path socket, Duration timeout) {
        try {
            execute(socket, "{\"execute\":\"query-status\"}", timeout);
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Runs one QMP command on the monitor at {@code socket}; its answer's {@code return}. */
    static JsonNode execute(Path socket, String command, Duration timeout) throws IOException {
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            // A UNIX channel has no read timeout: a watchdog closes it instead.
            Thread watchdog = new Thread(() -> {
                try {
                    Thread.sleep(timeout.toMillis());
                    ch.close();
                } catch (InterruptedException | IOException e) {
                    // done in time
                }
            }, "zos-qmp-watchdog");
            watchdog.setDaemon(true);
            watchdog.start();
            try {
                BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(ch), StandardCharsets.UTF_8));
                OutputStream out = Channels.newOutputStream(ch);
                answer(in, "QMP"); // the greeting
                out.write("{\"execute\":\"qmp_capabilities\"}\n".getBytes(StandardCharsets.UTF_8));
                answer(in, "return");
                out.write((command + "\n").getBytes(StandardCharsets.UTF_8));
                return requireReturn(answer(in, "return", "error"), command);
            } catch (java.nio.channels.ClosedChannelException e) {
                throw new SocketTimeoutException("QEMU's monitor at " + socket + " did not answer within " + timeout.toMillis() + " ms");
            } finally {
                watchdog.interrupt();
            }
        }
    }

    /** The next line of {@code in} that has one of {@code keys} (QMP's events in between are skipped). */
    private static JsonNode answer(BufferedReader in, String... keys) throws IOException {
        while (true) {
            String line = in.readLine();
            if (line == null) {
                throw new java.io.EOFException("QEMU's monitor closed the connection");
            }
            JsonNode n = JSON.readTree(line);
            for (String k : keys) {
                if (n.has(k)) {
                    return n;
                }
            }
        }
    }

    /** QMP's answer {@code answer} to {@code command}: its {@code return}, or INTERNAL naming QEMU's error. */
    static JsonNode requireReturn(String answer, String command) {
        try {
            return requireReturn(JSON.readTree(answer), command);
        } catch (IOException e) {
            throw new ZosException(ErrorCode.INTERNAL, "QEMU answered " + command + " with " + answer, "see libvirtd's log");
        }
    }

    private static JsonNode requireReturn(JsonNode answer, String command) {
        if (answer == null || !answer.has("return")) {
            String why = answer != null && answer.has("error") ? answer.get("error").path("desc").asText() : String.valueOf(answer);
            throw new ZosException(ErrorCode.INTERNAL, "QEMU refused " + command + ": " + why, "see libvirtd's log");
        }
        return answer.get("return");
    }
}
