package org.zos.guest.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import java.util.regex.Pattern;
import org.zos.guest.agent.GuestAgent.GuestError;

/**
 * The anima's shared application windows: each app is one program on a virtual display of its own (Xvfb
 * {@code :N}) with its own VNC server (x11vnc on 127.0.0.1:5900+N, shared, no password: only this agent
 * connects to it, for the streams the host opens) and a window manager that maximizes every window without
 * decorations ({@link #WM_CONFIG}), so a viewer sees just the program's window. An app ends when its program
 * exits, or on app-stop.
 */
final class Apps {
    private static final Logger LOG = Logger.getLogger(Apps.class.getName());
    static final int FIRST_DISPLAY = 10;
    static final int MAX_APPS = 16;
    /** The window manager's configuration for an app's display: every window maximized, no decorations. */
    static final String WM_CONFIG = "/opt/zos/share/app-openbox.xml";
    private static final Pattern SIZE = Pattern.compile("([1-9][0-9]{2,3})x([1-9][0-9]{2,3})");

    /** One running app. */
    private static final class App {
        final int id;
        final int display;
        final List<String> argv;
        final String size;
        final Process xvfb;
        final Process program;
        Process vnc;
        Process wm;
        int viewers;

        App(int id, int display, List<String> argv, String size, Process xvfb, Process program) {
            this.id = id;
            this.display = display;
            this.argv = argv;
            this.size = size;
            this.xvfb = xvfb;
            this.program = program;
        }
    }

    private final Map<Integer, App> apps = new TreeMap<>();
    private final Map<Socket, Integer> viewerSockets = new java.util.HashMap<>();

    /** app-run {"argv":[…],"size":"WxH"}, app-list, app-stop {"app":ID}: the fields to add to the answer. */
    ObjectNode run(String op, JsonNode request) throws GuestError, IOException, InterruptedException {
        ObjectNode out = GuestAgent.JSON.createObjectNode();
        switch (op) {
            case "app-run" -> out.set("app", describe(start(request)));
            case "app-list" -> {
                ArrayNode list = out.putArray("apps");
                synchronized (this) {
                    reap();
                    for (App a : apps.values()) {
                        list.add(describe(a));
                    }
                }
            }
            case "app-notice" -> {
                // A line across the top of the app's window for a few seconds, seen by every viewer.
                int display;
                synchronized (this) {
                    App a = apps.get(request.path("app").asInt(-1));
                    if (a == null) {
                        throw new GuestError("no app " + request.path("app").asText("?") + " runs");
                    }
                    display = a.display;
                }
                String text = request.path("text").asText("").replaceAll("[^\\x20-\\x7e]", "");
                ProcessBuilder pb = new ProcessBuilder("xterm", "-class", "ZosNotice", "-geometry", (text.length() + 4) + "x1+0+0",
                        "-bg", "#ebcb8b", "-fg", "black", "-e", "sh", "-c", "printf '  %s' \"$0\"; sleep 4", text)
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
                pb.environment().put("DISPLAY", ":" + display);
                pb.start();
                out.put("shown", text);
            }
            case "app-stop" -> {
                App a;
                synchronized (this) {
                    a = apps.remove(request.path("app").asInt(-1));
                }
                if (a == null) {
                    throw new GuestError("no app " + request.path("app").asText("?") + " runs; see 'zos-vm app list'");
                }
                stop(a);
                out.set("app", describe(a));
            }
            default -> throw new GuestError("unknown request '" + op + "'");
        }
        return out;
    }

    /** The VNC port of a running app. */
    synchronized int vncPort(int id) throws GuestError {
        reap();
        App a = apps.get(id);
        if (a == null) {
            throw new GuestError("no app " + id + " runs");
        }
        return 5900 + a.display;
    }

    synchronized void viewerJoined(Socket s) {
        int port = s.getPort();
        for (App a : apps.values()) {
            if (5900 + a.display == port) {
                a.viewers++;
                viewerSockets.put(s, a.id);
            }
        }
    }

    synchronized void viewerLeft(Socket s) {
        Integer id = viewerSockets.remove(s);
        App a = id == null ? null : apps.get(id);
        if (a != null) {
            a.viewers--;
        }
    }

    private App start(JsonNode request) throws GuestError, IOException, InterruptedException {
        List<String> argv = new ArrayList<>();
        request.path("argv").forEach(n -> argv.add(n.asText()));
        if (argv.isEmpty() || argv.get(0).isBlank()) {
            throw new GuestError("app-run needs a program");
        }
        String program = argv.get(0);
        if (!program.contains("/") && which(program) == null) {
            throw new GuestError("no program '" + program + "' in the anima");
        }
        String size = request.path("size").asText("1024x768");
        if (!SIZE.matcher(size).matches()) {
            throw new GuestError("size '" + size + "' is not WIDTHxHEIGHT (e.g. 1024x768)");
        }
        int free;
        synchronized (this) {
            reap();
            if (apps.size() >= MAX_APPS) {
                throw new GuestError("already " + MAX_APPS + " apps run; stop one first");
            }
            free = FIRST_DISPLAY;
            while (displayTaken(free)) {
                free++;
            }
        }
        final int display = free;
        final int id = display - FIRST_DISPLAY + 1;
        Process xvfb = new ProcessBuilder("Xvfb", ":" + display, "-screen", "0", size + "x24", "-nolisten", "tcp")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        Path socket = Path.of("/tmp/.X11-unix/X" + display);
        if (!waitFor(() -> Files.exists(socket), 15_000) || !xvfb.isAlive()) {
            xvfb.destroy();
            throw new GuestError("the virtual display :" + display + " did not start");
        }
        ProcessBuilder wmb = new ProcessBuilder("openbox", "--config-file", WM_CONFIG).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        wmb.environment().put("DISPLAY", ":" + display);
        Process wm = wmb.start();
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).directory(new File(System.getProperty("user.home")));
        pb.environment().put("DISPLAY", ":" + display);
        Process prog;
        try {
            prog = pb.start();
        } catch (IOException e) {
            wm.destroy();
            xvfb.destroy();
            throw new GuestError("cannot start '" + program + "': " + e.getMessage());
        }
        App app = new App(id, display, List.copyOf(argv), size, xvfb, prog);
        app.wm = wm;
        // Answer once the program shows its window (or after 20 s: some programs map none at once).
        waitFor(() -> !prog.isAlive() || windowShown(display, prog.pid()), 20_000);
        app.vnc = new ProcessBuilder("x11vnc", "-display", ":" + display, "-rfbport", String.valueOf(5900 + display),
                "-localhost", "-shared", "-forever", "-nopw", "-quiet", "-norc", "-noxrecord", "-nossl", "-noipv6")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!waitFor(() -> canConnect(5900 + display), 15_000)) {
            stop(app);
            throw new GuestError("the VNC server of display :" + display + " did not start");
        }
        synchronized (this) {
            apps.put(id, app);
        }
        LOG.info("app " + id + " runs " + argv + " on :" + display);
        return app;
    }

    private boolean displayTaken(int display) {
        for (App a : apps.values()) {
            if (a.display == display) {
                return true;
            }
        }
        return Files.exists(Path.of("/tmp/.X11-unix/X" + display));
    }

    /** Drops apps whose program ended, stopping their display and VNC server. */
    private void reap() {
        apps.values().removeIf(a -> {
            if (a.program.isAlive()) {
                return false;
            }
            stop(a);
            return true;
        });
    }

    private static void stop(App a) {
        for (Process p : new Process[] {a.program, a.vnc, a.wm, a.xvfb}) {
            if (p != null) {
                p.descendants().forEach(ProcessHandle::destroy);
                p.destroy();
            }
        }
        for (Process p : new Process[] {a.program, a.vnc, a.wm, a.xvfb}) {
            try {
                if (p != null && !p.waitFor(3, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static ObjectNode describe(App a) {
        ObjectNode n = GuestAgent.JSON.createObjectNode();
        n.put("id", a.id).put("program", String.join(" ", a.argv)).put("size", a.size).put("display", ":" + a.display)
                .put("viewers", a.viewers).put("running", a.program.isAlive());
        return n;
    }

    private static String which(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, program))) {
                return dir + "/" + program;
            }
        }
        return null;
    }

    private static boolean windowShown(int display, long pid) {
        try {
            ProcessBuilder pb = new ProcessBuilder("xdotool", "search", "--onlyvisible", "--pid", String.valueOf(pid))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
            pb.environment().put("DISPLAY", ":" + display);
            Process p = pb.start();
            return p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    private static boolean canConnect(int port) {
        try (Socket s = new Socket(java.net.InetAddress.getLoopbackAddress(), port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private interface Check {
        boolean ok();
    }

    private static boolean waitFor(Check check, long millis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        while (System.currentTimeMillis() < deadline) {
            if (check.ok()) {
                return true;
            }
            Thread.sleep(100);
        }
        return check.ok();
    }
}
