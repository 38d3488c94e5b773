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
import org.zos.guest.GuestImageBuilder;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code zos-vm demo}: the main job on the local cluster, end to end: bring host1 and host2 up, create
 * an anima on host1, write a note into its guest, dominate host2, return, and print what each move cost
 * and that the guest went on where it was. {@code --local} runs the one-host demo instead.
 */
@Command(name = "demo", description = "The main job on the local cluster: create an anima on host1, dominate host2, "
        + "return, and print the figures (--local: suspend and resume on this host).")
final class ClusterDemo implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Option(names = "--local", description = "the one-host demo: create, boot, suspend and resume an anima through this host's agent")
    boolean local;

    @Option(names = "--memory", split = ",", converter = Sizes.class,
            description = "guest memory (default: 256M on the cluster; 128M,512M with --local)")
    List<Long> memories;

    @Option(names = "--bandwidth", paramLabel = "RATE", description = "shape the cluster's links, e.g. 100mbit (default: unshaped)")
    String bandwidth;

    @Option(names = "--keep", description = "leave the cluster (or the --local animas) up afterwards")
    boolean keep;

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
        long memory = memories == null ? 256 : memories.get(0);
        Cluster cluster = new Cluster(s -> out.println("  " + s));
        Path guest = new GuestImageBuilder(Path.of(HostOptions.envOr("ZOS_GUEST_CACHE", "/var/cache/zos/guest")))
                .build().kernel().getParent();
        out.println("bringing up the local cluster (host1, host2)");
        cluster.up(2, bandwidth, ClusterCommand.ownJar(), guest);
        try {
            out.printf("creating anima 'work' on host1 (%d MiB memory) and booting it%n", memory);
            cluster.zos("host1", "init", "--name", "work", "--memory", memory + "M", "--disk-size", "256M");
            cluster.zos("host1", "start", "work");
            JsonNode before = heartbeat(cluster, "host1", 2);
            cluster.zos("host1", "guest", "work", "write", "note", "written-on-host1");
            List<Row> rows = new ArrayList<>();

            out.println("zos-vm dominate host2   (on host1)");
            rows.add(move(cluster, "dominate host2", "host1", "dominate", "host2", "work"));
            JsonNode there = heartbeat(cluster, "host2", before.path("heartbeatCount").asLong() + 1);
            same(before, there, "host2");
            check(cluster.zos("host2", "guest", "work", "read", "note"), "data written-on-host1");
            cluster.zos("host2", "guest", "work", "write", "note2", "written-on-host2");

            out.println("zos-vm return           (on host1)");
            rows.add(move(cluster, "return", "host1", "return", "work"));
            JsonNode home = heartbeat(cluster, "host1", there.path("heartbeatCount").asLong() + 1);
            same(before, home, "host1");
            check(cluster.zos("host1", "guest", "work", "read", "note2"), "data written-on-host2");
            boolean clean = cluster.run("host2", "sh", "-c", "ls /var/lib/zos/animas 2>/dev/null").out().isBlank();

            out.println();
            out.println("zos demo: anima 'work' (" + memory + " MiB, default guest) from host1 to host2 and back, link "
                    + (bandwidth == null ? "unshaped" : bandwidth));
            String fmt = "%-16s %8s  %s%n";
            out.printf(fmt, "MOVE", "TIME", "WHAT IT COST (the agent's own figures)");
            for (Row r : rows) {
                out.printf(Locale.ROOT, fmt, r.move(), String.format(Locale.ROOT, "%.1f s", r.seconds()), r.note());
            }
            out.printf("continuity: heartbeat n=%d on host1 -> n=%d on host2 -> n=%d at home, one boot; notes written on "
                    + "each host read back on the other%n", before.path("heartbeatCount").asLong(),
                    there.path("heartbeatCount").asLong(), home.path("heartbeatCount").asLong());
            out.println("host2 after the return: " + (clean ? "no files of the anima, its store key destroyed" : "FILES LEFT"));
            out.println("Try it yourself: zos-vm demo --keep, then zos-vm cluster exec host1 zos-vm status");
        } finally {
            if (!keep) {
                cluster.down();
            }
        }
        return 0;
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
