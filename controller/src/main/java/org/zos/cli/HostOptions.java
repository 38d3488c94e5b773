package org.zos.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.zos.agent.daemon.ZosAgent;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.protocol.message.ActionDone;
import org.zos.protocol.message.AnimaAction;
import org.zos.protocol.message.Progress;
import org.zos.protocol.message.StatusQuery;
import org.zos.protocol.message.StatusReport;
import org.zos.protocol.net.Peer;
import org.zos.protocol.net.LocalServer;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * How a command reaches this host's zos-agent, which owns its libvirt connection and its animas: on the
 * agent's UNIX socket, where the kernel tells the agent who is calling (members of group zos and root
 * may), or, with {@code --agent-port}, over TLS on the loopback address, proving this host's own
 * identity (from the config directory, so as root). Where animas are kept and which libvirtd is used are
 * the agent's options, not the command's.
 */
final class HostOptions {
    /** Silence allowed from the agent while an action runs; progress messages restart it. */
    static final Duration IDLE = Duration.ofSeconds(120);

    @Option(names = "--socket", paramLabel = "PATH",
            description = "this host's zos-agent's socket (default: $ZOS_SOCKET or /run/zos/zos-sock)")
    Path socket = defaultSocket();

    @Option(names = "--agent-port", paramLabel = "PORT",
            description = "reach this host's zos-agent over TLS on this port instead of its socket (as root; default: $ZOS_AGENT_PORT)")
    Integer agentPort = System.getenv("ZOS_AGENT_PORT") == null ? null : Integer.valueOf(System.getenv("ZOS_AGENT_PORT"));

    @Mixin
    ConfigOptions config;

    /** An open connection to this host's agent, for one command. */
    static final class Agent implements AutoCloseable {
        private final Peer peer;

        Agent(Peer peer) {
            this.peer = peer;
        }

        /** This host's name, as its identity says. */
        String host() {
            return peer.hello().host();
        }

        ActionDone act(String action, String anima, Map<String, String> options, Consumer<Progress> progress) {
            return (ActionDone) peer.request(new AnimaAction(action, anima, options), IDLE, progress);
        }

        ActionDone act(String action, String anima, Map<String, String> options) {
            return act(action, anima, options, p -> { });
        }

        /** Every anima here ({@code name} null), or the one named, wherever it is (asked up to two hops away). */
        List<StatusReport.Anima> status(String name) {
            return ((StatusReport) peer.request(new StatusQuery(name, name == null ? 0 : 2), IDLE)).animas();
        }

        @Override
        public void close() {
            peer.close();
        }
    }

    /**
     * Runs a move ({@code dominate}, {@code return}) so that Ctrl-C cancels it: on SIGINT a second
     * connection asks the agent to cancel, and the command waits for the move to end (the anima then runs
     * where it ran before) before it exits.
     */
    ActionDone cancellable(Agent agent, String action, String anima, Map<String, String> options, Consumer<Progress> progress,
            java.io.PrintWriter err) {
        java.util.concurrent.CountDownLatch ended = new java.util.concurrent.CountDownLatch(1);
        Thread hook = new Thread(() -> {
            err.println();
            err.println("cancelling the " + action + " of '" + anima + "' (the anima stays where it ran)...");
            try (Agent other = open()) {
                other.act("cancel", anima, Map.of());
                ended.await(120, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception e) {
                err.println("error: could not cancel: " + e.getMessage());
            }
        }, "cancel-on-interrupt");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return agent.act(action, anima, options, progress);
        } finally {
            ended.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // interrupted: the hook runs and reports
            }
        }
    }

    Agent open() throws java.io.IOException {
        String user = System.getProperty("user.name");
        Duration timeout = Duration.ofSeconds(15);
        if (agentPort != null) {
            try {
                return new Agent(Peer.connectLocal(config.identity(), agentPort, user, ZosAgent.SOFTWARE, timeout));
            } catch (ZosException e) {
                throw e.code() == ErrorCode.HOST_UNREACHABLE ? notRunning("127.0.0.1:" + agentPort) : e;
            }
        }
        if (!Files.exists(socket)) {
            throw notRunning(socket.toString());
        }
        if (!Files.isReadable(socket) || !Files.isWritable(socket)) {
            throw new ZosException(ErrorCode.DENIED, "permission denied on " + socket + " (user " + user + ")",
                    "run as root, or join group zos: 'sudo adduser " + user + " zos', then log in again");
        }
        try {
            return new Agent(Peer.connectSocket(socket, user, ZosAgent.SOFTWARE, timeout));
        } catch (ZosException e) {
            throw e.code() == ErrorCode.HOST_UNREACHABLE ? notRunning(socket.toString()) : e;
        }
    }

    /** The agent's socket unless {@code --socket} names another: $ZOS_SOCKET, else the system's. */
    static Path defaultSocket() {
        return Path.of(envOr("ZOS_SOCKET", LocalServer.DEFAULT_SOCKET.toString()));
    }

    private static ZosException notRunning(String where) {
        return new ZosException(ErrorCode.HOST_UNREACHABLE, "no zos-agent answers on this host (" + where + ")",
                "start it with 'systemctl start zos-agent' (or 'zos-agent &'; scripts/start-agent does either), "
                        + "or give --socket or --agent-port");
    }

    static String envOr(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }
}
