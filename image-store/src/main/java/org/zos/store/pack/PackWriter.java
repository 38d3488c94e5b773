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
 * its chunks added to the {@link Index}. Not safe for use by several threads.
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
        out.write(chunk.id().bytes());
        out.writeInt(b.length);
        out.write(b);
        entries.add(new PackIndexFile.Entry(chunk.id(), length + PackFormat.ENTRY_HEADER, b.length));
        length += PackFormat.ENTRY_HEADER + b.length;
        if (length >= target) {
            flush();
        }
    }

    /** Commits the pack being written, if any. */
    public void flush() throws IOException {
        if (out == null) {
            return;
        }
        OutputStream o = out;
        out = null;
        o.close();
        Path packFile = files.pack(pack);
        Files.createDirectories(packFile.getParent());
        Durable.commit(tmp, packFile);
        PackIndexFile idx = new PackIndexFile(pack, length, List.copyOf(entries));
        Durable.write(files.temp(pack + ".idx"), files.indexOf(pack), idx.encode());
        index.add(idx);
        committedBytes += length;
        entries.clear();
    }

    /** Bytes of packs committed so far (headers included). */
    public long committedBytes() {
        return committedBytes;
    }

    /** Drops the pack being written; what was committed stays. */
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
