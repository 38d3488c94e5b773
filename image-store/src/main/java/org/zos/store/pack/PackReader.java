package org.zos.store.pack;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.store.chunk.ChunkId;
import org.zos.store.chunk.SealedChunk;

/** Reads sealed chunks out of packs with positional reads; safe for use by many threads. */
public final class PackReader implements AutoCloseable {
    private final PackFiles files;
    private final Map<String, FileChannel> open = new ConcurrentHashMap<>();

    public PackReader(PackFiles files) {
        this.files = files;
    }

    public SealedChunk read(ChunkId id, ChunkLocation at) throws IOException {
        if (at.length() < 0 || at.length() > SealedChunk.MAX_SEALED) {
            throw damaged(id, at, "its index gives it " + at.length() + " bytes");
        }
        byte[] b = new byte[at.length()];
        try {
            readFully(channel(at.pack()), ByteBuffer.wrap(b), at.offset());
        } catch (EOFException e) {
            throw damaged(id, at, "the pack ends before the chunk does (truncated pack)");
        } catch (NoSuchFileException e) {
            throw damaged(id, at, "the pack file is missing");
        }
        return new SealedChunk(id, b);
    }

    /** Forgets an open pack, before it is deleted. */
    public void evict(String pack) throws IOException {
        FileChannel ch = open.remove(pack);
        if (ch != null) {
            ch.close();
        }
    }

    private FileChannel channel(String pack) throws IOException {
        FileChannel ch = open.get(pack);
        if (ch == null) {
            FileChannel fresh = FileChannel.open(files.pack(pack), StandardOpenOption.READ);
            ch = open.putIfAbsent(pack, fresh);
            if (ch == null) {
                ch = fresh;
            } else {
                fresh.close();
            }
        }
        return ch;
    }

    static void readFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        while (b.hasRemaining()) {
            int n = ch.read(b, pos + b.position());
            if (n < 0) {
                throw new EOFException();
            }
        }
    }

    private static ZosException damaged(ChunkId id, ChunkLocation at, String problem) {
        return new ZosException(ErrorCode.INTEGRITY_ERROR, "chunk " + id.shortHex() + " " + at.describe()
                + " cannot be read: " + problem, "run 'zos-vm store check' to see what is damaged");
    }

    @Override
    public void close() throws IOException {
        for (FileChannel ch : open.values()) {
            ch.close();
        }
        open.clear();
    }
}
