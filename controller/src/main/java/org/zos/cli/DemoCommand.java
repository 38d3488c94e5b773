package org.zos.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.zos.agent.anima.AnimaManager;
import org.zos.agent.anima.Heartbeat;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code zos-vm demo}: the main job on this host, end to end, with timings: create an anima from the
 * default guest, boot it, write to its disk, suspend it, resume it, and prove it went on where it was.
 */
@Command(name = "demo", description = "Create an anima, run, suspend and resume it, and print the timings.")
final class DemoCommand extends HostCommand {
    private static final Duration BOOT = Duration.ofSeconds(120);

    @Option(names = "--memory", split = ",", defaultValue = "128M,512M", converter = Sizes.class,
            description = "guest memory sizes to run the demo with (default: ${DEFAULT-VALUE})")
    List<Long> memories;

    @Option(names = "--keep", description = "leave the demo animas running instead of removing them")
    boolean keep;

    record Row(long memoryMiB, String accel, double createS, double bootS, double saveS, long stateBytes,
            double restoreS, long beatBefore, long beatAfter) {
    }

    @Override
    void run(HostOptions.Host h, PrintWriter out) {
        List<Row> rows = new ArrayList<>();
        for (long mem : memories) {
            rows.add(once(h, mem, out));
        }
        out.println();
        out.println("zos demo: one anima through its life on this host (default guest, TCG/KVM as detected)");
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

    private Row once(HostOptions.Host h, long memoryMiB, PrintWriter out) {
        String name = "zos-demo-" + memoryMiB;
        AnimaManager m = h.animas;
        if (h.registry.find(name).isPresent()) {
            out.printf("removing the previous %s%n", name);
            m.remove(name);
        }
        out.printf("[%dM] creating anima %s%n", memoryMiB, name);
        long t = System.nanoTime();
        String accel = m.init(name, (int) memoryMiB, 1, 256).accelerator();
        double create = since(t);

        out.printf("[%dM] starting; waiting for the guest's heartbeat%n", memoryMiB);
        t = System.nanoTime();
        m.start(name, false);
        Heartbeat first = m.awaitHeartbeat(name, b -> true, BOOT);
        double boot = since(t);
        m.askGuest(name, "write demo written-before-suspend").filter("ok"::equals)
                .orElseThrow(() -> new ZosException(ErrorCode.INTERNAL, "the guest did not answer on its channel", ""));
        m.awaitHeartbeat(name, b -> b.count() >= first.count() + 2, BOOT);

        out.printf("[%dM] suspending%n", memoryMiB);
        t = System.nanoTime();
        AnimaManager.Saved saved = m.suspend(name);
        double save = since(t);
        Heartbeat before = Heartbeat.last(h.registry.paths(name).consoleLog()).orElseThrow();

        out.printf("[%dM] resuming%n", memoryMiB);
        t = System.nanoTime();
        m.resume(name);
        double restore = since(t);
        Heartbeat after = m.awaitHeartbeat(name, b -> b.count() > before.count(), BOOT);
        if (!after.boot().equals(before.boot())
                || !m.askGuest(name, "read demo").orElse("").equals("data written-before-suspend")) {
            throw new ZosException(ErrorCode.INTEGRITY_ERROR, "the resumed guest did not go on where it was",
                    "see " + h.registry.paths(name).consoleLog());
        }
        if (!keep) {
            m.remove(name);
        }
        return new Row(memoryMiB, accel, create, boot, save, saved.bytes(), restore, before.count(), after.count());
    }

    private static double since(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    private static String secs(double s) {
        return String.format(Locale.ROOT, "%.2f s", s);
    }
}
