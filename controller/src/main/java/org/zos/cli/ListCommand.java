package org.zos.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.Set;
import org.zos.protocol.message.StatusReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code zos-vm list [--all]}: the animas of this host as {@code virsh list} shows domains. */
@Command(name = "list", description = "List this host's animas as 'virsh list' lists domains: those that run (here or away), "
        + "or all with --all.")
final class ListCommand extends HostCommand {
    /** States in which an anima runs somewhere: listed without --all. */
    static final Set<String> RUNNING = Set.of("running", "paused", "away", "blocked", "in shutdown", "pmsuspended");

    @Option(names = "--all", description = "also the animas that do not run (shut off, suspended)")
    boolean all;

    @Mixin
    JsonOption json;

    record Row(String name, String state, String runsOn, String home) {
    }

    @Override
    void run(HostOptions.Agent agent, PrintWriter out) throws Exception {
        List<Row> rows = agent.status(null).stream().filter(a -> all || RUNNING.contains(a.state()))
                .map(ListCommand::row).toList();
        if (json.printed(out, rows)) {
            return;
        }
        String fmt = " %-16s %-12s %-12s %s%n";
        String head = String.format(fmt, "Name", "State", "Runs on", "Home");
        out.print(head);
        out.println("-".repeat(head.strip().length() + 2));
        for (Row r : rows) {
            out.printf(fmt, r.name(), r.state(), r.runsOn(), r.home());
        }
    }

    private static Row row(StatusReport.Anima a) {
        String here = a.location() == null ? "-" : a.location();
        return new Row(a.name(), a.state(), here, a.home() == null ? here : a.home());
    }
}
