package org.zos.cli;

import java.io.PrintWriter;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code zos-vm shutdown}: powers a running anima off. */
@Command(name = "shutdown", description = "Power a running anima off (its disk stays; its memory is lost).")
final class ShutdownCommand extends AnimaCommand {
    @Option(names = "--timeout", defaultValue = "30", paramLabel = "SECONDS",
            description = "how long to wait for the guest before stopping it hard (default: ${DEFAULT-VALUE})")
    int timeoutSeconds;

    @Override
    void run(HostOptions.Agent agent, PrintWriter out) {
        boolean clean = agent.act("shutdown", name, Map.of("timeout-s", String.valueOf(timeoutSeconds))).note().equals("clean");
        out.printf(clean ? "Anima '%s' is shut off.%n" : "Anima '%s' did not power off in time and was stopped hard.%n",
                name);
    }
}
