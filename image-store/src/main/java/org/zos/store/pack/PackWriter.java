package org.zos.store.pack;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.zos.store.Durable;
import org.zos.store.chunk.SealedChunk;

/**
 * Appends sealed chunks to a new pack and commits it when it reaches its target size or on
 * {@link #flush()}. A commit follows the write order of the format: the pack is written to {@code tmp/},
 * fsynced and renamed into {@code packs/}; then its index the same way into {@code index/}; only then are
 * its chunks added to the {@link Index}. A full pack is committed on a background thread while the next
 * one fills, so the disk's fsync overlaps the work; {@link #flush()} returns once every pack is durable.
 * Not safe for use by several threads.
 */
public final class PackWriter implements AutoCloseable {
    public static final long TARGET_SIZE = 16L << 20;

    private final PackFiles files;
    private final Index index;
    private final long target;
    private String pack;
    private Path tmp;
    private DataOutputStream out;
    private long length;
    private final List<PackIndexFile.Entry> entries = new ArrayList<>();
    private long committedBytes;
    private final java.util.ArrayDeque<java.util.concurrent.Future<Long>> commits = new java.util.ArrayDeque<>();
    private static final java.util.concurrent.ExecutorService COMMITTER = java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "zos-pack-commit");
        t.setDaemon(true);
        return t;
    });

    public PackWriter(PackFiles files, Index index, long target) {
        this.files = files;
        this.index = index;
        this.target = target;
    }

    public PackWriter(PackFiles files, Index index) {
        this(files, index, TARGET_SIZE);
    }

    public void add(SealedChunk chunk) throws IOException {
        if (out == null) {
            pack = PackFiles.newPackId();
            tmp = files.temp(pack + ".pack");
            out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20));
            out.write(PackFormat.packHeader());
            length = PackFormat.PACK_HEADER;
        }
        byte[] b = chunk.bytes();
        out.write(PackFormat.entryHeader(chunk.id().bytes(), b.length));
        out.write(b);
        entries.add(new PackIndexFile.Entry(chunk.id(), length + PackFormat.ENTRY_HEADER, b.length, chunk.bases()));
        length += PackFormat.ENTRY_HEADER + b.length;
        if (length >= target) {
            rotate();
        }
    }

    /** Commits every pack written so far, and returns once they are all durable and indexed. */
    public void flush() throws IOException {
        rotate();
        while (!commits.isEmpty()) {
            try {
                committedBytes += commits.peek().get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while committing packs");
            } catch (java.util.concurrent.ExecutionException e) {
                throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
            }
            commits.poll();
        }
    }

    /** Closes the pack being written and has it committed in the background. */
    private void rotate() throws IOException {
        if (out == null) {
            return;
        }
        OutputStream o = out;
        out = null;
        o.close();
        String id = pack;
        Path written = tmp;
        PackIndexFile idx = new PackIndexFile(id, length, List.copyOf(entries));
        entries.clear();
        commits.add(COMMITTER.submit(() -> {
            Path packFile = files.pack(id);
            Files.createDirectories(packFile.getParent());
            Durable.commit(written, packFile);
            Durable.write(files.temp(id + ".idx"), files.indexOf(id), idx.encode());
            index.add(idx);
            return idx.packLength();
        }));
    }

    /** Bytes of packs committed so far (headers included). */
    public long committedBytes() {
        return committedBytes;
    }

    /** Drops the pack being written; what was committed, or is being committed, stays. */
    public void abort() {
        if (out != null) {
            try {
                out.close();
            } catch (IOException ignored) {
                // it is being thrown away
            }
            out = null;
            entries.clear();
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // a leftover temp file is removed when the store is next opened alone
            }
        }
    }

    @Override
    public void close() throws IOException {
        flush();
    }
}
