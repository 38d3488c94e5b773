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

    WorkMeter work() {
        return work;
    }

    @Override
    public void close() {
        thread.interrupt();
        try {
            thread.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
