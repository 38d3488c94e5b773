package org.zos.cli;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.function.Consumer;
import org.zos.store.WorkMeter;

/**
 * A progress line for long work: bytes done of the total, rate and ETA, redrawn on stderr at most four
 * times a second. Fed either by polling a {@link WorkMeter} (the store's ingest, materialize and check,
 * done in this process) or by the agent's {@link org.zos.protocol.message.Progress} messages (saving,
 * restoring, sending). Shown only on a terminal (or with ZOS_PROGRESS=1), so scripts and logs get the final
 * result line alone.
 */
final class Progress implements AutoCloseable, Consumer<org.zos.protocol.message.Progress> {
    private static final long REDRAW_NANOS = 250_000_000L;
    private final PrintWriter err;
    private final boolean shown;
    private Thread poller;
    private long drawnAt;
    private boolean drew;

    private Progress(PrintWriter err) {
        this.err = err;
        this.shown = System.console() != null || "1".equals(System.getenv("ZOS_PROGRESS"));
    }

    /** A line fed by {@link #accept}. */
    static Progress pushed(PrintWriter err) {
        return new Progress(err);
    }

    /** A line that polls {@code meter} until closed. */
    static Progress of(WorkMeter meter, String verb, PrintWriter err) {
        Progress p = new Progress(err);
        if (p.shown) {
            p.poller = new Thread(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    p.draw(verb, meter.done(), meter.total(), meter.elapsedMillis(), true);
                    try {
                        Thread.sleep(REDRAW_NANOS / 1_000_000);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "progress");
            p.poller.setDaemon(true);
            p.poller.start();
        }
        return p;
    }

    @Override
    public void accept(org.zos.protocol.message.Progress p) {
        draw(p.phase(), p.done(), p.total(), p.elapsedMillis(), false);
    }

    private synchronized void draw(String verb, long done, long total, long elapsedMillis, boolean force) {
        long now = System.nanoTime();
        if (!shown || (!force && drew && now - drawnAt < REDRAW_NANOS)) {
            return;
        }
        err.print("\r" + line(verb, done, total, elapsedMillis) + "   ");
        err.flush();
        drawnAt = now;
        drew = true;
    }

    /** "saving: 45 MiB / 128 MiB (35%), 60 MiB/s, ETA 2 s" */
    static String line(String verb, long processed, long total, long elapsedMillis) {
        if (total <= 0 && processed <= 0) {
            return String.format(Locale.ROOT, "%s: %d s", verb, elapsedMillis / 1000); // work without a measure
        }
        double rate = elapsedMillis > 0 ? processed * 1000.0 / elapsedMillis : 0;
        String eta = rate > 0 ? String.format(Locale.ROOT, "%.0f s", Math.max(0, total - processed) / rate) : "?";
        return String.format(Locale.ROOT, "%s: %s / %s (%d%%), %s/s, ETA %s", verb, Sizes.bytes(processed),
                Sizes.bytes(total), total > 0 ? processed * 100 / total : 0, Sizes.bytes((long) rate), eta);
    }

    @Override
    public synchronized void close() {
        if (poller != null) {
            poller.interrupt();
        }
        if (drew) {
            err.print("\r\033[K");
            err.flush();
        }
    }
}
