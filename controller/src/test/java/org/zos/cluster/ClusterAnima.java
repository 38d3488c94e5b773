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
    static void down(Cluster cluster, String label) {
        if (cluster == null) {
            return;
        }
        keepLogs(cluster, label);
        if (System.getenv("ZOS_KEEP_CLUSTER") == null) {
            cluster.down();
        }
    }

    /**
     * Keeps, for whoever reads a failure, each host's agent log, the end of each anima's console log (the
     * guest's heartbeat and kernel messages) and of each domain's QEMU log (why a migration's incoming side
     * gave up) in target/cluster-logs, named LABEL-HOST-….
     */
    static void keepLogs(Cluster cluster, String label) {
        try {
            java.nio.file.Path logs = java.nio.file.Files.createDirectories(java.nio.file.Path.of("target/cluster-logs"));
            for (String h : cluster.running()) {
                java.nio.file.Files.writeString(logs.resolve(label + "-" + h + "-agent.log"),
                        cluster.run(h, "cat", "/var/log/zos/agent.log").out());
                java.nio.file.Files.writeString(logs.resolve(label + "-" + h + "-consoles.log"), cluster.run(h, "sh", "-c",
                        "for f in /var/lib/zos/animas/*/console.log; do [ -f \"$f\" ] && echo \"== $f\" && tail -c 20000 \"$f\"; done; true").out());
                java.nio.file.Files.writeString(logs.resolve(label + "-" + h + "-qemu.log"), cluster.run(h, "sh", "-c",
                        "for f in /var/log/libvirt/qemu/*.log; do [ -f \"$f\" ] && echo \"== $f\" && tail -c 20000 \"$f\"; done; true").out());
            }
        } catch (java.io.IOException e) {
            System.err.println("could not keep the cluster's logs: " + e);
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
        if (r.status() != 0 && args.length > 1 && args[0].equals("guest") && args[1].equals(name)) {
            // a guest that stopped answering: say what it and its QEMU are doing (as for a missing heartbeat)
            assertEquals(0, r.status(), String.join(" ", cmd) + " on " + host + ": " + r + "\n" + whyNoHeartbeat(host));
        }
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
        throw new AssertionError("no heartbeat " + n + " on " + host + ": " + last + "\n" + whyNoHeartbeat(host));
    }

    /**
     * What a reader of a missing heartbeat needs: the console log's end, QEMU's view of the serial port, the
     * CPU, its local APIC and the disk, whether the guest answers (twice, to see its clock go on), and what
     * every guest task waits for (SysRq t, asked by key, printed by the kernel on the console).
     */
    String whyNoHeartbeat(String host) {
        String dir = "/var/lib/zos/animas/" + name;
        String hmp = " virsh qemu-monitor-command " + name + " --hmp ";
        String sysrq = " virsh send-key " + name + " KEY_LEFTALT KEY_SYSRQ ";
        return cluster.run(host, "sh", "-c", "ls -la " + dir + "; echo '-- console.log, last 600 bytes:'; tail -c 600 " + dir
                + "/console.log; echo; echo '-- the first oops of the guest kernel, if any:'; grep -a -m1 -A24"
                + " -E 'BUG:|Oops|general protection|Kernel panic' " + dir + "/console.log;"
                + " echo '-- chardevs:';" + hmp + "'info chardev';" + hmp + "'info status';"
                + " virsh dumpxml " + name + " | grep -A4 '<serial'; echo '-- CPU:';" + hmp + "'info registers' | head -8;"
                + hmp + "'info lapic';" + hmp + "'info block';"
                // the channel's device and its queues (a notification lost across a migration shows as indices that disagree)
                + " echo '-- virtio-serial:'; vs=$(" + hmp + "'info virtio' | awk '/virtio-serial/ {print $1; exit}');"
                + " [ -n \"$vs\" ] && " + hmp + "\"info virtio-status $vs\" | head -12 && for q in 0 1 2 3 4 5; do"
                + hmp + "\"info virtio-queue-status $vs $q\"; done;"
                + " virsh qemu-monitor-command " + name + " '{\"execute\":\"query-block-jobs\"}';"
                + " echo '-- the guest:'; timeout 20 zos-vm guest " + name + " ping 2>&1; sleep 3; timeout 20 zos-vm guest " + name + " ping 2>&1;"
                + " size=$(stat -c %s " + dir + "/console.log);" + sysrq + "KEY_9;" + sysrq + "KEY_W;" + sysrq + "KEY_T; sleep 5;"
                + " echo '-- the console after SysRq w, t (user tasks):'; tail -c +$((size+1)) " + dir + "/console.log"
                + " | awk '/ task:/ { keep = ($0 !~ /ppid:2 /) } /sysrq:/ { keep = 1 } /Sched Debug/ { exit } keep' | tail -c 30000;"
                // why a domain is no longer running (libvirt's reason; QEMU's own last words), and what each agent did
                + " echo '-- the domain:'; virsh domstate --reason " + name + "; echo '-- its QEMU log, last lines:';"
                + " grep -v '^[A-Z_]*=\\|^-\\|^/usr' /var/log/libvirt/qemu/" + name + ".log | tail -n 15; true").out()
                + agentLogs();
    }

    /** The last lines of every running host's agent log, for a failure's message (CI keeps no files). */
    String agentLogs() {
        StringBuilder b = new StringBuilder();
        for (String h : cluster.running()) {
            b.append("\n-- ").append(h).append("'s agent log, last 60 lines:\n").append(cluster.run(h, "tail", "-n", "60", "/var/log/zos/agent.log").out());
        }
        return b.toString();
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
