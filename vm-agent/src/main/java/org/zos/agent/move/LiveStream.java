package org.zos.agent.move;

import com.github.luben.zstd.Zstd;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.function.Consumer;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;

/**
 * QEMU's live migration stream, carried between two agents with ISR's economy (issue 17): the sender's
 * agent reads the stream QEMU writes, replaces every full guest page the receiver already holds (a 4 KiB
 * block of the disk image it received ahead) by a reference to it, leaves out the pages the receiver's
 * memory holds already (zero, or filled with the memory it kept), compresses the rest with zstd, and the receiver's agent puts the
 * stream back together for its QEMU's incoming side. QEMU and libvirt see an ordinary migration; only
 * the bytes between the agents change, and the records the receiver's QEMU has no use for.
 *
 * <p>The encoder ({@link QemuFollower}; {@link NbdFollower} for the disk's NBD writes, on the same
 * {@link Follower}) follows the stream as {@link org.zos.agent.hypervisor.SaveImage} reads a saved one (QEMU
 * 7.2, {@code migration/savevm.c} and {@code ram.c}): the header; everything up to the "ram" section's
 * start, verbatim; the "ram" section's parts and end, page record by page record; QEMU_VM_COMMAND
 * sections, verbatim. From the first section it does not know (the device state after the last RAM
 * pages, or another iterative device) to the end of the stream, it copies verbatim: it never has to
 * understand a section to carry it, so a stream it does not follow is carried whole, only larger.
 *
 * <p>Records between the agents (big-endian; they go in {@link Frames}): {@code 'R' u32 n, n bytes} verbatim; {@code 'Z' u32 n,
 * u32 m, m bytes} n verbatim bytes as one zstd frame; {@code 'D' u64 offset, u64 check}: the 4096 bytes of
 * the receiver's disk image as sent ahead at {@code offset}, whose {@link #check} is {@code check} (the
 * receiver verifies it: a reference that does not hold ends the stream, and the migration fails with the
 * anima still running on the sender); {@code 'M' u64 offset, u64 check}: the 4096 bytes at {@code offset}
 * of the memory the receiver kept of the anima when it last sent it away live ({@link KeptMemory}; only if
 * the receiver said it holds it, in {@code live-prepared}), checked the same way; {@code 'P' u64 position}
 * (only on a stream with a {@link Window}): the receiver has written everything before it to its QEMU
 * once it acknowledges {@code position}; {@code 'W' u64 at, u8 how, ...}: a page of the guest's memory the
 * receiver writes into its domain's memory at {@code at} itself, not into the stream (memory by content:
 * {@code how} 0, then the 4096 bytes; 1 or 2, then {@code u64 offset, u64 check}: the page is the one a 'D'
 * or an 'M' record with those would stand for); {@code 'E'}: the end of the stream.
 */
final class LiveStream {
    static final int PAGE = 4096;
    static final int QEMU_MAGIC = 0x5145564d;
    static final long FLAG_ZERO = 0x02;
    static final long FLAG_MEM_SIZE = 0x04;
    static final long FLAG_PAGE = 0x08;
    static final long FLAG_EOS = 0x10;
    static final long FLAG_CONTINUE = 0x20;
    static final int SECTION_START = 0x01;
    static final int SECTION_PART = 0x02;
    static final int SECTION_END = 0x03;
    static final int SECTION_COMMAND = 0x08;
    static final int FOOTER = 0x7e;
    /** Verbatim bytes are gathered up to this much before they go as one record. */
    static final int BATCH = 256 << 10;

    private LiveStream() {
    }

    /**
     * Where the receiver holds a page's content: the offset of an equal 4 KiB block of its disk image, that
     * offset with {@link #KEPT} set for one of the memory it kept, or -1.
     */
    @FunctionalInterface
    interface Pages {
        long find(byte[] page);
    }

    /** Set in what {@link Pages#find} returns for a page of the receiver's kept memory. */
    static final long KEPT = 1L << 62;
    /**
     * Set in a disk reference ('D', or a 'W' record's of kind 1) to a block the disk's mirror sent whole
     * ('B'): the rest is its number ({@link WholeBlocks}).
     */
    static final long MIRRORED = 1L << 61;
    /** The same, to a page the memory by content sent whole (a 'W' record of kind 0 on the memory stream). */
    static final long COPIED = 1L << 60;

    /**
     * A second 64-bit hash of a page, independent of the sender's index ({@link MemoryImage#hash}): the
     * receiver checks each reference with it, so a wrong one (a collision of the index's hash, or a bug)
     * fails the migration instead of corrupting the guest.
     */
    static long check(byte[] page) {
        long h = 0x2545F4914F6CDD1DL;
        for (int i = 0; i < PAGE; i += 8) {
            long v = (long) LONGS.get(page, i);
            h = (h ^ Long.rotateLeft(v * 0xD6E8FEB86659FD93L, 31)) * 0xFF51AFD7ED558CCDL;
            h ^= h >>> 29;
        }
        return h;
    }

    private static final java.lang.invoke.VarHandle LONGS = java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class,
            java.nio.ByteOrder.LITTLE_ENDIAN);

    /** Where the receiver acknowledges the marks of a stream with a {@link Window}. */
    @FunctionalInterface
    interface Acks {
        void ack(long position) throws IOException;
    }

    /** The receiver's disk image as sent ahead, for the pages the sender referred to. */
    @FunctionalInterface
    interface Disk {
        void read(long offset, byte[] page) throws IOException;

        /** Keeps a block the disk's mirror sent whole ('B'), to be referred to by its number. */
        default void keep(byte[] block) throws IOException {
            throw malformed("a block of the disk's mirror to keep, which this stream does not take");
        }
    }

    /** The pages of the guest's memory by content ('W' records) go to {@link #write}; those that came whole, to {@link #whole} too. */
    @FunctionalInterface
    interface Memory {
        void write(long at, byte[] page) throws IOException;

        /** A page that came whole (after {@link #write}): the memory stream's are kept, to be referred to by their number. */
        default void whole(byte[] page) {
        }
    }

    /**
     * What an encoder did: stream bytes read, bytes sent, whole 4 KiB blocks (pages) seen, those sent as
     * references, page records left out (the receiver holds those pages already), whether it followed the stream
     * to its end (or to where only opaque bytes follow), and the time it waited for its {@link Window}.
     */
    record Figures(long streamBytes, long sentBytes, long blocks, long referenced, long elided, boolean followed, long waitedNanos) {
    }

    /**
     * How far a migration stream may run ahead of the receiver's QEMU (docs/protocol.md, "Live moves"). The
     * encoder marks its position in the stream ({@code 'P'}) every {@link #step} bytes read from QEMU, once
     * every byte before it has gone to the link; the receiver acknowledges a mark once it has written the
     * stream up to it to its QEMU; the encoder reads on from QEMU only while it is at most {@link #size}
     * bytes past the last acknowledged mark. References make a stream hundreds of times smaller on the
     * wire: bounded in wire bytes only, it ran tens of MB ahead of the receiver's QEMU, which QEMU's last
     * round then waited behind, and QEMU, judging its rate by how fast its bytes left, chose its stop with
     * more to send than it could.
     */
    static final class Window {
        /** The window a sender asks for: about 30 ms of a receiving QEMU's loading here. */
        static final long SIZE = 8 << 20;
        private final long size;
        private long acked;
        private boolean closed;
        private long waited;

        Window(long size) {
            if (size < 16 || size > org.zos.protocol.message.LiveOpen.MAX_WINDOW) {
                throw new IllegalArgumentException("window " + size);
            }
            this.size = size;
        }

        long size() {
            return size;
        }

        /** Stream bytes between marks. */
        long step() {
            return size / 16;
        }

        /** The receiver acknowledged the mark at {@code position}. */
        synchronized void acked(long position) {
            if (position > acked) {
                acked = position;
                notifyAll();
            }
        }

        /** The stream ended: nothing waits any longer. */
        synchronized void close() {
            closed = true;
            notifyAll();
        }

        /** Waits until {@code position} is at most {@link #size} past the last acknowledged mark. */
        synchronized void await(long position) throws IOException {
            if (position - acked > size && !closed) { // timed only when it waits: a figure of the move's
                long start = System.nanoTime();
                try {
                    while (position - acked > size && !closed) {
                        wait();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("waiting for the receiver's acknowledgement");
                } finally {
                    waited += System.nanoTime() - start;
                }
            }
            if (position - acked > size) {
                throw new IOException("the stream ended before the receiver acknowledged position " + (position - size));
            }
        }

        synchronized long waitedNanos() {
            return waited;
        }
    }

    /**
     * Reads QEMU's stream from {@code qemu} to its end and writes the records to {@code out}.
     *
     * @param level zstd level for verbatim bytes (0: not compressed)
     */
    static Figures encode(InputStream qemu, OutputStream out, Pages pages, int level) throws IOException {
        return encode(qemu, out, pages, level, f -> { });
    }

    /** As {@link #encode(InputStream, OutputStream, Pages, int)}; {@code sofar} gets the figures also if it fails. */
    static Figures encode(InputStream qemu, OutputStream out, Pages pages, int level, Consumer<Figures> sofar) throws IOException {
        return encode(qemu, out, pages, level, null, sofar);
    }

    /**
     * As {@link #encode(InputStream, OutputStream, Pages, int, Consumer)}; what each page of the main RAM
     * block went as is noted in {@code ledger} (null: nowhere), which is marked complete if the stream was
     * followed to its end.
     */
    static Figures encode(InputStream qemu, OutputStream out, Pages pages, int level, PageLedger ledger, Consumer<Figures> sofar)
            throws IOException {
        return encode(qemu, out, pages, level, ledger, null, sofar);
    }

    /**
     * As {@link #encode(InputStream, OutputStream, Pages, int, PageLedger, Consumer)}, reading from QEMU
     * only as {@code window} lets it (null: as fast as the link takes it).
     */
    static Figures encode(InputStream qemu, OutputStream out, Pages pages, int level, PageLedger ledger, Window window,
            Consumer<Figures> sofar) throws IOException {
        return encode(qemu, out, pages, level, ledger, window, null, sofar);
    }

    /**
     * As {@link #encode(InputStream, OutputStream, Pages, int, PageLedger, Window, Consumer)}, to a receiver
     * whose memory starts with pages of the digests {@code initial} (the memory it kept, filled into its
     * domain's: {@link KeptMemory#fill}; null: zero everywhere): page records of the main RAM block that
     * would give it what it holds already are left out.
     */
    static Figures encode(InputStream qemu, OutputStream out, Pages pages, int level, PageLedger ledger, Window window, long[] initial,
            Consumer<Figures> sofar) throws IOException {
        return encode(qemu, out, pages, level, ledger, window, initial, null, sofar);
    }

    /** As above, for memory by content: {@code last} (not null) sends the last pages before the device state. */
    static Figures encode(InputStream qemu, OutputStream out, Pages pages, int level, PageLedger ledger, Window window, long[] initial,
            QemuFollower.Last last, Consumer<Figures> sofar) throws IOException {
        Counting counting = new Counting(out);
        QemuFollower f = new QemuFollower(new java.io.BufferedInputStream(qemu, 1 << 16), records(counting, level), pages, level, ledger,
                window, initial, last);
        return run(f, counting, sofar);
    }

    /** The records of a stream the agent writes itself (memory by content), in frames, compressed at {@code level}. */
    static DataOutputStream recordsTo(OutputStream out, int level) {
        return records(out, level);
    }

    private static Figures run(Follower f, Counting counting, Consumer<Figures> sofar) throws IOException {
        try {
            f.run();
        } finally {
            sofar.accept(figures(f, counting));
        }
        return figures(f, counting);
    }

    private static Figures figures(Follower f, Counting counting) {
        return new Figures(f.read, counting.count, f.blocks, f.refs, f instanceof QemuFollower q ? q.elided : 0, f.followed,
                f.window != null ? f.window.waitedNanos() : 0);
    }

    /**
     * Reads the client side of an NBD connection from {@code client} to its end and writes the records to
     * {@code out}; the blocks of the figures are the WRITEs' whole 4 KiB blocks.
     */
    static Figures encodeNbd(InputStream client, OutputStream out, Pages pages, int level) throws IOException {
        return encodeNbd(client, out, pages, level, null, f -> { });
    }

    /**
     * As {@link #encodeNbd(InputStream, OutputStream, Pages, int)}; the blocks that go whole go as 'B' records,
     * numbered in {@code mirror} (null: as verbatim bytes); {@code sofar} gets the figures also if it fails.
     */
    static Figures encodeNbd(InputStream client, OutputStream out, Pages pages, int level, WholeBlocks.Sent mirror,
            Consumer<Figures> sofar) throws IOException {
        Counting counting = new Counting(out);
        NbdFollower f = new NbdFollower(new java.io.BufferedInputStream(client, 1 << 16), records(counting, level), pages, level, mirror);
        return run(f, counting, sofar);
    }

    /**
     * Where a follower writes its records: gathered into {@link Frames}, so that they go in large frames of
     * the link (the follower flushes them when the stream is quiet), compressed if {@code level} is not 0.
     */
    private static DataOutputStream records(OutputStream out, int level) {
        return new DataOutputStream(new Frames(out, level > 0));
    }

    /**
     * The records in frames (big-endian): {@code 'K' u32 n, u32 m, m bytes}: n bytes of records as one zstd
     * frame (level 1); {@code 'U' u32 n, n bytes}: n bytes of records as they are; n at most {@link #BATCH}.
     * A record may run on from one frame into the next. A reference is 17 bytes after the page header's
     * 13, and most of those repeat from one page to the next: compressed, a return's 84 000 references
     * and headers went in 1 MB rather than 2.5 MB.
     */
    static final class Frames extends Gathered {
        private final OutputStream out;
        private final boolean compress;
        private final byte[] z = new byte[(int) Zstd.compressBound(BATCH)];

        Frames(OutputStream out, boolean compress) {
            this.out = out;
            this.compress = compress;
        }

        @Override
        public void flush() throws IOException {
            spill();
            out.flush();
        }

        @Override
        public void close() throws IOException {
            flush();
            out.close();
        }

        @Override
        void spill(byte[] buffer, int buffered) throws IOException {
            long m = compress ? Zstd.compressByteArray(z, 0, z.length, buffer, 0, buffered, 1) : -1;
            java.nio.ByteBuffer head = java.nio.ByteBuffer.allocate(9);
            if (m >= 0 && !Zstd.isError(m) && m + 4 < buffered) {
                out.write(head.put((byte) 'K').putInt(buffered).putInt((int) m).array(), 0, 9);
                out.write(z, 0, (int) m);
            } else {
                out.write(head.put((byte) 'U').putInt(buffered).array(), 0, 5);
                out.write(buffer, 0, buffered);
            }
        }
    }

    /** Bytes gathered up to {@link #BATCH} and handed on together ({@link #spill(byte[], int)}) when that is full, or on {@link #spill()}. */
    abstract static class Gathered extends OutputStream {
        private final byte[] buffer = new byte[BATCH];
        private int buffered;

        @Override
        public final void write(int b) throws IOException {
            if (buffered == buffer.length) {
                spill();
            }
            buffer[buffered++] = (byte) b;
        }

        @Override
        public final void write(byte[] b, int off, int len) throws IOException {
            while (len > 0) {
                if (buffered == buffer.length) {
                    spill();
                }
                int n = Math.min(len, buffer.length - buffered);
                System.arraycopy(b, off, buffer, buffered, n);
                buffered += n;
                off += n;
                len -= n;
            }
        }

        /** Hands on what is gathered, if anything. */
        final void spill() throws IOException {
            if (buffered > 0) {
                spill(buffer, buffered);
                buffered = 0;
            }
        }

        /** Hands on {@code buffered} bytes of {@code buffer} (at least one). */
        abstract void spill(byte[] buffer, int buffered) throws IOException;
    }

    /** The records {@link Frames} carry, as one stream. */
    private static final class Unframed extends InputStream {
        private final DataInputStream in;
        private byte[] frame = new byte[0];
        private int at;

        Unframed(InputStream in) {
            this.in = new DataInputStream(in);
        }

        @Override
        public int read() throws IOException {
            return next() ? frame[at++] & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (!next()) {
                return -1;
            }
            int n = Math.min(len, frame.length - at);
            System.arraycopy(frame, at, b, off, n);
            at += n;
            return n;
        }

        /** True once there are bytes at {@link #at}; false at the end of the stream, between frames. */
        private boolean next() throws IOException {
            while (at == frame.length) {
                int type = in.read();
                switch (type) {
                    case 'K' -> {
                        int n = checkedLength(in.readInt());
                        byte[] z = new byte[checkedLength(in.readInt())];
                        in.readFully(z);
                        byte[] b;
                        try {
                            b = Zstd.decompress(z, n);
                        } catch (RuntimeException e) {
                            throw malformed("a compressed frame is not zstd (" + e.getMessage() + ")");
                        }
                        if (b.length != n) {
                            throw malformed("a compressed frame holds " + b.length + " bytes, not " + n);
                        }
                        frame = b;
                    }
                    case 'U' -> {
                        frame = new byte[checkedLength(in.readInt())];
                        in.readFully(frame);
                    }
                    case -1 -> {
                        return false;
                    }
                    default -> throw malformed("unknown frame type " + type);
                }
                at = 0;
            }
            return true;
        }
    }

    /** Counts the bytes written through it. */
    /** Counts the bytes written through it. */
    static final class Counting extends java.io.FilterOutputStream {
        long count;

        Counting(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }

    /** Whether {@code offset} is that of a whole page (4 KiB-aligned) inside {@code size} bytes. */
    static boolean isPage(long offset, long size) {
        return offset >= 0 && offset % PAGE == 0 && offset + PAGE <= size;
    }

    /** Where the receiver writes the guest's memory by content ('W' records). */
    /**
     * Writes a 'W' record: the guest's page at {@code at} of the main RAM block, as a reference if
     * {@code found} (what {@link Pages#find} said of it) is not -1, else whole.
     */
    static void writePage(DataOutputStream out, long at, byte[] page, long found) throws IOException {
        out.writeByte('W');
        out.writeLong(at);
        if (found >= 0) {
            out.writeByte((found & KEPT) != 0 ? 2 : 1);
            out.writeLong(found & ~KEPT);
            out.writeLong(check(page));
        } else {
            out.writeByte(0);
            out.write(page);
        }
    }

    /** Reads records from {@code in} until 'E' and writes the stream they stand for to {@code qemu}. Returns its length. */
    static long decode(InputStream in, OutputStream qemu, Disk disk) throws IOException {
        return decode(in, qemu, disk, null);
    }

    /** As {@link #decode(InputStream, OutputStream, Disk)}, with {@code kept} the memory kept here ('M'; null: none). */
    static long decode(InputStream in, OutputStream qemu, Disk disk, Disk kept) throws IOException {
        return decode(in, qemu, disk, kept, null);
    }

    /**
     * As {@link #decode(InputStream, OutputStream, Disk, Disk)}; {@code acks} gets each mark's position once
     * the stream before it is written to {@code qemu} (null: the stream has no window, and a mark is malformed).
     */
    static long decode(InputStream in, OutputStream qemu, Disk disk, Disk kept, Acks acks) throws IOException {
        return decode(in, qemu, disk, kept, acks, null);
    }

    /** As above; {@code memory} takes the pages of 'W' records (null: they are malformed here). */
    static long decode(InputStream in, OutputStream qemu, Disk disk, Disk kept, Acks acks, Memory memory) throws IOException {
        DataInputStream r = new DataInputStream(new Unframed(in));
        byte[] page = new byte[PAGE];
        long written = 0;
        while (true) {
            int type = r.read();
            switch (type) {
                case 'R' -> {
                    byte[] b = new byte[checkedLength(r.readInt())];
                    r.readFully(b);
                    qemu.write(b);
                    written += b.length;
                }
                case 'Z' -> {
                    int n = checkedLength(r.readInt());
                    byte[] z = new byte[checkedLength(r.readInt())];
                    r.readFully(z);
                    byte[] b = Zstd.decompress(z, n);
                    if (b.length != n) {
                        throw malformed("a compressed record holds " + b.length + " bytes, not " + n);
                    }
                    qemu.write(b);
                    written += n;
                }
                case 'D', 'M' -> {
                    resolve(r, type == 'D', disk, kept, page);
                    qemu.write(page);
                    written += PAGE;
                }
                case 'B' -> {
                    r.readFully(page);
                    qemu.write(page);
                    written += PAGE;
                    disk.keep(page);
                }
                case 'W' -> {
                    long at = r.readLong();
                    int how = r.readUnsignedByte();
                    if (memory == null) {
                        throw malformed("a page of memory by content, which this stream does not take");
                    }
                    switch (how) {
                        case 0 -> r.readFully(page);
                        case 1, 2 -> resolve(r, how == 1, disk, kept, page);
                        default -> throw malformed("a page of memory of kind " + how);
                    }
                    memory.write(at, page);
                    if (how == 0) {
                        memory.whole(page);
                    }
                }
                case 'P' -> {
                    long position = r.readLong();
                    if (acks == null) {
                        throw malformed("a position mark on a stream without a window");
                    }
                    qemu.flush();
                    acks.ack(position);
                }
                case 'E' -> {
                    qemu.flush();
                    return written;
                }
                case -1 -> throw new EOFException("the migration stream ended without its end record");
                default -> throw malformed("unknown record type " + type);
            }
        }
    }

    /** Reads a reference's {@code u64 offset, u64 check} and the page it stands for (of the disk, or else the kept memory) into {@code page}. */
    private static void resolve(DataInputStream r, boolean toDisk, Disk disk, Disk kept, byte[] page) throws IOException {
        long offset = r.readLong();
        long check = r.readLong();
        String where = toDisk ? "the disk" : "the kept memory";
        if (!toDisk && kept == null) {
            throw malformed("a reference to kept memory, which this host did not offer");
        }
        (toDisk ? disk : kept).read(offset, page);
        if (check(page) != check) {
            String what = "the reference to " + where + " at " + offset + " does not hold there";
            throw toDisk ? malformed(what) : new KeptDiffers("the live migration stream is malformed: " + what);
        }
    }

    /** A reference to the kept memory that does not hold there: the kept memory is not what the sender knows of it. */
    static final class KeptDiffers extends ZosException {
        KeptDiffers(String message) {
            super(ErrorCode.PROTOCOL_ERROR, message, "");
        }
    }

    private static int checkedLength(int n) {
        if (n < 0 || n > 4 * BATCH) {
            throw malformed("a record of " + Integer.toUnsignedString(n) + " bytes");
        }
        return n;
    }

    private static ZosException malformed(String what) {
        return new ZosException(ErrorCode.PROTOCOL_ERROR, "the live migration stream is malformed: " + what, "");
    }

    static String describe(Figures f) {
        return String.format(java.util.Locale.ROOT, "%d of %d blocks referenced%s; %d stream bytes sent as %d%s%s", f.referenced(),
                f.blocks(), f.elided() > 0 ? ", " + f.elided() + " page records left out (held there)" : "", f.streamBytes(), f.sentBytes(),
                f.waitedNanos() > 0 ? "; waited " + f.waitedNanos() / 1_000_000 + " ms for the receiver" : "",
                f.followed() ? "" : " (stream not followed to its end)");
    }
}
