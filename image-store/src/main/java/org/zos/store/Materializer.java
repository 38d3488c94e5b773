package org.zos.store;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.concurrent.Future;
import java.util.function.Function;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.store.chunk.ChunkId;
import org.zos.store.chunk.ChunkSealer;
import org.zos.store.chunk.SealedChunk;
import org.zos.store.manifest.Manifest;
import org.zos.store.manifest.ManifestEntry;
import org.zos.store.pack.ChunkLocation;
import org.zos.store.pack.Index;
import org.zos.store.pack.PackReader;

/**
 * Writes an image back out from its manifest: into {@code <file>.part}, sparse (zero runs are holes),
 * every chunk opened and checked by the workers and written at its offset; then fsync and rename, so the
 * target is either the whole, verified image or absent.
 */
final class Materializer {
    private final ChunkSealer sealer;
    private final Index index;
    private final PackReader reader;
    private final Function<ChunkId, byte[]> bases;

    Materializer(ChunkSealer sealer, Index index, PackReader reader, Function<ChunkId, byte[]> bases) {
        this.sealer = sealer;
        this.index = index;
        this.reader = reader;
        this.bases = bases;
    }

    void run(Manifest m, Path out, WorkMeter meter) throws IOException {
        run(m, out, meter, true);
    }

    /** As above; without {@code durable} nothing is synced (for a file used at once and then deleted). */
    void run(Manifest m, Path out, WorkMeter meter, boolean durable) throws IOException {
        requireChunks(m);
        meter.total(m.length());
        Path part = out.resolveSibling(out.getFileName() + ".part");
        Files.deleteIfExists(part);
        try (RandomAccessFile raf = new RandomAccessFile(part.toFile(), "rw")) {
            raf.setLength(m.length());
            // A new sparse file: zero runs stay holes.
            writeEntries(raf.getChannel(), m, (at, e) -> !e.isZero(), meter);
            if (durable) {
                raf.getChannel().force(true);
            }
        } catch (ZosException e) {
            Files.deleteIfExists(part);
            if (e.code() == ErrorCode.INTEGRITY_ERROR && !e.getMessage().contains(m.label())) {
                throw new ZosException(e.code(), "image " + m.label() + " cannot be materialized: " + e.getMessage(), e.hint());
            }
            throw e;
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(part);
            throw e;
        }
        if (durable) {
            Durable.commit(part, out);
        } else {
            Files.move(part, out, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Writes the chunks of {@code m} at their offsets into {@code ch}, a file as long as the image whose zero runs are holes. */
    void into(Manifest m, FileChannel ch, WorkMeter meter) throws IOException {
        requireChunks(m);
        meter.total(m.length());
        writeEntries(ch, m, (at, e) -> !e.isZero(), meter);
    }

    /**
     * Turns {@code file}, which holds image {@code from} exactly, into image {@code to} in place: only the
     * chunks that differ at their offset are written (zero runs as zeros), then the length is set and the
     * file synced. Not atomic: on failure the file is neither image.
     */
    void update(Manifest from, Manifest to, Path file, WorkMeter meter) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            updateInto(from, to, java.util.Set.of(), raf.getChannel(), meter);
            raf.setLength(to.length());
            raf.getChannel().force(true);
        }
    }

    /**
     * As {@link #update}, into {@code ch}, which holds image {@code from} exactly (null: not known, so all
     * of {@code to} is written), leaving out the chunks in {@code skip}, which another writer puts at their
     * offsets as they arrive: nothing is synced, nor the length set.
     */
    void updateInto(Manifest from, Manifest to, java.util.Set<ChunkId> skip, FileChannel ch, WorkMeter meter) throws IOException {
        requireChunks(to.without(skip));
        java.util.Map<Long, ManifestEntry> old = new java.util.HashMap<>();
        long offset = 0;
        for (ManifestEntry e : from == null ? java.util.List.<ManifestEntry>of() : from.entries()) {
            old.put(offset, e);
            offset += e.length();
        }
        meter.total(to.length());
        writeEntries(ch, to, (at, e) -> {
            if (!e.isZero() && skip.contains(e.id())) {
                return false;
            }
            ManifestEntry was = old.get(at);
            return was == null || was.length() != e.length() || (e.isZero() ? !was.isZero() : !e.id().equals(was.id()));
        }, meter);
    }

    private void requireChunks(Manifest m) {
        long lacking = m.chunkIds().stream().filter(id -> !index.contains(id)).count();
        if (lacking > 0) {
            throw new ZosException(ErrorCode.INTEGRITY_ERROR, "image " + m.label() + " needs " + lacking
                    + " chunks this store does not hold", "import them from a host that holds the image");
        }
    }

    /** Writes the entries of {@code m} that {@code needed} picks (by offset), opened and checked by the workers. */
    private void writeEntries(FileChannel ch, Manifest m, java.util.function.BiPredicate<Long, ManifestEntry> needed,
            WorkMeter meter) throws IOException {
        ArrayDeque<Future<?>> queue = new ArrayDeque<>();
        long offset = 0;
        try {
            for (ManifestEntry e : m.entries()) {
                long at = offset;
                offset += e.length();
                if (!needed.test(at, e)) {
                    meter.add(e.length());
                    continue;
                }
                queue.add(StoreThreads.POOL.submit(() -> {
                    if (e.isZero()) {
                        ByteBuffer zeros = ByteBuffer.allocate(e.length());
                        while (zeros.hasRemaining()) {
                            ch.write(zeros, at + zeros.position());
                        }
                    } else {
                        write(ch, e, at, m);
                    }
                    meter.add(e.length());
                    return null;
                }));
                while (queue.size() >= StoreThreads.IN_FLIGHT) {
                    StoreThreads.await(queue.poll());
                }
            }
            while (!queue.isEmpty()) {
                StoreThreads.await(queue.poll());
            }
        } finally {
            queue.forEach(f -> f.cancel(true));
        }
    }

    private void write(FileChannel ch, ManifestEntry e, long at, Manifest m) throws IOException {
        ChunkLocation loc = index.get(e.id());
        SealedChunk sealed = reader.read(e.id(), loc);
        byte[] plain = sealer.open(sealed, loc.describe(), bases);
        if (plain.length != e.length()) {
            throw new ZosException(ErrorCode.INTEGRITY_ERROR, "chunk " + e.id().shortHex() + " has " + plain.length
                    + " bytes but image " + m.label() + " expects " + e.length(), "the manifest is inconsistent");
        }
        ByteBuffer b = ByteBuffer.wrap(plain);
        while (b.hasRemaining()) {
            ch.write(b, at + b.position());
        }
    }
}
