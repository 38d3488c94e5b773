package org.zos.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.zos.cluster.Cluster;
import java.nio.file.Files;
import org.zos.guest.GuestImage;
import org.zos.guest.GuestImageBuilder;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code zos-vm demo}: the main job on the local cluster, end to end: bring host1 and host2 up, create a
 * desktop anima on host1, open one of its windows (an xterm) from host1 and host2 at once, type into it
 * from both, dominate host2 and return with both viewers kept open, and print what each move cost, that
 * the program went on where it was, and where the viewers' screenshots are. {@code --local} runs the
 * one-host suspend/resume demo instead.
 */
@Command(name = "demo", description = "The main job on the local cluster: a desktop anima on host1, one window viewed "
        + "from host1 and host2, dominate host2, return, and the figures (--local: suspend and resume on this host).")
final class ClusterDemo implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Option(names = "--local", description = "the one-host demo: create, boot, suspend and resume an anima through this host's agent")
    boolean local;

    @Option(names = "--memory", split = ",", converter = Sizes.class,
            description = "guest memory (default: 1G for the desktop on the cluster; 128M,512M with --local)")
    List<Long> memories;

    @Option(names = "--bandwidth", paramLabel = "RATE", description = "shape the cluster's links, e.g. 100mbit (default: unshaped)")
    String bandwidth;

    @Option(names = "--keep", description = "leave the cluster (or the --local animas) up afterwards")
    boolean keep;

    @Option(names = "--screens", paramLabel = "DIR", defaultValue = "zos-demo-screens",
            description = "where the viewers' screenshots go (default: ${DEFAULT-VALUE})")
    Path screens;

    @Mixin
    HostOptions host;

    record Row(String move, double seconds, String note) {
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (local) {
            try (HostOptions.Agent agent = host.open()) {
                new DemoCommand(memories == null ? List.of(128L, 512L) : memories, keep).run(agent, out);
            }
            return 0;
        }
        long memory = memories == null ? 1024 : memories.get(0);
        Cluster cluster = new Cluster(s -> out.println("  " + s));
        GuestImageBuilder guests = new GuestImageBuilder(Path.of(HostOptions.envOr("ZOS_GUEST_CACHE", "/var/cache/zos/guest")));
        out.println("building the guests and the hosts' image if needed (a few minutes the first time, then cached)");
        // The hosts' image and the guests are built side by side: on a fresh machine both wait on downloads.
        java.util.concurrent.CompletableFuture<String> image = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return cluster.image();
            } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
        Path mini = guests.build().kernel().getParent();
        Path desktop = guests.build(GuestImage.Kind.DESKTOP).kernel().getParent();
        try {
            image.join();
        } catch (java.util.concurrent.CompletionException e) {
            throw e.getCause() instanceof Exception x ? x : e;
        }
        out.println("bringing up the local cluster (host1, host2)");
        cluster.up(2, bandwidth, ClusterCommand.ownJar(), mini, desktop, java.util.Map.of());
        Files.createDirectories(screens);
        List<Thread> viewers = new ArrayList<>();
        try {
            out.printf("creating the desktop anima 'work' on host1 (%d MiB memory) and booting it%n", memory);
            cluster.zos("host1", "init", "--name", "work", "--guest", "desktop", "--memory", memory + "M");
            long t0 = System.nanoTime();
            cluster.zos("host1", "start", "work");
            JsonNode before = heartbeat(cluster, "host1", 1);
            awaitAgent(cluster, "host1");
            double boot = (System.nanoTime() - t0) / 1e9;
            out.printf("  booted to its desktop and guest agent in %.0f s%n", boot);

            out.println("zos-vm app run work -- xterm           (on host1)");
            cluster.zos("host1", "app", "run", "work", "--", "xterm", "-fa", "Monospace", "-fs", "11");
            out.println("zos-vm view work 1                     (on host1 and on host2: one viewer each, kept open)");
            for (String h : List.of("host1", "host2")) {
                Thread t = new Thread(() -> cluster.zos(h, "view", "work", "1", "--record", "/tmp/zos-demo", "--seconds", "900",
                        "--every", "1", "--until-file", "/tmp/zos-demo.stop"), "demo-viewer-" + h);
                t.setDaemon(true);
                t.start();
                viewers.add(t);
            }
            for (String h : List.of("host1", "host2")) { // each viewer has shown the window once
                long until = System.nanoTime() + 60_000_000_000L;
                while (!cluster.run(h, "sh", "-c", "ls /tmp/zos-demo/shot-*.png").ok() && System.nanoTime() < until) {
                    Thread.sleep(500);
                }
            }
            type(cluster, "host1", "echo typed on host1 before the move > /data/typed; cat /data/typed\n");
            shoot(cluster, "before");
            List<Row> rows = new ArrayList<>();

            out.println("zos-vm dominate host2 work             (on host1)");
            rows.add(move(cluster, "dominate host2", "host1", "dominate", "host2", "work"));
            JsonNode there = heartbeat(cluster, "host2", before.path("heartbeatCount").asLong() + 1);
            same(before, there, "host2");
            type(cluster, "host2", "echo typed on host2 while it runs there >> /data/typed; cat /data/typed\n");
            check(cluster.zos("host2", "guest", "work", "read", "typed"), "data typed on host1 before the move");
            shoot(cluster, "on-host2");

            out.println("zos-vm return work                     (on host1)");
            rows.add(move(cluster, "return", "host1", "return", "work"));
            JsonNode home = heartbeat(cluster, "host1", there.path("heartbeatCount").asLong() + 1);
            same(before, home, "host1");
            type(cluster, "host1", "echo typed at home again >> /data/typed; cat /data/typed\n");
            shoot(cluster, "after");
            boolean clean = cluster.run("host2", "sh", "-c", "ls /var/lib/zos/animas 2>/dev/null").out().isBlank();
            String clock = clockSkew(cluster, "host1");
            for (String h : List.of("host1", "host2")) {
                cluster.exec(h, "touch", "/tmp/zos-demo.stop");
            }
            for (Thread t : viewers) {
                t.join(30_000);
            }
            String kept1 = cluster.exec("host1", "sh", "-c", "tail -n1 /tmp/zos-demo/record.log 2>/dev/null || true");

            out.println();
            out.println("zos demo: the desktop anima 'work' (" + memory + " MiB) from host1 to host2 and back, link "
                    + (bandwidth == null ? "unshaped" : bandwidth) + "; boot " + String.format(Locale.ROOT, "%.0f s", boot));
            String fmt = "%-16s %8s  %s%n";
            out.printf(fmt, "MOVE", "TIME", "WHAT IT COST (the agent's own figures)");
            for (Row r : rows) {
                out.printf(Locale.ROOT, fmt, r.move(), String.format(Locale.ROOT, "%.1f s", r.seconds()), r.note());
            }
            out.printf("continuity: heartbeat n=%d on host1 -> n=%d on host2 -> n=%d at home, one boot; the xterm's lines "
                    + "typed on each host are in the program%n", before.path("heartbeatCount").asLong(),
                    there.path("heartbeatCount").asLong(), home.path("heartbeatCount").asLong());
            out.println("viewers: one VNC connection each on host1 and host2 stayed open through both moves (host1's: "
                    + kept1.strip() + ")");
            out.println("guest clock after the moves: " + clock);
            out.println("host2 after the return: " + (clean ? "no files of the anima, its store key destroyed" : "FILES LEFT"));
            out.println("screenshots (each viewer, before / on host2 / after): " + screens.toAbsolutePath());
            out.println("Try it yourself: zos-vm demo --keep, then zos-vm cluster exec host2 zos-vm view work 1 --screenshot /tmp/s.png");
        } finally {
            if (!keep) {
                cluster.down();
            }
        }
        return 0;
    }

    /** Waits until the guest agent answers (the desktop guest needs about a minute under TCG). */
    private static void awaitAgent(Cluster cluster, String host) throws InterruptedException {
        long deadline = System.nanoTime() + 240_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (cluster.run(host, "zos-vm", "guest", "work", "ping").out().startsWith("pong")) {
                return;
            }
            Thread.sleep(1000);
        }
        throw new ZosException(ErrorCode.INTERNAL, "the guest agent of 'work' did not answer within 240 s", "");
    }

    /** Types a line into app 1 as a viewer on {@code host} would. */
    private static void type(Cluster cluster, String host, String text) throws InterruptedException {
        cluster.zos(host, "view", "work", "1", "--type", text);
        Thread.sleep(1500);
    }

    /** Saves what each host's kept-open viewer shows now, as screens/HOST-LABEL.png. */
    private void shoot(Cluster cluster, String label) throws Exception {
        Thread.sleep(1500); // the viewers save a screenshot a second
        for (String h : List.of("host1", "host2")) {
            String b64 = cluster.exec(h, "sh", "-c", "f=$(ls /tmp/zos-demo/shot-*.png | tail -n1); base64 -w0 \"$f\"");
            Files.write(screens.resolve(h + "-" + label + ".png"), java.util.Base64.getDecoder().decode(b64.strip()));
        }
    }

    /** How far the guest's clock is from its host's, by qemu-guest-agent. */
    private static String clockSkew(Cluster cluster, String host) {
        String out = cluster.run(host, "sh", "-c", "virsh -q domtime work | awk '{print $2}'; date +%s").out().strip();
        String[] v = out.split("\\s+");
        if (v.length < 2) {
            return "unknown (" + out + ")";
        }
        long d = Long.parseLong(v[0]) - Long.parseLong(v[1]);
        return "within " + Math.abs(d) + " s of its host (set after each restore)";
    }

    private static Row move(Cluster cluster, String label, String host, String... args) {
        long t0 = System.nanoTime();
        String out = cluster.zos(host, args);
        double secs = (System.nanoTime() - t0) / 1e9;
        String note = out.contains(": ") ? out.substring(out.indexOf(": ") + 2, out.indexOf('\n')).replaceAll("\\.$", "") : out;
        return new Row(label, secs, note);
    }

    private static JsonNode heartbeat(Cluster cluster, String host, long n) throws Exception {
        long deadline = System.nanoTime() + 180_000_000_000L;
        while (System.nanoTime() < deadline) {
            JsonNode s = JSON.readTree(cluster.zos(host, "status", "--json", "work")).get(0);
            if (s.path("state").asText().equals("running") && s.path("heartbeatCount").asLong() >= n) {
                return s;
            }
            Thread.sleep(250);
        }
        throw new ZosException(ErrorCode.INTERNAL, "anima 'work' showed no heartbeat n>=" + n + " on " + host, "");
    }

    private static void same(JsonNode a, JsonNode b, String host) {
        if (!a.path("heartbeatBoot").asText().equals(b.path("heartbeatBoot").asText())) {
            throw new ZosException(ErrorCode.INTEGRITY_ERROR, "the guest booted afresh on " + host + " instead of going on", "");
        }
    }

    private static void check(String got, String expected) {
        if (!got.strip().equals(expected)) {
            throw new ZosException(ErrorCode.INTEGRITY_ERROR, "the guest answered '" + got.strip() + "', not '" + expected + "'", "");
        }
    }
}
