package org.zos.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.protocol.message.StatusReport;

/**
 * {@code zos-vm demo --local}: the anima's life on this host alone, end to end, with timings: create an
 * anima from the default guest, boot it, write to its disk, suspend it, resume it, and prove it went on
 * where it was. (Without --local, {@link ClusterDemo} runs the main job on the local cluster.)
 */
final class DemoCommand {
    private static final Duration BOOT = Duration.ofSeconds(120);

    private final List<Long> memories;
    private final boolean keep;

    DemoCommand(List<Long> memories, boolean keep) {
        this.memories = memories;
        this.keep = keep;
    }

    record Row(long memoryMiB, String accel, double createS, double bootS, double saveS, long stateBytes,
            double restoreS, long beatBefore, long beatAfter) {
    }

    void run(HostOptions.Agent agent, PrintWriter out) {
        List<Row> rows = new ArrayList<>();
        for (long mem : memories) {
            rows.add(once(agent, mem, out));
        }
        out.println();
        out.println("zos demo: one anima through its life on " + agent.host() + " (default guest, TCG/KVM as detected)");
        String fmt = "%-8s %-5s %8s %8s %8s %10s %9s  %s%n";
        out.printf(fmt, "MEMORY", "ACCEL", "CREATE", "BOOT", "SAVE", "STATE", "RESTORE", "CONTINUITY");
        for (Row r : rows) {
            out.printf(Locale.ROOT, fmt, r.memoryMiB() + "M", r.accel(), secs(r.createS()), secs(r.bootS()),
                    secs(r.saveS()), Sizes.bytes(r.stateBytes()), secs(r.restoreS()),
                    "heartbeat n=" + r.beatBefore() + " -> n=" + r.beatAfter() + ", same boot");
        }
        out.println("BOOT: start to first heartbeat. SAVE/RESTORE: zos-vm suspend/resume (state file checked by "
                + "SHA-256). CONTINUITY: the guest's counter goes on after the restore.");
    }

    private Row once(HostOptions.Agent agent, long memoryMiB, PrintWriter out) {
        String name = "zos-demo-" + memoryMiB;
        if (agent.status(null).stream().anyMatch(a -> a.name().equals(name))) {
            out.printf("removing the previous %s%n", name);
            agent.act("remove", name, Map.of());
        }
        out.printf("[%dM] creating anima %s%n", memoryMiB, name);
        long t = System.nanoTime();
        String accel = agent.act("init", name, Map.of("memory-mib", String.valueOf(memoryMiB), "vcpus", "1",
                "disk-mib", "256")).anima().accelerator();
        double create = since(t);

        out.printf("[%dM] starting; waiting for the guest's heartbeat%n", memoryMiB);
        t = System.nanoTime();
        agent.act("start", name, Map.of());
        StatusReport.Anima first = awaitHeartbeat(agent, name, 0);
        double boot = since(t);
        guest(agent, name, "write demo written-before-suspend", "ok");
        awaitHeartbeat(agent, name, first.heartbeatCount() + 2);

        out.printf("[%dM] suspending%n", memoryMiB);
        t = System.nanoTime();
        StatusReport.Anima before = agent.act("suspend", name, Map.of()).anima();
        double save = since(t);

        out.printf("[%dM] resuming%n", memoryMiB);
        t = System.nanoTime();
        agent.act("resume", name, Map.of());
        double restore = since(t);
        StatusReport.Anima after = awaitHeartbeat(agent, name, before.heartbeatCount() + 1);
        if (!after.heartbeatBoot().equals(before.heartbeatBoot())) {
            throw new ZosException(ErrorCode.INTEGRITY_ERROR, "the resumed guest booted afresh instead of going on where it was",
                    "see the anima's console log on this host");
        }
        guest(agent, name, "read demo", "data written-before-suspend");
        if (!keep) {
            agent.act("remove", name, Map.of());
        }
        return new Row(memoryMiB, accel, create, boot, save, before.savedBytes(), restore, before.heartbeatCount(),
                after.heartbeatCount());
    }

    /** Waits until the anima's heartbeat counter reaches {@code atLeast}; returns its status then. */
    static StatusReport.Anima awaitHeartbeat(HostOptions.Agent agent, String name, long atLeast) {
        long deadline = System.nanoTime() + BOOT.toNanos();
        while (System.nanoTime() < deadline) {
            StatusReport.Anima a = agent.status(name).get(0);
            if (a.heartbeatCount() != null && a.heartbeatCount() >= atLeast) {
                return a;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ZosException(ErrorCode.INTERNAL, "interrupted", "");
            }
        }
        throw new ZosException(ErrorCode.INTERNAL, "anima '" + name + "' showed no heartbeat n>=" + atLeast + " within "
                + BOOT.toSeconds() + " s", "see its console log on this host");
    }

    /** One request to the guest's agent channel, which must answer {@code expected}. */
    static void guest(HostOptions.Agent agent, String name, String line, String expected) {
        String got = agent.act("guest", name, Map.of("line", line)).note();
        if (!got.equals(expected)) {
            throw new ZosException(ErrorCode.INTEGRITY_ERROR, "the guest of '" + name + "' answered '" + got + "' to '"
                    + line + "', not '" + expected + "'", "see its console log on this host");
        }
    }

    private static double since(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    private static String secs(double s) {
        return String.format(Locale.ROOT, "%.2f s", s);
    }
}
