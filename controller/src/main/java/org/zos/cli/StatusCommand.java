package org.zos.cli;

import java.io.PrintWriter;
import java.util.List;
import org.zos.agent.anima.AnimaRegistry;
import org.zos.agent.anima.AnimaStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code zos-vm status}: the animas on this host, as a table or as JSON. */
@Command(name = "status", description = "Show the animas on this host and their state.")
final class StatusCommand extends HostCommand {
    @Parameters(paramLabel = "NAME", arity = "0..1", description = "only this anima")
    String name;

    @Option(names = "--json", description = "print JSON (a list of animas) instead of a table")
    boolean json;

    @Override
    void run(HostOptions.Host h, PrintWriter out) throws Exception {
        List<AnimaStatus> all = name == null ? h.animas.status() : List.of(h.animas.status(name));
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
}
