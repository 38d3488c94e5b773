package org.zos.agent.move;

import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.zos.protocol.message.Progress;
import org.zos.store.WorkMeter;

/**
 * Sends {@link Progress} four times a second while work runs: of a {@link WorkMeter} ({@link #report}), or
 * of whatever a source tells (a libvirt job, {@link #poll}).
 */
public final class Meter implements AutoCloseable {
    private final WorkMeter work = new WorkMeter();
    private final Thread thread;

    private Meter(String phase, Supplier<Optional<Progress>> source, Consumer<Progress> progress) {
        Supplier<Optional<Progress>> from = source != null ? source
                : () -> Optional.of(new Progress(phase, work.done(), work.total(), work.elapsedMillis()));
        thread = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                from.get().ifPresent(progress);
                try {
                    Thread.sleep(250);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "progress-" + phase);
        thread.setDaemon(true);
        thread.start();
    }

    /** Reports {@link #work()}, which the caller advances. */
    static Meter report(String phase, Consumer<Progress> progress) {
        return new Meter(phase, null, progress);
    }

    /** Reports what {@code source} says, when it says something. */
    public static Meter poll(String phase, Supplier<Optional<Progress>> source, Consumer<Progress> progress) {
        return new Meter(phase, source, progress);
    }

    /**
     * Passes progress on and, whenever the work has said nothing for {@code quiet}, says its last progress
     * again (with its time brought up to date). For work whose waits are bounded by timeouts of its own but
     * may be silent longer than a client waits for a silent agent: a remote's requests, each retried by its
     * client after a timeout of up to a minute, while the remote does not answer.
     */
    public static Beat beat(java.time.Duration quiet, Consumer<Progress> progress) {
        return new Beat(quiet, progress);
    }

    /** See {@link #beat}. */
    public static final class Beat implements Consumer<Progress>, AutoCloseable {
        private final Consumer<Progress> progress;
        private final Thread thread;
        private Progress last = new Progress("working", 0, 0, 0);
        private long lastAt = System.nanoTime();

        private Beat(java.time.Duration quiet, Consumer<Progress> progress) {
            this.progress = progress;
            thread = new Thread(() -> {
                long said = Long.MIN_VALUE;
                while (!Thread.currentThread().isInterrupted()) {
                    try {
                        Thread.sleep(Math.max(1, quiet.toMillis() / 4));
                    } catch (InterruptedException e) {
                        return;
                    }
                    Progress again;
                    synchronized (this) {
                        long now = System.nanoTime();
                        if (now - Math.max(lastAt, said) < quiet.toNanos()) {
                            continue;
                        }
                        said = now;
                        again = new Progress(last.phase(), last.done(), last.total(), last.elapsedMillis() + (now - lastAt) / 1_000_000);
                    }
                    progress.accept(again);
                }
            }, "progress-beat");
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void accept(Progress p) {
            synchronized (this) {
                last = p;
                lastAt = System.nanoTime();
            }
            progress.accept(p);
        }

        @Override
        public void close() {
            stop(thread);
        }
    }

    WorkMeter work() {
        return work;
    }

    @Override
    public void close() {
        stop(thread);
    }

    /** Stops a reporting thread and waits (a second at most) for it to end. */
    private static void stop(Thread thread) {
        thread.interrupt();
        try {
            thread.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
