package org.zos.cli;

import java.net.DatagramSocket;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import org.zos.agent.daemon.ZosAgent;
import picocli.CommandLine;

/** A zos-agent in this JVM on free loopback ports, with its own configuration and state directories. */
final class TestAgent implements AutoCloseable {
    final Path configDir;
    final Path socket;
    final int port;
    private final ZosAgent agent;
    private final Thread thread;

    private TestAgent(Path configDir, Path socket, int port, ZosAgent agent, Thread thread) {
        this.configDir = configDir;
        this.socket = socket;
        this.port = port;
        this.agent = agent;
        this.thread = thread;
    }

    static TestAgent start(Path configDir, Path stateDir, String libvirtUri) throws Exception {
        return start(configDir, stateDir, libvirtUri, "testhost");
    }

    /** As {@link #start(Path, Path, String)}, the agent's host named {@code name}. */
    static TestAgent start(Path configDir, Path stateDir, String libvirtUri, String name) throws Exception {
        int tcp;
        int udp;
        try (ServerSocket s = new ServerSocket(0); DatagramSocket d = new DatagramSocket(0)) {
            tcp = s.getLocalPort();
            udp = d.getLocalPort();
        }
        ZosAgent agent = new ZosAgent();
        String[] args = {"--config-dir", configDir.toString(), "--state-dir", stateDir.toString(), "--name", name,
            "--socket", configDir.resolve("zos-sock").toString(), "--bind", "127.0.0.1", "--port", Integer.toString(tcp), "--zap-port", Integer.toString(udp), "-c", libvirtUri, "--no-warm-up", "--no-console"};
        Thread t = new Thread(() -> new CommandLine(agent).execute(args), "test-agent");
        t.setDaemon(true);
        t.start();
        return new TestAgent(configDir, configDir.resolve("zos-sock"), agent.awaitStarted(Duration.ofSeconds(30)), agent, t);
    }

    /** The options that point a zos-vm command at this agent: its socket, as for a user of the host. */
    String[] options() {
        return new String[] {"--config-dir=" + configDir, "--socket=" + socket};
    }

    /** The options that point a zos-vm command at this agent over TLS, as root with the host's key. */
    String[] tlsOptions() {
        return new String[] {"--config-dir=" + configDir, "--agent-port=" + port};
    }

    @Override
    public void close() throws InterruptedException {
        agent.stop();
        thread.join(10_000);
    }
}
