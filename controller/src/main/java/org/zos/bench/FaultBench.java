package org.zos.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.zos.cluster.Cluster;
import org.zos.cluster.HostRuntime;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;

/**
 * {@code zos-vm bench faults}: a fault campaign on the local cluster. Each run moves the anima (dominate
 * host2 when it is home on host1, return when it is away), sets off one fault from its plan
 * ({@link FaultPlan}) at a named point of the move, lets the move end, and then checks the one rule: the
 * anima runs on exactly one host, as the same boot, its heartbeat counting on from where it was, its data
 * disk intact. While the move goes on, both hosts' libvirt are asked every 300 ms whether the anima runs
 * there: running on both at once counts as "ran twice".
 *
 * <p>Downtime is the guest's own: it beats once a second, so the wall time of a run less the beats it
 * made is the time it stood still (to about a second).
 */
public final class FaultBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String STATE = "/var/lib/zos";
    private static final String ANIMA = "fb";
    private static final String NOTE = "faultbench";
    private static final long SETTLE_NANOS = 240_000_000_000L;

    private final PrintWriter out;
    private final Cluster cluster;

    /** How one run ended. */
    record Outcome(int run, FaultPlan plan, String move, boolean reached, int exit, String runsOn, double downSeconds,
            boolean lost, boolean twice, String why) {
        /** Whether the move completed: the anima runs where it was sent, whatever the command said. */
        boolean moved() {
            return runsOn.equals(move.equals("dominate") ? "host2" : "host1");
        }
    }

    public FaultBench(PrintWriter out) {
        this.out = out;
        this.cluster = new Cluster(s -> out.println("  " + s));
    }

    /** Runs the campaign; true if no anima was lost and none ran twice. */
    public boolean run(int runs, long seed, int first, String bandwidth, Path jar, Path guest, boolean keep) throws Exception {
        out.printf(Locale.ROOT, "zos bench faults: %d runs from run %d, seed %d, 2 hosts, link %s%n", runs, first, seed,
                bandwidth == null ? "unshaped" : bandwidth);
        out.flush();
        cluster.up(2, bandwidth, jar, guest);
        List<Outcome> done = new ArrayList<>();
        try {
            cluster.zos("host1", "init", "--name", ANIMA, "--memory", "128M", "--disk-size", "64M");
            cluster.zos("host1", "start", ANIMA);
            String where = settle("host1", null).host;
            cluster.zos(where, "guest", ANIMA, "write", "marker", NOTE);
            for (int i = first; i < first + runs; i++) {
                Outcome o = once(i, FaultPlan.draw(seed, i), where);
                done.add(o);
                out.printf(Locale.ROOT, "run %3d  %-8s  %-58s  %s, exit %d, runs on %s, down %.1f s%s%n", i, o.move,
                        o.plan + (o.reached ? "" : " (not reached)"), o.lost ? "LOST" : "ok", o.exit, o.runsOn,
                        o.downSeconds, o.twice ? ", RAN TWICE" : "");
                out.flush();
                if (o.lost || o.twice) {
                    out.println("  stopping: " + o.why + "; the cluster is kept for a look ('zos-vm cluster exec host1 ...')");
                    keep = true;
                    break;
                }
                where = o.runsOn;
            }
        } finally {
            report(done, seed);
            if (!keep) {
                cluster.down();
            }
        }
        return done.stream().noneMatch(o -> o.lost() || o.twice());
    }

    private Outcome once(int run, FaultPlan plan, String from) throws Exception {
        String to = from.equals("host1") ? "host2" : "host1";
        String move = from.equals("host1") ? "dominate" : "return";
        String faulty = plan.side().equals("sender") ? from : to;
        Beat before = beat(from);
        long t0 = System.nanoTime();
        cluster.exec(faulty, "sh", "-c", "rm -f " + STATE + "/faults.hit; echo '" + plan.waitLine() + "' > " + STATE + "/faults");
        AtomicBoolean moving = new AtomicBoolean(true);
        AtomicInteger both = new AtomicInteger();
        CompletableFuture<Void> watch = CompletableFuture.runAsync(() -> watchTwice(moving, both));
        CompletableFuture<HostRuntime.Result> result = CompletableFuture.supplyAsync(() -> move.equals("dominate")
                ? cluster.run("host1", "zos-vm", "dominate", "host2", ANIMA) : cluster.run("host1", "zos-vm", "return", ANIMA));
        boolean reached = awaitHit(faulty, plan.point(), result);
        if (reached) {
            strike(plan, faulty, to);
        } else {
            release(faulty);
        }
        HostRuntime.Result r = result.get(600, TimeUnit.SECONDS);
        cluster.exec(to, "sh", "-c", "rm -f " + STATE + "/fill; ip link set eth0 up");
        Settled s;
        try {
            s = settle(null, before);
        } catch (ZosException e) {
            moving.set(false);
            watch.join();
            return new Outcome(run, plan, move, reached, r.status(), "nowhere", Double.NaN, true, both.get() > 0,
                    e.getMessage() + "; the move said: " + r.err().strip());
        }
        moving.set(false);
        watch.join();
        double wall = (s.beat.at - t0) / 1e9;
        double down = Math.max(0, wall - (s.beat.count - before.count));
        return new Outcome(run, plan, move, reached, r.status(), s.host, down, false, both.get() > 0,
                both.get() > 0 ? "the anima ran on both hosts at once" : "");
    }

    /** Sets off the plan's fault on {@code faulty}, which waits at the point, then lets it go on. */
    private void strike(FaultPlan plan, String faulty, String receiver) throws InterruptedException {
        switch (plan.fault()) {
            case KILL_SENDER_AGENT, KILL_RECEIVER_AGENT -> {
                cluster.exec(faulty, "pkill", "-9", "-f", "org.zos.agent.daemon.ZosAgent");
                release(faulty);
            }
            case KILL_RECEIVER_QEMU -> {
                cluster.exec(receiver, "pkill", "-9", "-f", "qemu-system");
                release(faulty);
            }
            case LINK_DOWN -> {
                cluster.exec(receiver, "ip", "link", "set", "eth0", "down");
                release(faulty);
                Thread.sleep(plan.seconds() * 1000L);
                cluster.exec(receiver, "ip", "link", "set", "eth0", "up");
            }
            case DISK_FULL -> {
                cluster.exec(receiver, "sh", "-c", "avail=$(df -B1 --output=avail " + STATE + " | tail -1); fallocate -l "
                        + "$((avail - 30 * 1048576)) " + STATE + "/fill");
                release(faulty);
            }
            case CANCEL -> {
                cluster.run("host1", "zos-vm", "cancel", ANIMA);
                release(faulty);
            }
        }
    }

    private void release(String host) {
        cluster.exec(host, "rm", "-f", STATE + "/faults");
    }

    /** Waits until {@code host} stops at {@code point}; false if the move ended first (the point was not passed). */
    private boolean awaitHit(String host, String point, CompletableFuture<?> move) throws InterruptedException {
        long deadline = System.nanoTime() + 300_000_000_000L;
        while (System.nanoTime() < deadline && !move.isDone()) {
            if (cluster.run(host, "sh", "-c", "cat " + STATE + "/faults.hit 2>/dev/null || true").out().contains(point)) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }

    private void watchTwice(AtomicBoolean moving, AtomicInteger both) {
        while (moving.get()) {
            if (runs("host1") && runs("host2")) {
                both.incrementAndGet();
            }
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private boolean runs(String host) {
        return cluster.run(host, "virsh", "-q", "domstate", ANIMA).out().strip().equals("running");
    }

    /** A heartbeat of the guest: its boot, its count, and when it was read. */
    record Beat(String boot, long count, long at) {
    }

    record Settled(String host, Beat beat) {
    }

    private Beat beat(String host) throws Exception {
        HostRuntime.Result r = cluster.run(host, "zos-vm", "status", "--json", ANIMA);
        JsonNode s = JSON.readTree(r.out()).get(0);
        return new Beat(s.path("heartbeatBoot").asText(), s.path("heartbeatCount").asLong(), System.nanoTime());
    }

    /**
     * Waits until the anima runs on one host (or on {@code only}) with a heartbeat past {@code before}'s of the
     * same boot, runs on exactly that host, and reads its note back.
     */
    private Settled settle(String only, Beat before) throws Exception {
        long deadline = System.nanoTime() + SETTLE_NANOS;
        String last = "";
        while (System.nanoTime() < deadline) {
            for (String h : only != null ? List.of(only) : List.of("host1", "host2")) {
                HostRuntime.Result r = cluster.run(h, "zos-vm", "status", "--json", ANIMA);
                if (!r.ok()) {
                    last = h + ": " + r.err().strip();
                    continue;
                }
                JsonNode s = JSON.readTree(r.out()).get(0);
                last = h + ": " + s.path("state").asText() + " at " + s.path("location").asText() + ", beat "
                        + s.path("heartbeatCount").asLong();
                if (!s.path("state").asText().equals("running") || !s.path("location").asText().equals(h)) {
                    continue;
                }
                if (s.hasNonNull("moving")) {
                    continue; // a move of it still goes on (dialling again after the fault): wait for its end
                }
                if (s.path("heartbeatBoot").asText().isEmpty()) {
                    continue; // running, but its agent has not read a heartbeat since it restored it
                }
                Beat b = new Beat(s.path("heartbeatBoot").asText(), s.path("heartbeatCount").asLong(), System.nanoTime());
                if (before != null && !b.boot().equals(before.boot())) {
                    throw new ZosException(ErrorCode.INTEGRITY_ERROR, "the anima booted again on " + h + " (boot "
                            + b.boot() + ", was " + before.boot() + "): its running state was lost", "");
                }
                if (before != null && b.count() <= before.count()) {
                    continue;
                }
                String other = h.equals("host1") ? "host2" : "host1";
                if (runs(other)) {
                    continue; // the other host lets it go in a moment (or it runs twice: the watcher says so)
                }
                if (before == null) {
                    return new Settled(h, b); // the first boot: no note written yet
                }
                HostRuntime.Result read = cluster.run(h, "zos-vm", "guest", ANIMA, "read", "marker");
                if (!read.ok()) {
                    last = h + ": its guest does not answer yet (" + read.err().strip() + ")";
                    continue; // its agent (perhaps just started again) has not reached the guest's channel yet
                }
                String note = read.out().strip();
                if (!note.equals("data " + NOTE)) {
                    throw new ZosException(ErrorCode.INTEGRITY_ERROR, "the anima's data disk on " + h + " reads '" + note + "'", "");
                }
                return new Settled(h, b);
            }
            Thread.sleep(500);
        }
        throw new ZosException(ErrorCode.INTERNAL, "the anima did not run anywhere within " + SETTLE_NANOS / 1_000_000_000L
                + " s (last seen: " + last + ")", "");
    }

    private void report(List<Outcome> done, long seed) {
        long lost = done.stream().filter(Outcome::lost).count();
        long twice = done.stream().filter(Outcome::twice).count();
        long reached = done.stream().filter(Outcome::reached).count();
        Outcome longest = done.stream().filter(o -> !Double.isNaN(o.downSeconds()))
                .max(java.util.Comparator.comparingDouble(Outcome::downSeconds)).orElse(null);
        out.println();
        out.printf(Locale.ROOT, "runs                 %d (%d reached their fault point)%n", done.size(), reached);
        out.printf(Locale.ROOT, "animas lost          %d%s%n", lost, lost == 0 ? "   (target 0: met)" : "   (target 0: MISSED)");
        out.printf(Locale.ROOT, "runs where it ran twice %d%s%n", twice, twice == 0 ? "   (target 0: met)" : "   (target 0: MISSED)");
        if (longest != null) {
            out.printf(Locale.ROOT, "longest downtime     %.1f s, run %d: %s, %s%n", longest.downSeconds(), longest.run(),
                    longest.move(), longest.plan());
        }
        for (FaultPlan.Fault f : FaultPlan.Fault.values()) {
            List<Outcome> of = done.stream().filter(o -> o.plan().fault() == f && o.reached()).toList();
            if (!of.isEmpty()) {
                out.printf(Locale.ROOT, "  %-30s %3d runs, downtime median %.1f s, max %.1f s, moved %d (%d said so)%n", f.label,
                        of.size(),
                        median(of), of.stream().mapToDouble(Outcome::downSeconds).filter(d -> !Double.isNaN(d)).max().orElse(0),
                        of.stream().filter(Outcome::moved).count(), of.stream().filter(o -> o.exit() == 0).count());
            }
        }
        out.printf(Locale.ROOT, "seed %d; replay run N alone with: zos-vm bench faults --seed %d --first N --runs 1%n", seed, seed);
        out.flush();
    }

    private static double median(List<Outcome> of) {
        double[] d = of.stream().mapToDouble(Outcome::downSeconds).filter(x -> !Double.isNaN(x)).sorted().toArray();
        return d.length == 0 ? 0 : d[d.length / 2];
    }
}
