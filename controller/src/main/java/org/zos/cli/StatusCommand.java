package org.zos.cli;

import java.io.PrintWriter;
import java.util.List;
import org.zos.agent.anima.AnimaRegistry;
import org.zos.agent.anima.AnimaStatus;
import java.time.Duration;
import org.zos.agent.daemon.ZosAgent;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.protocol.message.StatusQuery;
import org.zos.protocol.message.StatusReport;
import org.zos.protocol.net.Peer;
import org.zos.protocol.net.ZosServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code zos-vm status}: the animas on this host, as a table or as JSON. */
@Command(name = "status", description = "Show the animas on this host and their state; for NAME held elsewhere, ask the hosts this one knows.")
final class StatusCommand extends HostCommand {
    @Parameters(paramLabel = "NAME", arity = "0..1", description = "only this anima")
    String name;

    @Option(names = "--json", description = "print JSON (a list of animas) instead of a table")
    boolean json;

    @Option(names = "--agent-port", paramLabel = "PORT", description = "this host's zos-agent, asked about animas held elsewhere (default: 7470)")
    int agentPort = ZosServer.DEFAULT_PORT;

    @Mixin
    ConfigOptions config;

    @Override
    void run(HostOptions.Host h, PrintWriter out) throws Exception {
        List<AnimaStatus> all;
        try {
            all = name == null ? h.animas.status() : List.of(h.animas.status(name));
        } catch (ZosException e) {
            if (e.code() != ErrorCode.ANIMA_NOT_FOUND || name == null) {
                throw e;
            }
            elsewhere(out, e);
            return;
        }
        if (json) {
            out.println(AnimaRegistry.JSON.writeValueAsString(all));
            return;
        }
        if (all.isEmpty()) {
            out.println("No animas on this host. Create one with: zos-vm init");
            return;
        }
        String fmt = "%-16s %-10s %8s %5s %-5s %-10s %-10s %s%n";
        out.printf(fmt, "NAME", "STATE", "MEMORY", "VCPUS", "ACCEL", "HEARTBEAT", "SAVED", "VNC");
        for (AnimaStatus s : all) {
            out.printf(fmt, s.name(), s.state(), s.memoryMiB() + " MiB", s.vcpus(), s.accelerator(),
                    s.heartbeat() == null ? "-" : "n=" + s.heartbeat().count(),
                    s.stateBytes() == null ? "-" : Sizes.bytes(s.stateBytes()), s.vnc() == null ? "-" : s.vnc());
        }
    }

    /** An anima this host does not hold: its agent asks the hosts it knows (location transparency). */
    private void elsewhere(PrintWriter out, ZosException notHere) throws Exception {
        StatusReport r;
        try (Peer agent = Peer.connectLocal(config.identity(), agentPort, System.getProperty("user.name"), ZosAgent.SOFTWARE,
                Duration.ofSeconds(15))) {
            r = (StatusReport) agent.request(new StatusQuery(name, 2), Duration.ofSeconds(30));
        } catch (ZosException e) {
            if (e.code() == ErrorCode.HOST_UNREACHABLE) {
                throw new ZosException(notHere.code(), notHere.getMessage(), "no zos-agent runs on this host to ask the others; "
                        + notHere.hint());
            }
            throw e;
        }
        if (json) {
            out.println(AnimaRegistry.JSON.writeValueAsString(r.animas()));
            return;
        }
        String fmt = "%-16s %-12s %-14s %-14s%n";
        out.printf(fmt, "NAME", "STATE", "HOME", "RUNS ON");
        for (StatusReport.Anima a : r.animas()) {
            out.printf(fmt, a.name(), a.state(), a.home(), a.location());
        }
    }
}
