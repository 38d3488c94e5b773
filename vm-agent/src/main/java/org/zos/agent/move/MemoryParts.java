package org.zos.agent.move;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Work over a guest's memory in parts, one a core, whole MiB each: the check after a live migration (the
 * guest stopped, its core free) and the fill of a receiving domain's memory (its QEMU waiting for it) read
 * hundreds of MB while a move waits.
 */
final class MemoryParts {
    private MemoryParts() {
    }

    /** One part's work: the bytes [{@code from}, {@code to}) of the memory. */
    @FunctionalInterface
    interface Part<T> {
        T run(long from, long to) throws IOException;
    }

    /** Runs {@code part} over {@code size} bytes in parts (the first on this thread); their results in order. */
    static <T> List<T> run(long size, Part<T> part) throws IOException {
        int parts = (int) Math.max(1, Math.min(Runtime.getRuntime().availableProcessors(), size >> 26));
        long step = (size / parts + (1 << 20) - 1) & -(1L << 20);
        List<CompletableFuture<T>> others = new ArrayList<>();
        for (int i = 1; i < parts; i++) {
            long from = Math.min(size, i * step);
            long to = Math.min(size, from + step);
            others.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return part.run(from, to);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }));
        }
        List<T> out = new ArrayList<>();
        out.add(part.run(0, Math.min(size, step)));
        for (CompletableFuture<T> f : others) {
            try {
                out.add(f.join());
            } catch (CompletionException e) {
                if (e.getCause() instanceof UncheckedIOException u) {
                    throw u.getCause();
                }
                throw e;
            }
        }
        return out;
    }
}
