package org.zos.agent.move;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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

    /**
     * The image a visit may offer before its disk, while the disk is still read: the disk as its home
     * stored it ahead while the anima ran there (docs/protocol.md, "Moving an anima", step 2).
     * It is written where the disk goes, and the disk's offer brings that up to the disk.
     */
    static final String DISK_AHEAD = org.zos.store.AnimaStore.aheadOf("disk");

    /** Where {@link #early} writes an offered image: the disk stored ahead where the disk goes; null: not written ahead. */
    private static Path writtenTo(Incoming in, String image) {
        return image.startsWith("memory") ? null : targets(in.held.paths()).get(image.equals(DISK_AHEAD) ? "disk" : image);
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
     * From the offer of {@code m} on: writes out all of the image this host holds already, on a thread of
     * its own, and each chunk in {@code lacking} as it arrives (the import hands it over once checked),
     * into the same file; once it is filed ({@link #ahead}) only what did not arrive so is left to write,
     * and to sync. A move's disk is mostly what the receiver holds, or, on a first visit, what comes: this
     * overlaps writing it with sending it.
     */
    static void early(Incoming in, Manifest m, java.util.Set<org.zos.store.chunk.ChunkId> lacking) throws IOException {
        Path target = writtenTo(in, m.image());
        if (target == null || in.ahead.containsKey(m.image()) || in.early.containsKey(m.image())
                || m.image().equals(DISK_AHEAD) && (in.early.containsKey("disk") || in.ahead.containsKey("disk"))) {
            return; // (the disk stored ahead, offered again after the disk: its file is the disk's by now)
        }
        Early stored = m.image().equals("disk") ? in.early.remove(DISK_AHEAD) : null;
        if (stored != null) {
            over(in, m, lacking, stored);
            return;
        }
        if (m.image().equals(DISK_AHEAD)) {
            // Only what arrives is written, not what this host held: a second visit holds all of it, and
            // writing that now would take the cores from the sender's read; the disk's offer writes it.
            lacking = m.chunkIds();
        }
        Path file = incoming(target);
        Files.deleteIfExists(file);
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            if (m.length() > 0) {
                ch.write(java.nio.ByteBuffer.allocate(1), m.length() - 1); // as long as the image; holes until written
            }
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        Manifest held = m.without(lacking);
        startEarly(in, m, lacking, ch, () -> {
            in.store.materializeInto(held, ch, new WorkMeter());
            ch.force(false); // while the rest comes, off the commit's path
            return held;
        });
    }

    /**
     * The disk offered as {@code m} after the disk stored ahead, which {@code stored} wrote into the same
     * file: on a thread of its own, once {@code stored} is done, writes only the chunks of {@code m} that
     * differ from what the file holds (the guest's writes since it was stored ahead), and those in
     * {@code lacking} as they arrive.
     */
    private static void over(Incoming in, Manifest m, java.util.Set<org.zos.store.chunk.ChunkId> lacking, Early stored) {
        FileChannel ch = stored.file;
        startEarly(in, m, lacking, ch, () -> {
            Manifest holds = null;
            try {
                holds = stored.holds();
            } catch (ExecutionException e) { // what it wrote is not known: all of the disk is written
                LOG.warning("writing " + stored.offered.label() + " from its offer on failed; the disk is written whole: " + e.getCause());
            }
            if (ch.size() < m.length()) {
                ch.write(java.nio.ByteBuffer.allocate(1), m.length() - 1);
            }
            long t0 = System.nanoTime();
            in.store.updateInto(holds, m, lacking, ch, new WorkMeter());
            ch.force(false);
            LOG.info(String.format(java.util.Locale.ROOT, "move %d: %s written over %s in %d ms", in.id, m.label(),
                    stored.offered.label(), (System.nanoTime() - t0) / 1_000_000));
            return m.without(lacking);
        });
    }

    /**
     * Writes image {@code m} into {@code ch} from its offer on: {@code write} on a thread of its own (what
     * this host holds; it returns what it wrote), each chunk in {@code lacking} as it arrives ({@link Early}).
     */
    private static void startEarly(Incoming in, Manifest m, java.util.Set<org.zos.store.chunk.ChunkId> lacking, FileChannel ch,
            java.util.concurrent.Callable<Manifest> write) {
        FutureTask<Manifest> task = new FutureTask<>(write);
        in.early.put(m.image(), new Early(task, ch, m, lacking));
        run(task, "zos-early-" + m.image());
    }

    /** The chunks of the image offered as {@code m} go into what {@link #early} writes of it, if it does, as they arrive. */
    static void arriving(Incoming in, Manifest m, ImageImport imp) {
        Early e = in.early.get(m.image());
        if (e != null) {
            imp.onOpened(e);
        }
    }

    /**
     * Writes an image filed by {@code in} out ahead, on a thread of its own, so the commit only writes what
     * changes after: what {@link #early} wrote of it brought up to it, or all of it.
     */
    static void ahead(Incoming in, Manifest m) {
        Path target = targets(in.held.paths()).get(m.image());
        if (target == null || m.image().startsWith("memory") || in.ahead.containsKey(m.image())) {
            return; // the disk stored ahead too: what it wrote stays open for the disk's offer (early)
        }
        Early before = in.early.remove(m.image());
        start(in.ahead, m.image(), () -> {
            Manifest held = null;
            if (before != null) {
                try {
                    held = before.holds();
                } catch (ExecutionException e) {
                    LOG.warning("writing " + m.image() + " from its offer on failed; writing it whole: " + e.getCause());
                } finally {
                    before.close();
                }
            }
            if (held != null && held.generation() == m.generation() && held.length() == m.length()) {
                in.store.update(held, m, incoming(target), new WorkMeter());
            } else {
                in.store.materialize(m, incoming(target), new WorkMeter());
            }
            if (m.image().equals("disk")) { // checked now, as written: not again on the move's path (DiskConfinement)
                org.zos.agent.hypervisor.DiskConfinement.require(incoming(target));
            }
            return m;
        });
    }

    /**
     * An image written out from its offer on ({@link #early}): what this host held, by a thread of its own
     * ({@code held}), and each chunk still to come, as the import checks it, by the import's thread. They
     * write at different offsets of the same file.
     */
    static final class Early implements java.util.function.BiConsumer<org.zos.store.chunk.ChunkId, byte[]>, AutoCloseable {
        /** Arrived chunks written between two syncs: the sync at the end is then short. */
        static final long SYNC_BYTES = 32L << 20;

        final Future<Manifest> held;
        private final FileChannel file;
        final Manifest offered;
        private final java.util.Set<org.zos.store.chunk.ChunkId> lacking;
        private final Map<org.zos.store.chunk.ChunkId, long[]> at = new HashMap<>();
        private final Map<org.zos.store.chunk.ChunkId, Integer> length = new HashMap<>();
        private final java.util.Set<org.zos.store.chunk.ChunkId> written = new java.util.HashSet<>();
        private long unsynced;
        private java.util.concurrent.CompletableFuture<Void> syncing = java.util.concurrent.CompletableFuture.completedFuture(null);
        private boolean failed;

        Early(Future<Manifest> held, FileChannel file, Manifest offered, java.util.Set<org.zos.store.chunk.ChunkId> lacking) {
            this.held = held;
            this.file = file;
            this.offered = offered;
            this.lacking = lacking;
            long offset = 0;
            for (org.zos.store.manifest.ManifestEntry e : offered.entries()) {
                if (!e.isZero() && lacking.contains(e.id())) {
                    long[] was = at.get(e.id());
                    long[] now = was == null ? new long[1] : java.util.Arrays.copyOf(was, was.length + 1);
                    now[now.length - 1] = offset;
                    at.put(e.id(), now);
                    length.put(e.id(), e.length());
                }
                offset += e.length();
            }
        }

        /** A chunk arrived and checked: written at each of its offsets (a failed write leaves it to {@link #ahead}). */
        @Override
        public synchronized void accept(org.zos.store.chunk.ChunkId id, byte[] plain) {
            long[] offsets = at.get(id);
            if (offsets == null || failed || written.contains(id) || plain.length != length.get(id)) {
                return;
            }
            try {
                for (long o : offsets) {
                    java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(plain);
                    while (b.hasRemaining()) {
                        file.write(b, o + b.position());
                    }
                    unsynced += plain.length;
                }
                written.add(id);
                notifyAll(); // a domain prepared early waits for the chunks of the disk's metadata
                if (unsynced >= SYNC_BYTES && syncing.isDone()) { // beside the import, not in its way
                    unsynced = 0;
                    syncing = java.util.concurrent.CompletableFuture.runAsync(this::sync, r -> {
                        Thread t = new Thread(r, "zos-early-sync");
                        t.setDaemon(true);
                        t.start();
                    });
                }
            } catch (IOException e) {
                failed = true; // what it did not write is written when the image is filed
                notifyAll();
                LOG.warning("writing the chunks of " + offered.label() + " as they arrive failed: " + e);
            }
        }

        /** Whether chunk {@code id} is one this host lacked: it is written here as it arrives. */
        boolean comes(org.zos.store.chunk.ChunkId id) {
            return lacking.contains(id);
        }

        /**
         * Waits until every chunk of {@code ids} (which this host lacked) arrived and was written; false if
         * one was not by {@code deadline} (nanoTime), or writing failed.
         */
        synchronized boolean awaitWritten(java.util.Set<org.zos.store.chunk.ChunkId> ids, long deadline) throws InterruptedException {
            while (!failed && !written.containsAll(ids)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                wait(Math.max(1, left / 1_000_000));
            }
            return !failed;
        }

        private void sync() {
            try {
                file.force(false);
            } catch (IOException e) {
                LOG.fine("syncing an image written early: " + e); // synced whole when it is filed
            }
        }

        /** Once the thread is done: the image as the file holds it, the chunks that did not arrive yet as zeros. */
        synchronized Manifest holds() throws ExecutionException, InterruptedException {
            held.get();
            java.util.Set<org.zos.store.chunk.ChunkId> still = new java.util.HashSet<>(lacking);
            still.removeAll(written);
            return offered.without(still);
        }

        @Override
        public void close() {
            try {
                file.close();
            } catch (IOException e) {
                LOG.fine("closing an image written early: " + e);
            }
        }
    }

    private static void start(Map<String, Future<Manifest>> into, String image, java.util.concurrent.Callable<Manifest> write) {
        FutureTask<Manifest> task = new FutureTask<>(write);
        into.put(image, task);
        run(task, "zos-ahead-" + image);
    }

    /** Runs {@code task}, once it is where it is looked for, on a daemon thread of its own called {@code thread}. */
    private static void run(FutureTask<Manifest> task, String thread) {
        Thread t = new Thread(task, thread);
        t.setDaemon(true);
        t.start();
    }

    /** Waits for every write ahead of {@code in} to end (a dropped move overwrites what they wrote). */
    static void settle(Incoming in) {
        List<Future<Manifest>> all = new java.util.ArrayList<>(in.ahead.values());
        for (Early e : in.early.values()) {
            all.add(e.held);
        }
        for (Future<Manifest> f : all) {
            try {
                f.get();
            } catch (ExecutionException e) {
                LOG.fine("write ahead: " + e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        in.early.values().forEach(Early::close);
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
        if (in.keptDisk && in.held.diskBase().isEmpty()) {
            throw new ZosException(ErrorCode.INTEGRITY_ERROR, "the disk of " + in.anima + " was written since the move's offer",
                    "move it again: its disk then goes ahead");
        }
        for (String image : List.of("kernel", "initrd", "disk")) {
            if (in.keptDisk && (image.equals("disk") || !in.filed.containsKey(image))) {
                continue; // a return over the disk this host kept: it, and the kernel and initrd it sent, stay as they are
            }
            Manifest m = in.filed.get(image);
            if (m == null && image.equals("disk") && in.diskEarly != null) {
                continue; // placed early, still coming (placeEarly); written when it is filed (finishEarly)
            }
            if (m == null) {
                throw new ZosException(ErrorCode.PROTOCOL_ERROR, "live-prepare came before the " + image + " was sent", "");
            }
            write(in, image, m, targets.get(image), progress);
        }
    }

    /**
     * A live visit's {@code live-prepare} while its disk's chunks still come: makes the disk's file hold its
     * qcow2 metadata as the offer has it (the header, the L1 and refcount tables: all that QEMU reads when
     * it opens the disk; the rest only once the guest runs or the migration writes over it, which waits
     * until the disk is written), checks it, and gives it the disk's name beside its own (a second link),
     * so the domain's QEMU starts while the rest comes. False, having changed nothing the move relies on,
     * if it cannot (the disk is not such a qcow2 image, its chunks did not come by {@code deadline}, there
     * is a file at the disk's name): the disk is then placed once filed, as ever.
     */
    static boolean placeEarly(Incoming in, Manifest m, long deadline) throws IOException, InterruptedException {
        Early e;
        synchronized (in) {
            e = in.early.get("disk");
        }
        Path target = in.held.paths().disk();
        if (e == null || !e.offered.label().equals(m.label()) || Files.exists(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        long t0 = System.nanoTime();
        long end;
        try {
            if (!writeFinal(in, e, Qcow2Metadata.HEADER_READ, deadline)) {
                return false;
            }
            java.nio.ByteBuffer header = java.nio.ByteBuffer.allocate(Qcow2Metadata.HEADER_READ);
            e.file.read(header, 0);
            long clusters = Qcow2Metadata.clusterSize(header.array());
            if (clusters < 0 || !writeFinal(in, e, clusters, deadline)) {
                return false;
            }
            java.nio.ByteBuffer first = java.nio.ByteBuffer.allocate(Math.toIntExact(clusters));
            e.file.read(first, 0);
            end = Qcow2Metadata.end(first.array(), m.length());
            if (end < 0 || !writeFinal(in, e, end, deadline)) {
                return false;
            }
        } catch (java.nio.channels.ClosedChannelException filed) { // the disk came whole meanwhile: its filing took the file
            return false;
        }
        Path file = incoming(target);
        org.zos.agent.hypervisor.DiskConfinement.require(file);
        Files.createLink(target, file);
        in.diskEarly = new java.util.concurrent.CompletableFuture<>();
        LOG.info(String.format(java.util.Locale.ROOT, "move %d: %s placed while its chunks still come, its metadata (%d KiB) written"
                + " in %d ms", in.id, m.label(), end >> 10, (System.nanoTime() - t0) / 1_000_000));
        return true;
    }

    /**
     * Makes the bytes of {@code e}'s image before {@code upTo} final in its file: writes the chunks there
     * this host held (those another writer may be writing too: the same bytes), and waits for the ones it
     * lacked to have arrived and been written; false if they did not by {@code deadline}.
     */
    private static boolean writeFinal(Incoming in, Early e, long upTo, long deadline) throws IOException, InterruptedException {
        java.util.Set<org.zos.store.chunk.ChunkId> held = new java.util.HashSet<>();
        java.util.Set<org.zos.store.chunk.ChunkId> coming = new java.util.HashSet<>();
        long offset = 0;
        for (org.zos.store.manifest.ManifestEntry entry : e.offered.entries()) {
            if (offset >= upTo) {
                break;
            }
            if (!entry.isZero()) {
                (e.comes(entry.id()) ? coming : held).add(entry.id());
            }
            offset += entry.length();
        }
        java.util.Set<org.zos.store.chunk.ChunkId> others = new java.util.HashSet<>(e.offered.chunkIds());
        others.removeAll(held);
        in.store.materializeInto(e.offered.without(others), e.file, new WorkMeter());
        return e.awaitWritten(coming, deadline);
    }

    /**
     * A disk placed early ({@link #placeEarly}) was filed: waits for the write of what is left of it
     * ({@link #ahead}, which syncs it), or writes all of it into the file if that failed, and drops the
     * file's other name. Then the domain's QEMU may read any of it.
     */
    static void finishEarly(Incoming in, Manifest m) throws IOException, InterruptedException {
        Path target = in.held.paths().disk();
        long t0 = System.nanoTime();
        Future<Manifest> ahead;
        synchronized (in) {
            ahead = in.ahead.remove("disk");
        }
        Manifest written = written(ahead, m.label());
        if (written == null || written.generation() != m.generation()) {
            try (FileChannel ch = FileChannel.open(target, StandardOpenOption.WRITE)) {
                in.store.updateInto(null, m, java.util.Set.of(), ch, new WorkMeter()); // all of it, its zero runs as zeros
                ch.truncate(m.length());
                ch.force(true);
            }
            org.zos.agent.hypervisor.DiskConfinement.require(target);
        }
        Files.deleteIfExists(incoming(target));
        LOG.info(String.format(java.util.Locale.ROOT, "move %d: %s, placed early, written whole %d ms after it was filed", in.id,
                m.label(), (System.nanoTime() - t0) / 1_000_000));
    }

    /**
     * What the write ahead of {@code image} wrote (to its target's {@code .incoming} name), once it ended;
     * null if there was none ({@code ahead} null), or it failed (logged: the image is then written whole).
     */
    private static Manifest written(Future<Manifest> ahead, String image) throws InterruptedException {
        if (ahead == null) {
            return null;
        }
        try {
            return ahead.get();
        } catch (ExecutionException e) {
            LOG.warning("writing " + image + " ahead failed; writing it whole: " + e.getCause());
            return null;
        }
    }

    /** Writes one image to {@code target}: what was written ahead, brought up to {@code m}, or all of it. */
    private static void write(Incoming in, String image, Manifest m, Path target, Consumer<Progress> progress) throws IOException,
            InterruptedException {
        try (Meter meter = Meter.report("writing " + image, progress)) {
            Manifest written = written(in.ahead.remove(image), image);
            if (written == null) {
                Files.deleteIfExists(target);
                // The memory image is restored at once and deleted: no need to sync it.
                in.store.materialize(m, target, meter.work(), !image.startsWith("memory"));
            } else {
                if (written.generation() != m.generation()) {
                    in.store.update(written, m, incoming(target), meter.work());
                }
                if (Files.exists(target) && Files.isSameFile(target, incoming(target))) {
                    Files.delete(incoming(target)); // placed early (placeEarly): synced as written ahead, the name is the target's
                } else {
                    Durable.commit(incoming(target), target);
                }
            }
        }
    }
}
