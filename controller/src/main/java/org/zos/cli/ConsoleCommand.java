package org.zos.cli;

import java.io.PrintWriter;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code zos-vm console}: a login link to this host's web console, good once for five minutes, and the
 * fingerprint of the console's self-signed certificate to check it against; opens the link when a browser
 * is at hand.
 */
@Command(name = "console", description = "Print a one-time login link to this host's web console (and open it in a browser).")
final class ConsoleCommand extends HostCommand {
    @Option(names = "--address", paramLabel = "ADDRESS",
            description = "the address the browser reaches this host's console at (default: 127.0.0.1)")
    String address = "127.0.0.1";

    @Option(names = "--no-browser", description = "only print the link")
    boolean noBrowser;

    @Override
    void run(HostOptions.Agent agent, PrintWriter out) {
        String[] answer = agent.act("console-login", "console", Map.of("address", address)).note().split(" ", 2);
        out.printf("Log in to the zos console of this host (the link works once, for 5 minutes):%n  %s%n"
                + "The console's certificate is its own, not signed by anybody: accept it only if the browser shows%n"
                + "this SHA-256 fingerprint:%n  %s%n", answer[0], answer.length > 1 ? answer[1] : "?");
        out.flush();
        if (!noBrowser && (System.getenv("DISPLAY") != null || System.getenv("WAYLAND_DISPLAY") != null)) {
            try {
                new ProcessBuilder("xdg-open", answer[0]).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            } catch (java.io.IOException e) {
                // no xdg-open: the link is printed
            }
        }
    }
}
