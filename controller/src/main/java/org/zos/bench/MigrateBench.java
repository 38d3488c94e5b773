package org.zos.bench;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.zos.cluster.Cluster;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;

/**
 * {@code zos-vm bench migrate}: zos's dominate and return against what a user would do instead, on the
 * local cluster with a shaped link, in one run.
 *
 * <p>Workload (fixed): a guest with 512 MiB of memory whose 512 MiB data disk holds a copy of Debian's
 * /usr/lib/x86_64-linux-gnu and /usr/share (about 225 MiB of shared libraries and text), read once so it
 * sits in the guest's page cache. Scenario: dominate host2; the guest writes 20 MiB of new file data;
 * return; another 20 MiB; dominate host2 again. Baselines, each with a second anima set up the same way:
 * (a) virsh save, a plain copy (tar | nc) of the anima's directory (state file, disk, kernel, initrd),
 * virsh restore;
 * (b) virsh migrate --live --copy-storage-all between the two hosts' libvirtds.
 *
 * <p>Bytes on the wire are the eth0 transmit counters of both hosts (everything either sent, TLS and
 * TCP included); times are wall-clock times of the commands, as a user would see them; the downtime of
 * a zos move is the agent's own (from suspend to running on the other host), of (a) the whole of it,
 * of (b) libvirt's report.
 */
public final class MigrateBench {
    static final String SEED = "/var/tmp/zos-bench-seed";
    private final PrintWriter out;
    private final Cluster cluster;
    private boolean desktop;
    /** Whether a stage scenario runs too (see {@link #staging}). */
    private boolean stage;

    /** One move's figures. */
    record Move(String name, double seconds, double downSeconds, long wireBytes) {
    }

    public MigrateBench(PrintWriter out) {
        this.out = out;
        this.cluster = new Cluster(s -> out.println("  " + s));
    }

    /**
     * Adds a scenario on an anima of its own: {@code zos-vm stage host2} while it runs, the guest writes
     * 20 MiB, then {@code dominate host2 --suspend}: what a stage ahead saves the domination.
     */
    public MigrateBench staging(boolean on) {
        stage = on;
        return this;
    }

    public void run(String bandwidth, Path jar, Path guest, boolean keep) throws Exception {
        run(bandwidth, jar, guest, null, keep, List.of(false, true));
    }

    /**
     * As {@link #run(String, Path, Path, boolean)}; with {@code desktopGuest}, the workload is the desktop
     * anima instead: 1 GiB of memory, booted to its desktop with an xterm app open, its 8 GiB disk (about
     * 900 MB of a Debian system) sent whole on the first move. {@code paths} lists the zos scenarios to
     * run, each on an anima of its own: false for the suspend-to-file path, true for the live path.
     */
    public void run(String bandwidth, Path jar, Path guest, Path desktopGuest, boolean keep, List<Boolean> paths) throws Exception {
        desktop = desktopGuest != null;
        out.println("zos bench migrate: link " + bandwidth + ", 2 hosts, " + (desktop
                ? "the desktop guest (1 GiB memory, an xterm app, a Debian 12 system on its disk)"
                : "guest 512 MiB memory, ~225 MiB of files in its page cache"));
        cluster.up(2, bandwidth, jar, guest, desktopGuest, java.util.Map.of());
        try {
            for (String h : List.of("host1", "host2")) {
                cluster.exec(h, "sh", "-c", "rm -rf " + SEED + " && mkdir -p " + SEED
                        + " && cp -a /usr/lib/x86_64-linux-gnu /usr/share " + SEED + "/");
            }
            List<List<Move>> runs = new ArrayList<>();
            for (boolean live : paths) {
                runs.add(scenario(live ? "blive" : "bench", live));
            }
            List<Move> staged = stage ? stageScenario("bstage") : List.of();
            prepare("base");
            Move a = saveCopyRestore("base");
            Move b = liveMigrate("base");
            report(paths, runs, staged, a, b, bandwidth);
        } finally {
            if (!keep) {
                cluster.down();
            }
        }
    }

    /** Dominate, churn, return, churn, dominate again (and return, not measured) on a fresh anima {@code name}. */
    private List<Move> scenario(String name, boolean live) throws InterruptedException {
        String how = live ? "--live" : "--suspend";
        String tag = live ? " (live)" : "";
        List<Move> zos = new ArrayList<>();
        prepare(name);
        zos.add(zosMove("dominate host2" + tag, "host1", "dominate", how, "host2", name));
        churn("host2", name);
        zos.add(zosMove("return" + tag, "host1", "return", how, name));
        churn("host1", name);
        zos.add(zosMove("dominate again" + tag, "host1", "dominate", how, "host2", name));
        cluster.zos("host1", "return", how, name);
        cluster.zos("host1", "shutdown", name);
        return zos;
    }

    /** Stage host2 while the anima runs, churn, dominate host2 suspended to a file (and home again, not measured). */
    private List<Move> stageScenario(String name) throws InterruptedException {
        prepare(name);
        Move staged = zosMove("stage host2 (it runs on)", "host1", "stage", "host2", name);
        churn("host1", name);
        Move dominated = zosMove("dominate host2 after stage", "host1", "dominate", "--suspend", "host2", name);
        cluster.zos("host1", "return", "--suspend", name);
        cluster.zos("host1", "shutdown", name);
        return List.of(staged, dominated);
    }

    private void prepare(String name) throws InterruptedException {
        if (desktop) {
            out.println("preparing the desktop anima " + name + " on host1 (init, boot, an xterm app)");
            cluster.zos("host1", "init", "--name", name, "--guest", "desktop", "--memory", "1G");
            cluster.zos("host1", "start", name);
            awaitGuest("host1", name);
            cluster.zos("host1", "app", "run", name, "--", "xterm");
            return;
        }
        out.println("preparing anima " + name + " on host1 (init from the seed, boot, read its files into the page cache)");
        cluster.zos("host1", "init", "--name", name, "--memory", "512M", "--disk-size", "512M", "--disk-from", SEED);
        cluster.zos("host1", "start", name);
        awaitGuest("host1", name);
        cluster.zos("host1", "guest", name, "--timeout", "600", "warm");
    }

    private void churn(String host, String name) {
        out.println("the guest writes 20 MiB of new file data");
        cluster.zos(host, "guest", name, "--timeout", "600", "churn", "20");
    }

    private Move zosMove(String label, String host, String... args) {
        out.println("zos: " + label);
        long[] before = tx();
        long t0 = System.nanoTime();
        String note = cluster.zos(host, args);
        double secs = (System.nanoTime() - t0) / 1e9;
        long bytes = sum(tx()) - sum(before);
        Matcher m = Pattern.compile("downtime ([0-9.]+) s").matcher(note);
        double down = m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
        return new Move("zos " + label, secs, down, bytes);
    }

    /** Baseline (a): virsh save, tar | nc of the state file and the anima's files, virsh restore. */
    private Move saveCopyRestore(String name) throws InterruptedException {
        out.println("baseline (a): virsh save + plain copy + virsh restore");
        String dir = "/var/lib/zos/animas/" + name;
        cluster.exec("host2", "mkdir", "-p", dir);
        long[] before = tx();
        long t0 = System.nanoTime();
        cluster.exec("host1", "virsh", "save", name, dir + "/base.state");
        cluster.exec("host2", "sh", "-c", "rm -f /tmp/copied; (nc -l -p 7001 | tar -x -C / && touch /tmp/copied) >/dev/null 2>&1 &");
        Thread.sleep(300);
        cluster.exec("host1", "sh", "-c", "tar -c -C / " + dir.substring(1) + " | nc -q 1 -N host2 7001");
        while (!cluster.run("host2", "test", "-f", "/tmp/copied").ok()) {
            Thread.sleep(50);
        }
        cluster.exec("host2", "virsh", "restore", dir + "/base.state");
        double secs = (System.nanoTime() - t0) / 1e9;
        long bytes = sum(tx()) - sum(before);
        cluster.exec("host2", "rm", "-f", dir + "/base.state");
        return new Move("(a) save+copy+restore", secs, secs, bytes);
    }

    /** Baseline (b): libvirt's live migration with storage, host2 → host1 (where the domain came from). */
    private Move liveMigrate(String name) {
        out.println("baseline (b): virsh migrate --live --copy-storage-all");
        // Persistent on the source, so libvirt keeps the finished job's statistics (its downtime) there.
        cluster.exec("host2", "sh", "-c", "virsh dumpxml " + name + " > /tmp/" + name + ".xml && virsh define /tmp/" + name + ".xml");
        long[] before = tx();
        long t0 = System.nanoTime();
        cluster.exec("host2", "virsh", "migrate", "--live", "--copy-storage-all", name, "qemu+tcp://host1/system");
        double secs = (System.nanoTime() - t0) / 1e9;
        long bytes = sum(tx()) - sum(before);
        String info = cluster.run("host2", "virsh", "domjobinfo", "--completed", name).out();
        Matcher m = Pattern.compile("Total downtime:\\s+(\\d+)\\s*ms").matcher(info);
        double down = m.find() ? Long.parseLong(m.group(1)) / 1000.0 : Double.NaN;
        return new Move("(b) virsh migrate --live", secs, down, bytes);
    }

    private void report(List<Boolean> paths, List<List<Move>> runs, List<Move> staged, Move a, Move b, String bandwidth) {
        double rate = org.zos.agent.move.Moves.rate(bandwidth); // bytes per second
        out.println();
        String fmt = "%-28s %9s %10s %12s %10s%n";
        out.printf(fmt, "MOVE", "TIME", "DOWNTIME", "ON THE WIRE", "LIMIT");
        List<Move> all = new ArrayList<>();
        runs.forEach(all::addAll);
        all.addAll(staged);
        all.add(a);
        all.add(b);
        for (Move m : all) {
            out.printf(Locale.ROOT, fmt, m.name(), String.format(Locale.ROOT, "%.1f s", m.seconds()),
                    Double.isNaN(m.downSeconds()) ? "?" : String.format(Locale.ROOT, "%.2f s", m.downSeconds()),
                    String.format(Locale.ROOT, "%.1f MB", m.wireBytes() / 1e6),
                    String.format(Locale.ROOT, "%.1f s", m.wireBytes() / rate));
        }
        out.println("link " + bandwidth + "; bytes: eth0 transmit counters of both hosts; (b) runs host2 -> host1;");
        out.println("LIMIT: the bytes on the wire over the link's rate, the time no move of those bytes can beat.");
        for (int r = 0; r < runs.size(); r++) {
            List<Move> zos = runs.get(r);
            out.println();
            out.println(paths.get(r) ? "the live path (dominate/return --live):" : "the suspend-to-file path (dominate/return --suspend):");
            target("first-dominate-bytes", zos.get(0).wireBytes() / 1e6, 0.4 * a.wireBytes() / 1e6, "MB");
            target("first-dominate-time", zos.get(0).seconds(), 0.5 * a.seconds(), "s");
            target("first-dominate-faster-than-live-migration", zos.get(0).seconds(), b.seconds(), "s");
            target("return-bytes", zos.get(1).wireBytes() / 1e6, 0.1 * a.wireBytes() / 1e6, "MB");
            target("second-dominate-bytes", zos.get(2).wireBytes() / 1e6, 0.1 * a.wireBytes() / 1e6, "MB");
            // Issue 17: live migration's pause with ISR's bytes, at link speed.
            String[] names = {"first-dominate", "return", "second-dominate"};
            for (int i = 0; i < 3; i++) {
                target(names[i] + "-downtime (live migration: " + String.format(Locale.ROOT, "%.2f s", b.downSeconds()) + ")",
                        zos.get(i).downSeconds(), 0.5, "s");
            }
            target("first-dominate-time-at-link-speed", zos.get(0).seconds(), 1.25 * zos.get(0).wireBytes() / rate, "s");
            target("return-time", zos.get(1).seconds(), 3, "s");
            target("second-dominate-time", zos.get(2).seconds(), 3, "s");
            target("first-dominate-bytes-no-more", zos.get(0).wireBytes() / 1e6, 130, "MB");
            target("return-bytes-no-more", zos.get(1).wireBytes() / 1e6, 20, "MB");
            target("second-dominate-bytes-no-more", zos.get(2).wireBytes() / 1e6, 20, "MB");
        }
        if (!staged.isEmpty() && !runs.isEmpty()) {
            Move first = runs.get(0).get(0);
            out.println();
            out.println("staging (stage host2 while it runs, 20 MiB written, dominate host2 --suspend):");
            target("dominate-after-stage-bytes (half of the first domination without a stage, " + String.format(Locale.ROOT,
                    "%.1f MB)", first.wireBytes() / 1e6), staged.get(1).wireBytes() / 1e6, 0.5 * first.wireBytes() / 1e6, "MB");
            target("dominate-after-stage-time (half of the first domination's)", staged.get(1).seconds(), 0.5 * first.seconds(), "s");
        }
    }

    private void target(String name, double measured, double limit, String unit) {
        out.printf(Locale.ROOT, "target %s: %.2f %s vs %.2f %s %s%n", name, measured, unit, limit, unit,
                measured <= limit ? "met" : "missed");
    }

    private void awaitGuest(String host, String name) throws InterruptedException {
        long deadline = System.nanoTime() + 300_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (cluster.run(host, "zos-vm", "guest", name, "ping").out().startsWith("pong")) {
                return;
            }
            Thread.sleep(500);
        }
        throw new ZosException(ErrorCode.INTERNAL, "the guest of " + name + " did not answer within 300 s", "");
    }

    /** eth0 transmit bytes of host1 and host2. */
    private long[] tx() {
        long[] t = new long[2];
        for (int i = 0; i < 2; i++) {
            t[i] = Long.parseLong(cluster.exec("host" + (i + 1), "cat", "/sys/class/net/eth0/statistics/tx_bytes").strip());
        }
        return t;
    }

    private static long sum(long[] t) {
        return t[0] + t[1];
    }
}
