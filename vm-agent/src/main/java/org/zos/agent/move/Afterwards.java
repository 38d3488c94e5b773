package org.zos.agent.move;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;

/**
 * The work a move leaves that only makes a later move faster (keeping or sealing the memory the anima
 * left with, making the disk's blocks by content ahead of its next read): it runs once no command that
 * moves that anima is still under way on this host, so that it does not take the cores and the disk from
 * the end of the command the user waits for. A return is the case: its receiver (home) runs the anima
 * and would make its store ready while the visited host still erases what the anima left there, and the
 * visited host would seal the memory beside that erasure; with two cores and a guest on one of them, both
 * doubled the erasure's time, which the return waits for.
 */
final class Afterwards {
    private static final Logger LOG = Logger.getLogger(Afterwards.class.getName());

    private final Map<String, Integer> busy = new HashMap<>();
    private final Map<String, List<Runnable>> waiting = new HashMap<>();

    /** Marks a command that moves {@code anima} as under way here until the returned handle is closed. */
    Command command(String anima) {
        synchronized (this) {
            busy.merge(anima, 1, Integer::sum);
        }
        return new Command(anima);
    }

    /**
     * Runs {@code work} on a daemon thread called {@code thread}: at once if no command moving {@code anima}
     * is under way here, else once the last of them is over.
     */
    void run(String anima, String thread, Runnable work) {
        Runnable started = () -> start(thread, work);
        synchronized (this) {
            if (busy.containsKey(anima)) {
                waiting.computeIfAbsent(anima, a -> new ArrayList<>()).add(started);
                return;
            }
        }
        started.run();
    }

    /** Whether a command that moves {@code anima} is under way here. */
    synchronized boolean busy(String anima) {
        return busy.containsKey(anima);
    }

    /** Whether work for {@code anima} waits for a command to end (for tests). */
    synchronized boolean holds(String anima) {
        return waiting.containsKey(anima);
    }

    private void end(String anima) {
        List<Runnable> due;
        synchronized (this) {
            if (busy.merge(anima, -1, Integer::sum) > 0) {
                return;
            }
            busy.remove(anima);
            due = waiting.remove(anima);
        }
        if (due != null) {
            due.forEach(Runnable::run);
        }
    }

    private static void start(String name, Runnable work) {
        Thread t = new Thread(() -> {
            try {
                work.run();
            } catch (RuntimeException e) {
                LOG.warning(name + ": " + e);
            }
        }, name);
        t.setDaemon(true);
        t.start();
    }

    /** A command under way; closing it (once) lets what waits for it run. */
    final class Command implements AutoCloseable {
        private final String anima;
        private boolean closed;

        private Command(String anima) {
            this.anima = anima;
        }

        @Override
        public void close() {
            synchronized (this) {
                if (closed) {
                    return;
                }
                closed = true;
            }
            end(anima);
        }
    }
}
