package org.zos.store.folder;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One copy of a synced folder, local ({@link LocalReplica}) or at the other end of a stream
 * ({@link ReplicaWire.Client}). Every change is conditional: it names the entry the caller saw
 * ({@code base}, null for "nothing there") and is refused with {@link Changed} if the path no longer holds
 * it, so a change made meanwhile is never overwritten; the next round sees it.
 */
public interface Replica extends AutoCloseable {

    /** Who holds this copy (a host name, or "anima"): it names conflict copies. */
    String name();

    /**
     * The tree now. {@code since} is the token of the last scan the caller holds: if nothing changed since,
     * the answer has that token and null entries.
     */
    Scan scan(long since) throws IOException;

    /** The last state both copies agreed on, with its generation (0: none yet). */
    Agreed agreed() throws IOException;

    /** Records the state both copies now agree on. */
    void agree(Agreed agreed) throws IOException;

    /** The blocks of the file at {@code path}, which must still be {@code entry}. */
    List<Block> blocks(String path, Entry entry) throws IOException;

    /**
     * Of the blocks of a file about to be written at {@code path}, the hashes this copy finds in none of its
     * own files (the path names the file only so that a remote copy can be told its blocks compactly).
     */
    Set<String> lacking(String path, List<Block> blocks) throws IOException;

    /** The bytes of one block of a file, checked against its hash. */
    byte[] read(String path, Block block) throws IOException;

    /**
     * Writes the file {@code target} at {@code path} from {@code blocks}: the blocks this copy lacks come,
     * in the order they first appear, from {@code carried}; the rest from its own files. The new file
     * replaces the old one only when complete and checked, and only if the path still holds {@code base}.
     */
    void put(String path, Entry base, Entry target, List<Block> blocks, Set<String> lacking, BlockSource carried) throws IOException;

    /** Removes the file or (empty) directory at {@code path} if it still holds {@code base}. */
    void delete(String path, Entry base) throws IOException;

    /** Creates the directory at {@code path} (and its parents). */
    void mkdir(String path) throws IOException;

    @Override
    void close() throws IOException;

    /** A tree: token and entries by path (null if unchanged since the token asked). */
    record Scan(long token, Map<String, Entry> entries) {
    }

    /** An agreed state: generation and entries by path. */
    record Agreed(long generation, Map<String, Entry> entries) {
    }

    /** Supplies the bytes of a block a copy lacks. */
    @FunctionalInterface
    interface BlockSource {
        byte[] get(Block block) throws IOException;
    }

    /** The path no longer holds what the caller saw: it changed meanwhile. Nothing was written. */
    final class Changed extends IOException {
        public Changed(String message) {
            super(message);
        }
    }
}
