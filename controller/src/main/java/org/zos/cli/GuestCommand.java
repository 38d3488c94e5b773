package org.zos.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code zos-vm guest NAME REQUEST…}: one request to the default guest's agent channel (ping, write FILE
 * TEXT, read FILE, …), for trying and testing the default guest.
 */
@Command(name = "guest", description = "Send one request to the default guest's agent (e.g. 'ping', 'write note hello', 'read note').")
final class GuestCommand extends HostCommand {
    @Parameters(index = "0", paramLabel = "NAME", description = "the anima")
    String name;

    @Parameters(index = "1..*", paramLabel = "REQUEST", arity = "1..*", description = "the request, words joined by spaces")
    List<String> request;

    @picocli.CommandLine.Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "5",
            description = "how long to wait for the answer (default: ${DEFAULT-VALUE})")
    int timeoutSeconds;

    @Override
    void run(HostOptions.Agent agent, PrintWriter out) {
        out.println(agent.act("guest", name, Map.of("line", String.join(" ", request), "timeout-s", String.valueOf(timeoutSeconds))).note());
    }
}
