package org.zos.agent.move;

import java.util.function.Consumer;
import org.zos.protocol.message.Progress;
import org.zos.store.WorkMeter;

/** Reports a {@link WorkMeter} as {@link Progress} four times a second while work runs. */
final class Meter implements AutoCloseable {
    private final WorkMeter work = new WorkMeter();
    private final Thread thread;

    private Meter(String phase, Consumer<Progress> progress) {
        thread = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                progress.accept(new Progress(phase, work.done(), work.total(), work.elapsedMillis()));
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

    static Meter report(String phase, Consumer<Progress> progress) {
        return new Meter(phase, progress);
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
