package org.zos.agent.move;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.function.Consumer;
import java.util.logging.Logger;
import org.zos.agent.anima.AnimaManager;
import org.zos.agent.anima.AnimaPaths;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.protocol.message.MoveCommit;
import org.zos.protocol.message.Progress;
import org.zos.store.Durable;
import org.zos.store.WorkMeter;
import org.zos.store.manifest.Manifest;

/**
 * A receiver's files of a move: images written out ahead while the move goes on (the disk is sent ahead
 * while the anima still runs), then, at the commit, every image written where the anima's domain reads it
 * (only what changed since it was written ahead), the memory image put back together, and the anima
 * restored paused.
 */
final class ImageWriter {
    private static final Logger LOG = Logger.getLogger(ImageWriter.class.getName());

    private ImageWriter() {
    }

    /** Where each image of a move is written. */
    static Map<String, Path> targets(AnimaPaths paths) {
        return Map.of("kernel", paths.kernel(), "initrd", paths.initrd(), "disk", paths.disk(), "memory", paths.state(),
                "memory-refs", refs(paths));
    }

    static Path refs(AnimaPaths paths) {
        return paths.state().resolveSibling(paths.state().getFileName() + ".refs");
    }

    static Path rest(AnimaPaths paths) {
        return paths.state().resolveSibling(paths.state().getFileName() + ".rest");
    }

    /** Removes a split memory image's two parts, {@link #rest} overwritten first (it holds guest memory). */
    static void dropSplit(AnimaPaths paths) throws IOException {
        AnimaManager.scrub(rest(paths), null);
        Files.deleteIfExists(rest(paths));
        Files.deleteIfExists(refs(paths));
    }

    static Path incoming(Path target) {
        return target.resolveSibling(target.getFileName() + ".incoming");
    }

    /**
     * From the offer of {@code m} on, on a thread of its own: writes out all of the image this host holds
     * already (the chunks in {@code lacking} as zeros, until they arrive), so that once it is filed
     * ({@link #ahead}) only those are left to write. A move's disk is mostly what the receiver holds: this
     * overlaps writing it with sending what changed.
     */
    static void early(Incoming in, Manifest m, java.util.Set<org.zos.store.chunk.ChunkId> lacking) {
        Path target = targets(in.held.paths()).get(m.image());
        if (target == null || m.image().startsWith("memory") || in.ahead.containsKey(m.image()) || in.early.containsKey(m.image())) {
            return;
        }
        Manifest held = m.without(lacking);
        start(in.early, m.image(), () -> {
            in.store.materialize(held, incoming(target), new WorkMeter(), false); // synced once it is whole
            return held;
        });
    }

    /**
     * Writes an image filed by {@code in} out ahead, on a thread of its own, so the commit only writes what
     * changes after: what {@link #early} wrote of it brought up to it, or all of it.
     */
    static void ahead(Incoming in, Manifest m) {
        Path target = targets(in.held.paths()).get(m.image());
        if (target == null || m.image().startsWith("memory") || in.ahead.containsKey(m.image())) {
            return;
        }
        Future<Manifest> before = in.early.remove(m.image());
        start(in.ahead, m.image(), () -> {
            Manifest held = null;
            if (before != null) {
                try {
                    held = before.get();
                } catch (ExecutionException e) {
                    LOG.warning("writing " + m.image() + " from its offer on failed; writing it whole: " + e.getCause());
                }
            }
            if (held != null && held.generation() == m.generation() && held.length() == m.length()) {
                in.store.update(held, m, incoming(target), new WorkMeter());
            } else {
                in.store.materialize(m, incoming(target), new WorkMeter());
            }
            return m;
        });
    }

    private static void start(Map<String, Future<Manifest>> into, String image, java.util.concurrent.Callable<Manifest> write) {
        FutureTask<Manifest> task = new FutureTask<>(write);
        into.put(image, task);
        Thread t = new Thread(task, "zos-ahead-" + image);
        t.setDaemon(true);
        t.start();
    }

    /** Waits for every write ahead of {@code in} to end (a dropped move overwrites what they wrote). */
    static void settle(Incoming in) {
        List<Future<Manifest>> all = new java.util.ArrayList<>(in.early.values());
        all.addAll(in.ahead.values());
        for (Future<Manifest> f : all) {
            try {
                f.get();
            } catch (ExecutionException e) {
                LOG.fine("write ahead: " + e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * Writes the images the commit names, puts the memory image back together and restores the anima
     * paused.
     *
     * @throws ZosException PROTOCOL_ERROR if the commit names an image or generation this host did not file
     */
    static void commit(Incoming in, MoveCommit c, Consumer<Progress> progress, FaultPoints faults, String host) throws Exception {
        AnimaPaths paths = in.held.paths();
        Map<String, Path> targets = new HashMap<>(targets(paths));
        boolean split = c.images().containsKey("memory-refs");
        if (split) {
            targets.put("memory", rest(paths)); // the save image without the pages its disk holds
        }
        List<String> images = split ? List.of("kernel", "initrd", "disk", "memory", "memory-refs")
                : List.of("kernel", "initrd", "disk", "memory");
        for (String image : images) {
            Manifest m = in.filed.get(image);
            Long gen = c.images().get(image);
            if (m == null || gen == null || m.generation() != gen) {
                throw new ZosException(ErrorCode.PROTOCOL_ERROR, "the commit names " + image + "@" + gen
                        + " but this host received " + (m == null ? "none" : m.label()), "");
            }
            long t0 = System.nanoTime();
            write(in, image, m, targets.get(image), progress);
            LOG.info("commit of " + in.anima + ": " + image + " written in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        }
        if (split) {
            long t0 = System.nanoTime();
            try (Meter meter = Meter.report("putting memory back together", progress)) {
                // Not synced: it is restored at once and then deleted; if this host fails first, the
                // sender still holds its copy.
                MemoryImage.join(rest(paths), refs(paths), paths.disk(), paths.state(), c.stateSha256(), false);
                LOG.info("commit of " + in.anima + ": memory joined in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
            } finally {
                AnimaManager.scrubLater(rest(paths));
                Files.deleteIfExists(refs(paths));
            }
        }
        // Every chunk of the memory image was checked as it was written out (and a joined image against
        // the sender's digest): no second digest pass.
        progress.accept(new Progress("restoring", 0, 0, 0));
        long tr = System.nanoTime();
        in.held.restorePaused(c.stateSha256(), Files.size(paths.state()));
        faults.at("receiver.restored");
        if (in.held.state() != org.zos.agent.hypervisor.DomainState.PAUSED) {
            throw new ZosException(ErrorCode.INTERNAL, "anima '" + in.anima + "' is " + in.held.state().name().toLowerCase()
                    + " right after its restore", "see /var/log/libvirt/qemu/" + in.anima + ".log on " + host);
        }
        LOG.info("commit of " + in.anima + ": restored (paused) in " + (System.nanoTime() - tr) / 1_000_000 + " ms");
    }

    /**
     * A live move: puts the kernel, the initrd and the disk as they were sent ahead where the domain reads
     * them (the migration then copies the disk over it, and the memory).
     *
     * @throws ZosException PROTOCOL_ERROR if one of them was not sent
     */
    static void placeAhead(Incoming in, Consumer<Progress> progress) throws IOException, InterruptedException {
        Map<String, Path> targets = targets(in.held.paths());
        for (String image : List.of("kernel", "initrd", "disk")) {
            Manifest m = in.filed.get(image);
            if (m == null) {
                throw new ZosException(ErrorCode.PROTOCOL_ERROR, "live-prepare came before the " + image + " was sent", "");
            }
            write(in, image, m, targets.get(image), progress);
        }
    }

    /** Writes one image to {@code target}: what was written ahead, brought up to {@code m}, or all of it. */
    private static void write(Incoming in, String image, Manifest m, Path target, Consumer<Progress> progress) throws IOException,
            InterruptedException {
        try (Meter meter = Meter.report("writing " + image, progress)) {
            Future<Manifest> ahead = in.ahead.remove(image);
            Manifest written = null;
            if (ahead != null) {
                try {
                    written = ahead.get();
                } catch (ExecutionException e) {
                    LOG.warning("writing " + image + " ahead failed; writing it whole: " + e.getCause());
                }
            }
            if (written == null) {
                Files.deleteIfExists(target);
                // The memory image is restored at once and deleted: no need to sync it.
                in.store.materialize(m, target, meter.work(), !image.startsWith("memory"));
            } else {
                if (written.generation() != m.generation()) {
                    in.store.update(written, m, incoming(target), meter.work());
                }
                Durable.commit(incoming(target), target);
            }
        }
    }
}
