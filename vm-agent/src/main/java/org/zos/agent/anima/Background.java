package org.zos.agent.anima;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;

/** Work on a named daemon thread of its own, whose result (or failure, whatever it throws) a future holds. */
public final class Background {
    private Background() {
    }

    /** The C library's setpriority(2). */
    private interface Nice extends com.sun.jna.Library {
        int setpriority(int which, int who, int prio);
    }

    /**
     * Lowers the calling thread to the least CPU priority (nice 19; on Linux it is a thread's own): for work
     * that only readies a later command, which then takes only what the guests and the agent leave. Whether
     * it could.
     */
    public static boolean idle() {
        try {
            return com.sun.jna.Native.load("c", Nice.class).setpriority(0 /* PRIO_PROCESS: 0 is this thread */, 0, 19) == 0;
        } catch (LinkageError | RuntimeException e) {
            return false;
        }
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
