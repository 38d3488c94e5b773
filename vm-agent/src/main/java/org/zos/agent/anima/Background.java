package org.zos.agent.anima;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;

/** Work on a named daemon thread of its own, whose result (or failure, whatever it throws) a future holds. */
public final class Background {
    private Background() {
    }

    /** Starts {@code work} on a daemon thread named {@code thread}. */
    public static <T> CompletableFuture<T> supply(String thread, Callable<T> work) {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                result.complete(work.call());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        }, thread);
        t.setDaemon(true);
        t.start();
        return result;
    }
}
