package org.zos.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code zos-vm view NAME [APP]}: a VNC endpoint on this host's loopback for the anima's screen or one of
 * its apps, wherever the anima runs; it stays the same while the anima moves. Starts a VNC viewer on it
 * when this host has a display and a viewer program.
 */
@Command(name = "view", description = "Show the anima's screen, or one of its apps, here: a local VNC endpoint that follows the anima.")
final class ViewCommand extends HostCommand {
    private static final String[] VIEWERS = {"vncviewer", "gvncviewer", "xtightvncviewer", "remmina"};

    @Parameters(index = "0", paramLabel = "NAME", description = "the anima")
    String name;

    @Parameters(index = "1", arity = "0..1", paramLabel = "APP", description = "the app's id (see 'zos-vm app list'); none: the whole screen")
    Integer app;

    @Option(names = "--view-only", description = "watch only: this viewer's keys and pointer never reach the anima")
    boolean viewOnly;

    @Option(names = "--port", paramLabel = "PORT", description = "the local port of the endpoint (default: any free port)")
    int port;

    @Option(names = "--no-viewer", description = "only print the endpoint; start no viewer program")
    boolean noViewer;

    @Override
    void run(HostOptions.Agent agent, PrintWriter out) throws Exception {
        Map<String, String> options = new HashMap<>(Map.of("view-only", String.valueOf(viewOnly), "port", String.valueOf(port)));
        if (app != null) {
            options.put("app", String.valueOf(app));
        }
        String endpoint = agent.act("view", name, options).note();
        out.printf("%s of anima '%s'%s: vnc://%s%n", app == null ? "The screen" : "App " + app, name,
                viewOnly ? " (view only)" : "", endpoint);
        String viewer = noViewer || System.getenv("DISPLAY") == null ? null : viewer();
        if (viewer != null) {
            String hostPort = endpoint.replace(":", "::");
            new ProcessBuilder(viewer, hostPort).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            out.println("Started " + viewer + ".");
        } else {
            out.println("Connect any VNC viewer to it, e.g. vncviewer " + endpoint.replace(":", "::"));
        }
    }

    private static String viewer() {
        for (String v : VIEWERS) {
            for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
                if (Files.isExecutable(Path.of(dir, v))) {
                    return v;
                }
            }
        }
        return null;
    }
}
