package org.zos.agent.move;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;

/**
 * Named points in a move where the fault tests make things go wrong on a real cluster: a line
 * {@code <point> <action> [<nth>]} in {@code <state-dir>/faults} makes the agent, the nth time (default:
 * every time) it passes that point since the file was written, {@code halt} (die at once, as if killed;
 * the line is removed first, so the agent that starts again goes on), {@code wait} (append the point's
 * name to {@code <state-dir>/faults.hit} and stop there until the line is removed, so the test can act
 * in between) or {@code tamper} (the caller spoils the data it is about to send). Without that file,
 * which no installation has, a point costs one file lookup.
 *
 * <p>Points: {@code sender.disk-ahead}, {@code sender.suspended}, {@code sender.memory}, {@code sender.chunk},
 * {@code sender.committed} (after the decision is journaled, before the go), {@code receiver.image} (an
 * image offered: kernel, initrd, disk ahead, disk, memory, memory-refs), {@code receiver.chunk},
 * {@code receiver.restored} (restored paused, before the commit is answered), {@code receiver.go}.
 */
final class Faults implements FaultPoints {
    private static final Logger LOG = Logger.getLogger(Faults.class.getName());
    private static final long WAIT_MILLIS = 600_000;

    private final Path file;
    private final Path hits;
    private final Map<String, AtomicInteger> passes = new ConcurrentHashMap<>();
    private volatile long written;

    Faults(Path stateDir) {
        this.file = stateDir.resolve("faults");
        this.hits = stateDir.resolve("faults.hit");
    }

    /** Passes {@code point}; true if the caller is to tamper with what it sends. */
    @Override
    public boolean at(String point) {
        if (!Files.exists(file)) {
            return false;
        }
        try {
            long modified = Files.getLastModifiedTime(file).toMillis();
            if (modified != written) { // a new set of faults: count passes afresh
                written = modified;
                passes.clear();
            }
        } catch (IOException e) {
            return false;
        }
        int pass = passes.computeIfAbsent(point, p -> new AtomicInteger()).incrementAndGet();
        String action = action(point, pass);
        if (action == null) {
            return false;
        }
        LOG.warning("fault at " + point + " (pass " + pass + "): " + action);
        switch (action) {
            case "halt" -> {
                clear(point); // once: the agent that starts again goes on
                Runtime.getRuntime().halt(137);
            }
            case "wait" -> {
                try {
                    Files.writeString(hits, point + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                    long deadline = System.currentTimeMillis() + WAIT_MILLIS;
                    while (action(point, pass) != null && System.currentTimeMillis() < deadline) {
                        Thread.sleep(100);
                    }
                } catch (IOException e) {
                    LOG.warning("fault point " + point + ": " + e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                LOG.warning("fault at " + point + " released");
            }
            case "tamper" -> {
                return true;
            }
            default -> LOG.warning("unknown fault action '" + action + "' at " + point);
        }
        return false;
    }

    private void clear(String point) {
        try {
            List<String> keep = Files.readAllLines(file).stream().filter(l -> !l.trim().startsWith(point + " ")).toList();
            Files.write(file, keep);
        } catch (IOException e) {
            LOG.warning("fault point " + point + ": " + e);
        }
    }

    private String action(String point, int pass) {
        List<String> lines;
        try {
            lines = Files.exists(file) ? Files.readAllLines(file) : List.of();
        } catch (IOException e) {
            return null;
        }
        for (String line : lines) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 2 && f[0].equals(point) && (f.length < 3 || Integer.parseInt(f[2]) == pass)) {
                return f[1];
            }
        }
        return null;
    }
}
