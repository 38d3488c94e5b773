package org.zos.cli;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;
import org.zos.agent.hypervisor.LibvirtHypervisor;
import org.zos.agent.hypervisor.LibvirtHypervisor.JobProgress;
import org.zos.store.WorkMeter;

/**
 * A progress line for long work (libvirt's save and restore, the store's ingest, materialize and check):
 * bytes done of the total, rate and ETA, redrawn
 * on stderr four times a second while the job runs. Shown only on a terminal (or with ZOS_PROGRESS=1), so
 * scripts and logs get the final result line alone.
 */
final class Progress implements AutoCloseable {
    private final Thread thread;
    private final PrintWriter err;
    private volatile boolean done;
    private volatile boolean drew;

    private Progress(Supplier<Optional<JobProgress>> source, String verb, PrintWriter err) {
        this.err = err;
        this.thread = new Thread(() -> {
            while (!done) {
                source.get().ifPresent(p -> {
                    err.print("\r" + line(verb, p.processed(), p.total(), p.elapsedMillis()) + "   ");
                    err.flush();
                    drew = true;
                });
                try {
                    Thread.sleep(250);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "progress");
        thread.setDaemon(true);
    }

    static Progress of(LibvirtHypervisor hypervisor, String name, String verb, PrintWriter err) {
        return start(new Progress(() -> hypervisor.jobProgress(name), verb, err));
    }

    static Progress of(WorkMeter meter, String verb, PrintWriter err) {
        return start(new Progress(() -> Optional.of(new JobProgress(meter.done(), meter.total(), meter.elapsedMillis())),
                verb, err));
    }

    private static Progress start(Progress p) {
        if (System.console() != null || "1".equals(System.getenv("ZOS_PROGRESS"))) {
            p.thread.start();
        }
        return p;
    }

    /** "saving: 45 MiB / 128 MiB (35%), 60 MiB/s, ETA 2 s" */
    static String line(String verb, long processed, long total, long elapsedMillis) {
        double rate = elapsedMillis > 0 ? processed * 1000.0 / elapsedMillis : 0;
        String eta = rate > 0 ? String.format(Locale.ROOT, "%.0f s", Math.max(0, total - processed) / rate) : "?";
        return String.format(Locale.ROOT, "%s: %s / %s (%d%%), %s/s, ETA %s", verb, Sizes.bytes(processed),
                Sizes.bytes(total), total > 0 ? processed * 100 / total : 0, Sizes.bytes((long) rate), eta);
    }

    @Override
    public void close() {
        done = true;
        thread.interrupt();
        if (drew) {
            err.print("\r\033[K");
            err.flush();
        }
    }
}
