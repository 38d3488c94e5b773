package org.zos.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.zos.guest.GuestImageBuilder;

/** One anima of the default guest on a local test cluster, and the steps the cluster tests take with it. */
final class ClusterAnima {
    static final ObjectMapper JSON = new ObjectMapper();

    final Cluster cluster;
    final String name;

    ClusterAnima(Cluster cluster, String name) {
        this.cluster = cluster;
        this.name = name;
    }

    /** Brings up a cluster of {@code hosts} hosts running this build, with the default guest. */
    static Cluster cluster(int hosts) throws Exception {
        return cluster(hosts, java.util.Map.of());
    }

    /** As {@link #cluster(int)}, with more environment variables for every host. */
    static Cluster cluster(int hosts, java.util.Map<String, String> env) throws Exception {
        return cluster(hosts, env, false);
    }

    /** As {@link #cluster(int, java.util.Map)}; with {@code desktop}, the hosts can create desktop animas too. */
    static Cluster cluster(int hosts, java.util.Map<String, String> env, boolean desktop) throws Exception {
        DesktopCluster.release(); // its hosts have the same names
        Cluster cluster = new Cluster(System.out::println, new TestcontainersHosts());
        GuestImageBuilder guests = new GuestImageBuilder(Path.of(System.getenv().getOrDefault("ZOS_GUEST_CACHE", "/var/cache/zos/guest")));
        Path guest = guests.build().kernel().getParent();
        Path desktopGuest = desktop ? guests.build(org.zos.guest.GuestImage.Kind.DESKTOP).kernel().getParent() : null;
        cluster.up(hosts, null, Path.of("target/zos-vm.jar"), guest, desktopGuest, env);
        return cluster;
    }

    /** Removes the cluster unless ZOS_KEEP_CLUSTER is set (to look at it after a failure). */
    static void down(Cluster cluster) {
        if (cluster != null && System.getenv("ZOS_KEEP_CLUSTER") == null) {
            cluster.down();
        }
    }

    /** Creates and boots the anima on {@code host}; returns its first heartbeat. */
    JsonNode create(String host, String memory, String disk) throws Exception {
        zos(host, "init", "--name", name, "--memory", memory, "--disk-size", disk);
        zos(host, "start", name);
        return heartbeat(host, 1);
    }

    /** Runs zos-vm on a host; it must succeed. */
    String zos(String host, String... args) {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "zos-vm";
        System.arraycopy(args, 0, cmd, 1, args.length);
        HostRuntime.Result r = cluster.run(host, cmd);
        assertEquals(0, r.status(), String.join(" ", cmd) + " on " + host + ": " + r);
        return r.out();
    }

    /** The anima's status object as {@code host} reports it. */
    JsonNode status(String host) {
        try {
            return JSON.readTree(zos(host, "status", "--json", name)).get(0);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * Waits until the anima runs on {@code host} with a heartbeat of at least {@code n} (meanwhile the
     * host's agent may be starting again after a fault).
     */
    JsonNode heartbeat(String host, long n) throws Exception {
        long deadline = System.nanoTime() + 120_000_000_000L;
        Object last = null;
        while (System.nanoTime() < deadline) {
            HostRuntime.Result r = cluster.run(host, "zos-vm", "status", "--json", name);
            last = r;
            if (r.ok()) {
                JsonNode s = JSON.readTree(r.out()).get(0);
                last = s;
                if (s.path("state").asText().equals("running") && s.path("heartbeatCount").asLong() >= n) {
                    return s;
                }
            }
            Thread.sleep(250);
        }
        throw new AssertionError("no heartbeat " + n + " on " + host + ": " + last);
    }

    /**
     * Asserts that the anima runs on {@code host} as the same boot as {@code before}, its guest counting
     * on from there, and that the note it keeps on its data disk reads back as {@code note}; returns the
     * new status.
     */
    JsonNode goesOn(String host, JsonNode before, String note) throws Exception {
        JsonNode now = heartbeat(host, before.path("heartbeatCount").asLong() + 1);
        assertEquals(before.path("heartbeatBoot").asText(), now.path("heartbeatBoot").asText(), "the same boot goes on");
        assertEquals("data " + note, zos(host, "guest", name, "read", "marker").strip(), "its data disk is intact");
        return now;
    }

    /** Asserts that {@code host} holds nothing of the anima: no files, no domain. */
    void noTrace(String host) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        String files = "";
        String domains = "";
        while (System.nanoTime() < deadline) {
            files = cluster.exec(host, "sh", "-c", "ls /var/lib/zos/animas 2>/dev/null || true").strip();
            domains = cluster.exec(host, "virsh", "list", "--all", "--name").strip();
            if (files.isEmpty() && domains.isEmpty()) {
                return;
            }
            Thread.sleep(250);
        }
        throw new AssertionError(host + " still holds anima files [" + files + "] or domains [" + domains + "]");
    }

    /** The marker scan: no file on {@code host} (outside /proc, /sys, /dev and zos's own /opt) holds {@code text}. */
    static void noFileHolds(Cluster cluster, String host, String text) {
        HostRuntime.Result scan = cluster.run(host, "grep", "-rl", "--exclude-dir=proc", "--exclude-dir=sys",
                "--exclude-dir=dev", "--exclude-dir=opt", text, "/");
        assertEquals(1, scan.status(), "no file on " + host + " holds " + text + ": " + scan.out());
    }

    /** The bytes a move reports it sent: "... (12345 bytes) ...". */
    static long sent(String out) {
        Matcher m = Pattern.compile("\\((\\d+) bytes\\)").matcher(out);
        assertTrue(m.find(), out);
        return Long.parseLong(m.group(1));
    }
}
