package org.zos.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A LAN of network namespaces for tests: a bridge in this namespace (address .1) and one namespace per
 * host (address .10 + i), each running its own zos-agent. Traffic stays on the bridge. Needs root.
 */
final class NetnsLan implements AutoCloseable {
    final String prefix;
    final String subnet;
    final String bridge;
    private final List<String> namespaces = new ArrayList<>();
    private final List<Process> agents = new ArrayList<>();

    NetnsLan() throws Exception {
        int n = new Random().nextInt(200) + 20;
        prefix = "z" + Integer.toString(new Random().nextInt(1 << 20), 36);
        subnet = "10.77." + n;
        bridge = prefix + "br";
        sh("ip", "link", "add", bridge, "type", "bridge");
        // Docker sets the FORWARD policy to DROP, and bridged frames pass through iptables: let this bridge's through.
        sh("iptables", "-I", "FORWARD", "-i", bridge, "-o", bridge, "-j", "ACCEPT");
        sh("ip", "addr", "add", subnet + ".1/24", "brd", subnet + ".255", "dev", bridge);
        sh("ip", "link", "set", bridge, "up");
    }

    String address(int host) {
        return subnet + "." + (10 + host);
    }

    String broadcast() {
        return subnet + ".255";
    }

    /** Adds namespace {@code host} with its address on the bridge. */
    String addHost(int host) throws Exception {
        String ns = prefix + "h" + host;
        String veth = prefix + "v" + host;
        sh("ip", "netns", "add", ns);
        namespaces.add(ns);
        sh("ip", "link", "add", veth, "type", "veth", "peer", "name", veth + "p");
        sh("ip", "link", "set", veth, "master", bridge);
        sh("ip", "link", "set", veth, "up");
        sh("ip", "link", "set", veth + "p", "netns", ns);
        sh("ip", "netns", "exec", ns, "ip", "addr", "add", address(host) + "/24", "brd", broadcast(), "dev", veth + "p");
        sh("ip", "netns", "exec", ns, "ip", "link", "set", veth + "p", "up");
        sh("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up");
        return ns;
    }

    /** Starts zos-agent in a namespace (null: this one), with extra options; returns once it listens. */
    Process startAgent(String ns, Path configDir, Path stateDir, String name, Path log, String... more) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(ns == null ? List.of() : List.of("ip", "netns", "exec", ns));
        cmd.addAll(List.of(java, "-cp", System.getProperty("java.class.path"), "org.zos.agent.daemon.ZosAgent",
                "--config-dir", configDir.toString(), "--state-dir", stateDir.toString(), "--socket", stateDir.resolve("zos-sock").toString(), "--name", name,
                "--no-warm-up", "--no-console"));
        cmd.addAll(List.of(more));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        agents.add(p);
        long end = System.currentTimeMillis() + 30_000;
        while (System.currentTimeMillis() < end) {
            if (Files.exists(log) && Files.readString(log).contains("listening on")) {
                return p;
            }
            if (!p.isAlive()) {
                throw new IllegalStateException("zos-agent " + name + " died: " + Files.readString(log));
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("zos-agent " + name + " did not start: " + Files.readString(log));
    }

    static String sh(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
        return out;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        for (Process p : agents) {
            p.destroy();
            p.waitFor();
        }
        for (String ns : namespaces) {
            new ProcessBuilder("ip", "netns", "del", ns).start().waitFor();
        }
        new ProcessBuilder("ip", "link", "del", bridge).start().waitFor();
        new ProcessBuilder("iptables", "-D", "FORWARD", "-i", bridge, "-o", bridge, "-j", "ACCEPT").start().waitFor();
    }
}
