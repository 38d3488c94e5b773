package org.zos.cli;

import java.io.PrintWriter;
import java.util.List;
import org.zos.protocol.message.StatusReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code zos-vm status}: the animas this host's agent holds, as a table or as JSON; an anima named but
 * held elsewhere is looked up by the agent on the hosts it knows (location transparency).
 */
@Command(name = "status", description = "Show the animas on this host and their state; for NAME held elsewhere, ask the hosts this one knows.")
final class StatusCommand extends HostCommand {
    @Parameters(paramLabel = "NAME", arity = "0..1", description = "only this anima")
    String name;

    @Mixin
    JsonOption json;

    @Override
    void run(HostOptions.Agent agent, PrintWriter out) throws Exception {
        List<StatusReport.Anima> all = agent.status(name);
        if (json.printed(out, all)) {
            return;
        }
        if (all.isEmpty()) {
            out.println("No animas on this host. Create one with: zos-vm init");
            return;
        }
        String fmt = "%-16s %-10s %-10s %8s %5s %-5s %-10s %-10s %s%n";
        out.printf(fmt, "NAME", "STATE", "RUNS ON", "MEMORY", "VCPUS", "ACCEL", "HEARTBEAT", "SAVED", "VNC");
        for (StatusReport.Anima s : all) {
            out.printf(fmt, s.name(), s.state(), s.location(), s.memoryMiB() == null ? "-" : s.memoryMiB() + " MiB",
                    s.vcpus() == null ? "-" : s.vcpus(), or(s.accelerator()),
                    s.heartbeatCount() == null ? "-" : "n=" + s.heartbeatCount(),
                    s.savedBytes() == null ? "-" : Sizes.bytes(s.savedBytes()), or(s.vnc()));
        }
        for (StatusReport.Anima s : all) {
            if (s.moving() != null) {
                out.printf("%s is moving %s%n", s.name(), s.moving());
            }
            if (s.lent() != null) {
                out.printf("%s is lent to %s (partial domination)%n", s.name(), s.lent());
            }
            if (s.folders() != null) {
                out.printf("%s shares folders: %s%n", s.name(), s.folders());
            }
        }
    }

    private static String or(String s) {
        return s == null ? "-" : s;
    }
}
