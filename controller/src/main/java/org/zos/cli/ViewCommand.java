package org.zos.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.zos.protocol.rfb.RfbClient;
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

    @Option(names = "--screenshot", paramLabel = "FILE.png", description = "save what a viewer sees now as PNG, and start no viewer")
    Path screenshot;

    @Option(names = "--record", paramLabel = "DIR", description = "stay connected as one viewer for --seconds, saving a "
            + "screenshot into DIR every --every seconds (to watch a window across moves); start no viewer")
    Path record;

    @Option(names = "--seconds", defaultValue = "60", description = "with --record: how long (default: ${DEFAULT-VALUE})")
    int seconds;

    @Option(names = "--until-file", paramLabel = "FILE", description = "with --record: stop early once FILE exists")
    Path untilFile;

    @Option(names = "--every", defaultValue = "2", description = "with --record: seconds between screenshots (default: ${DEFAULT-VALUE})")
    int every;

    @Option(names = "--latency", paramLabel = "N", description = "type N characters one by one and print the time from each "
            + "key to the screen's change (then erase them); start no viewer")
    int latency;

    @Option(names = "--type", paramLabel = "TEXT", description = "type TEXT into the window as a viewer would ('\\n': Return), and start no viewer")
    String type;

    @Override
    void run(HostOptions.Agent agent, PrintWriter out) throws Exception {
        Map<String, String> options = new HashMap<>(Map.of("view-only", String.valueOf(viewOnly), "port", String.valueOf(port)));
        if (app != null) {
            options.put("app", String.valueOf(app));
        }
        String endpoint = agent.act("view", name, options).note();
        out.printf("%s of anima '%s'%s: vnc://%s%n", app == null ? "The screen" : "App " + app, name,
                viewOnly ? " (view only)" : "", endpoint);
        if (record != null) {
            record(endpoint, out);
            return;
        }
        if (latency > 0) {
            latency(endpoint, out);
            return;
        }
        if (type != null || screenshot != null) {
            try (RfbClient c = connect(endpoint)) {
                c.update(false);
                if (type != null) {
                    c.type(type.replace("\\n", "\n"));
                    out.println("Typed " + type.length() + " characters.");
                    Thread.sleep(500);
                    c.update(false);
                }
                if (screenshot != null) {
                    c.savePng(screenshot);
                    out.printf("Saved a %dx%d screenshot to %s%n", c.width(), c.height(), screenshot);
                }
            }
            return;
        }
        String viewer = noViewer || System.getenv("DISPLAY") == null ? null : viewer();
        if (viewer != null) {
            String hostPort = endpoint.replace(":", "::");
            new ProcessBuilder(viewer, hostPort).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            out.println("Started " + viewer + ".");
        } else {
            out.println("Connect any VNC viewer to it, e.g. vncviewer " + endpoint.replace(":", "::"));
        }
    }

    /** A viewer of the endpoint, or a clear error when the agent let it go at once. */
    private RfbClient connect(String endpoint) throws java.io.IOException {
        int at = endpoint.lastIndexOf(':');
        try {
            return RfbClient.connect(endpoint.substring(0, at), Integer.parseInt(endpoint.substring(at + 1)), 60_000);
        } catch (java.io.EOFException e) {
            throw new org.zos.protocol.ZosException(org.zos.protocol.ErrorCode.HOST_UNREACHABLE, "the view of anima '" + name
                    + "' closed at once: the agent could not reach the anima's " + (app == null ? "screen" : "app " + app),
                    "is it running (zos-vm status " + name + ", zos-vm app list " + name + ")? the agent's log says why");
        }
    }

    /** Keystroke to screen, {@link #latency} times: min, median, 90th percentile, max. */
    private void latency(String endpoint, PrintWriter out) throws Exception {
        long[] ms = new long[latency];
        try (RfbClient c = connect(endpoint)) {
            c.update(false);
            for (int i = 0; i < latency; i++) {
                long ns = c.keyToScreen('a' + i % 26, 10_000);
                if (ns < 0) {
                    throw new org.zos.protocol.ZosException(org.zos.protocol.ErrorCode.INTERNAL, "key " + (i + 1)
                            + " changed nothing on the screen within 10 s", "is the app a program that shows what is typed?");
                }
                ms[i] = ns / 1_000_000;
            }
            for (int i = 0; i < latency; i++) {
                c.key(0xff08); // BackSpace
            }
        }
        java.util.Arrays.sort(ms);
        out.printf("keystroke to screen, %d keys: min %d ms, median %d ms, p90 %d ms, max %d ms%n", latency, ms[0],
                ms[latency / 2], ms[Math.min(latency - 1, latency * 9 / 10)], ms[latency - 1]);
    }

    /** One viewer connection kept for {@link #seconds}, a screenshot every {@link #every} seconds. */
    private void record(String endpoint, PrintWriter out) throws Exception {
        java.nio.file.Files.createDirectories(record);
        long t0 = System.nanoTime();
        int shots = 0;
        try (RfbClient c = connect(endpoint)) {
            c.update(false);
            long next = 0;
            while (true) {
                long ms = (System.nanoTime() - t0) / 1_000_000;
                if (ms >= next) {
                    Path f = record.resolve(String.format(java.util.Locale.ROOT, "shot-%04d.png", ms / 1000));
                    c.savePng(f);
                    shots++;
                    out.printf("%6.1f s  %s  (%d updates)%n", ms / 1000.0, f.getFileName(), c.updates());
                    out.flush();
                    next += every * 1000L;
                }
                if (ms >= seconds * 1000L || (untilFile != null && java.nio.file.Files.exists(untilFile))) {
                    break;
                }
                c.poll((int) Math.max(1, Math.min(Math.min(next, seconds * 1000L) - ms, 1000)));
            }
            String kept = String.format(java.util.Locale.ROOT, "one viewer connection for %.0f s: %d updates, %d screenshots in %s",
                    (System.nanoTime() - t0) / 1e9, c.updates(), shots, record);
            out.println(kept);
            java.nio.file.Files.writeString(record.resolve("record.log"), kept + "\n");
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
