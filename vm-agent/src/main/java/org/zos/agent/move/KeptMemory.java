package org.zos.agent.move;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * The memory an anima had when its home last sent it away live, kept so that its live return refers to
 * what did not change (issue 17: a live move leaves no memory image behind, so without this every return
 * sends the memory that is not file data again, compressed: 30 MB of the bench guest's 48 MB).
 *
 * <p>Home, once the anima runs on the visited host, writes the paused source's memory (what the visited
 * host's QEMU holds, checked page by page: {@link MemoryCheck}) to {@code memory.kept.<tag>} in the
 * anima's directory, sparse, and sends the visited host a {@link #digest} of each page
 * ({@code memory-kept}); the tag is the move's transfer number. The visited host keeps those digests in
 * its agent's memory only ({@link Indexes}): nothing of the anima's data. Its live return names the tag in
 * {@code live-prepare}; if home still holds that file it says so in {@code live-prepared}, and every page
 * of the return whose digest is among them goes as an {@code 'M'} reference, which home reads from the file
 * and checks ({@link LiveStream#check}) as it checks references to the disk. The file goes when the anima
 * is home again, whichever way it came.
 */
final class KeptMemory {
    private static final Logger LOG = Logger.getLogger(KeptMemory.class.getName());
    private static final String PREFIX = "memory.kept.";

    private KeptMemory() {
    }

    static Path file(Path animaDir, long tag) {
        return animaDir.resolve(PREFIX + Long.toHexString(tag));
    }

    /**
     * Writes {@code memory} (the source's, paused or past its QEMU's end) to the kept file of {@code tag}
     * (sparse: zero pages are holes), dropping any kept before; returns the digest of every page.
     */
    static long[] keep(Path animaDir, FileChannel memory, long tag) throws IOException {
        drop(animaDir);
        Path out = file(animaDir, tag);
        Path part = out.resolveSibling(out.getFileName() + ".part");
        long size = memory.size();
        long[] digests;
        try (RandomAccessFile raf = new RandomAccessFile(part.toFile(), "rw")) {
            raf.setLength(size);
            digests = copy(size, from(memory), pagesTo(raf.getChannel()));
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(part);
            throw e;
        }
        Files.move(part, out, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return digests;
    }

    /** Where {@link #copy} reads memory from: fills {@code buf} (up to its limit) with the bytes at {@code pos}. */
    @FunctionalInterface
    interface Source {
        void read(long pos, ByteBuffer buf) throws IOException;
    }

    /** Where {@link #copy} puts what it read: {@code len} bytes at {@code pos}, at least one page of them not zero. */
    @FunctionalInterface
    interface Sink {
        void put(long pos, byte[] bytes, int len) throws IOException;
    }

    /** Reads a file or a domain's memory. */
    static Source from(FileChannel ch) {
        return (pos, buf) -> {
            int start = buf.position();
            while (buf.hasRemaining()) {
                if (ch.read(buf, pos + buf.position() - start) < 0) {
                    throw new java.io.EOFException("the memory ended at " + (pos + buf.position() - start));
                }
            }
        };
    }

    /** Writes each page that is not zero to {@code ch} at its offset: the zero pages of a sparse file or a fresh memory stay holes. */
    static Sink pagesTo(FileChannel ch) {
        return (pos, bytes, len) -> {
            // a run of pages that are not zero goes in one write: a write a page made the fill of a 512 MiB
            // domain 131,072 system calls
            int run = -1;
            for (int off = 0; off <= len; off += LiveStream.PAGE) {
                boolean data = off < len && !zero(bytes, off);
                if (data && run < 0) {
                    run = off;
                } else if (!data && run >= 0) {
                    write(ch, ByteBuffer.wrap(bytes, run, off - run), pos + run);
                    run = -1;
                }
            }
        };
    }

    /** Writes all of {@code b}'s remaining bytes to {@code ch}, the first at {@code at}. */
    static void write(FileChannel ch, ByteBuffer b, long at) throws IOException {
        long start = at - b.position();
        while (b.hasRemaining()) {
            ch.write(b, start + b.position());
        }
    }

    /**
     * Copies {@code size} bytes of memory from {@code from} to {@code to}, a MiB at a time at whole MiB
     * (a MiB of zeros is not put), in parts, one a core ({@link MemoryParts}); returns the digest of every page.
     */
    static long[] copy(long size, Source from, Sink to) throws IOException {
        long[] digests = new long[Math.toIntExact(size / LiveStream.PAGE)];
        MemoryParts.run(size, (lo, hi) -> {
            ByteBuffer buf = ByteBuffer.allocate(1 << 20);
            byte[] bytes = buf.array();
            for (long pos = lo; pos < hi; ) {
                int len = (int) Math.min(buf.capacity(), hi - pos);
                buf.clear().limit(len);
                from.read(pos, buf);
                boolean any = false;
                for (int off = 0; off < len; off += LiveStream.PAGE) {
                    digests[(int) ((pos + off) / LiveStream.PAGE)] = PageLedger.digest(bytes, off);
                    any = any || !zero(bytes, off);
                }
                if (any) {
                    to.put(pos, bytes, len);
                }
                pos += len;
            }
            return null;
        });
        return digests;
    }

    private static boolean zero(byte[] b, int off) {
        for (int i = off; i < off + LiveStream.PAGE; i += 8) {
            if ((long) LONGS.get(b, i) != 0) {
                return false;
            }
        }
        return true;
    }

    /** The kept file of {@code tag}, open for reading, if this host holds it. */
    static Optional<FileChannel> open(Path animaDir, long tag) {
        Path f = file(animaDir, tag);
        try {
            return Files.isRegularFile(f) ? Optional.of(FileChannel.open(f)) : Optional.empty();
        } catch (IOException e) {
            LOG.warning("the kept memory " + f + " cannot be read (the return sends all of its memory): " + e);
            return Optional.empty();
        }
    }

    /**
     * The SHA-256, lowercase hex, of page digests, each as a u64 big-endian, in order: {@code live-prepare}'s
     * {@code keptSum}, by which a receiver that fills its memory knows that it holds what the sender thinks.
     */
    static String sum(long[] digests) {
        ByteBuffer b = ByteBuffer.allocate(digests.length * 8);
        b.asLongBuffer().put(digests);
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(b.array()));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Fills {@code memory}, the receiving domain's (its QEMU not yet reading the migration stream), with the
     * {@code size} bytes of kept memory {@code kept} gives, page for page: a live move's sender then leaves out
     * every page whose content is there already, so neither it nor the receiver's QEMU handles the hundreds
     * of MB of references that would stand for them. Pages that are zero are not written (the memory starts
     * zero, as the stream's zero pages left out assume), so what is filled is what the memory holds. In
     * parts, one a core.
     *
     * @return the {@link #sum} of the digests of the pages as filled, for the receiver to compare with the sender's
     * @throws LiveStream.KeptDiffers if the kept memory is larger than the domain's
     */
    static String fill(FileChannel kept, FileChannel memory) throws IOException {
        return fill(from(kept), kept.size(), memory);
    }

    /** As above, from a source of {@code size} bytes (a {@link SealedMemory} a visited host keeps). */
    static String fill(Source kept, long size, FileChannel memory) throws IOException {
        if (size % LiveStream.PAGE != 0 || size > memory.size()) {
            throw new LiveStream.KeptDiffers("the kept memory (" + size + " bytes) does not fit the domain's (" + memory.size() + " bytes)");
        }
        return sum(copy(size, kept, pagesTo(memory)));
    }

    /** Removes what is kept of the anima's memory (nothing if nothing is). */
    static void drop(Path animaDir) {
        if (!Files.isDirectory(animaDir)) {
            return;
        }
        try (DirectoryStream<Path> kept = Files.newDirectoryStream(animaDir, PREFIX + "*")) {
            for (Path f : kept) {
                Files.deleteIfExists(f);
            }
        } catch (IOException e) {
            LOG.warning("could not remove the kept memory in " + animaDir + ": " + e);
        }
    }

    /** The page of a kept file at {@code offset}, as a reference into it may name it. */
    static void read(FileChannel kept, long offset, byte[] page) throws IOException {
        if (!LiveStream.isPage(offset, kept.size())) {
            throw new org.zos.protocol.ZosException(org.zos.protocol.ErrorCode.PROTOCOL_ERROR, "a reference to offset " + offset
                    + ", not a page of the kept memory", "");
        }
        from(kept).read(offset, ByteBuffer.wrap(page));
    }

    /** What a visited host knows of the memory home kept: its tag and each page's digest. */
    record Index(long tag, long[] digests) {
        /** The {@link KeptMemory#sum} of the digests. */
        String sum() {
            return KeptMemory.sum(digests);
        }

        /** Where each digest is (the first page with it), zero pages left out: QEMU sends those as zero pages anyway. */
        DiskBlocks byDigest() {
            long zero = PageLedger.digest(new byte[LiveStream.PAGE], 0);
            DiskBlocks out = new DiskBlocks();
            for (int i = 0; i < digests.length; i++) {
                if (digests[i] != zero && digests[i] != 0) {
                    out.putIfAbsent(digests[i], (long) i * LiveStream.PAGE);
                }
            }
            return out;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Index i && i.tag == tag && Arrays.equals(i.digests, digests);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(tag) * 31 + Arrays.hashCode(digests);
        }
    }

    /** The indexes a visited host holds, by anima: in memory only, forgotten when the anima leaves or the agent ends. */
    static final class Indexes {
        private final Map<String, Index> byAnima = new ConcurrentHashMap<>();
        /** Indexes whose digests are still coming, and how many came. */
        private final Map<String, Index> coming = new HashMap<>();
        private final Map<String, Long> came = new HashMap<>();
        private final Map<String, String> returnedFrom = new ConcurrentHashMap<>();

        void put(String anima, Index index) {
            byAnima.put(anima, index);
        }

        /**
         * Digests {@code first} on of the {@code pages} of the memory kept under {@code tag}; the index is
         * taken once all came (digests of another tag start it anew). Returns whether it is whole now.
         */
        synchronized boolean add(String anima, long tag, int pages, int first, long[] digests) {
            Index i = coming.get(anima);
            if (i == null || i.tag() != tag || i.digests().length != pages) {
                i = new Index(tag, new long[pages]);
                coming.put(anima, i);
                came.put(anima, 0L);
            }
            System.arraycopy(digests, 0, i.digests(), first, digests.length);
            long n = came.merge(anima, (long) digests.length, Long::sum);
            if (n < pages) {
                return false;
            }
            coming.remove(anima);
            came.remove(anima);
            byAnima.put(anima, i);
            return true;
        }

        Optional<Index> get(String anima) {
            return Optional.ofNullable(byAnima.get(anima));
        }

        /**
         * At home: as {@link #add}, digests of memory the host the anima came home from sealed ({@link SealedMemory});
         * once all came, the whole index (kept by the caller on disk, not here).
         */
        synchronized Optional<Index> addSealed(String anima, long tag, int pages, int first, long[] digests) {
            String key = "\0sealed:" + anima;
            if (!add(key, tag, pages, first, digests)) {
                return Optional.empty();
            }
            return Optional.ofNullable(byAnima.remove(key));
        }

        /** At home: the anima came home from {@code host}, which may tell what it sealed of its memory ({@code memory-kept} with a key). */
        void returned(String anima, String host) {
            returnedFrom.put(anima, host);
        }

        /** At home: the host the anima last came home from while this agent runs, or null. */
        String returnedFrom(String anima) {
            return returnedFrom.get(anima);
        }

        synchronized void forget(String anima) {
            byAnima.remove(anima);
            coming.remove(anima);
            came.remove(anima);
        }
    }

    private static final java.lang.invoke.VarHandle LONGS = java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class,
            java.nio.ByteOrder.LITTLE_ENDIAN);
}
