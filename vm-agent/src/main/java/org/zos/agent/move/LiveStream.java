package org.zos.agent.move;

import com.github.luben.zstd.Zstd;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;

/**
 * QEMU's live migration stream, carried between two agents with ISR's economy (issue 17): the sender's
 * agent reads the stream QEMU writes, replaces every full guest page the receiver already holds (a 4 KiB
 * block of the disk image it received ahead) by a reference to it, compresses the rest with zstd, and the
 * receiver's agent puts the exact stream back together for its QEMU's incoming side. QEMU and libvirt see
 * an ordinary migration; only the bytes between the agents change.
 *
 * <p>The encoder follows the stream as {@link org.zos.agent.hypervisor.SaveImage} reads a saved one (QEMU
 * 7.2, {@code migration/savevm.c} and {@code ram.c}): the header; everything up to the "ram" section's
 * start, verbatim; the "ram" section's parts and end, page record by page record; QEMU_VM_COMMAND
 * sections, verbatim. From the first section it does not know (the device state after the last RAM
 * pages, or another iterative device) to the end of the stream, it copies verbatim: it never has to
 * understand a section to carry it, so a stream it does not follow is carried whole, only larger.
 *
 * <p>Records between the agents (big-endian): {@code 'R' u32 n, n bytes} verbatim; {@code 'Z' u32 n,
 * u32 m, m bytes} n verbatim bytes as one zstd frame; {@code 'D' u64 offset}: the 4096 bytes of the
 * receiver's disk image at {@code offset}; {@code 'E'}: the end of the stream.
 */
final class LiveStream {
    static final int PAGE = 4096;
    private static final int QEMU_MAGIC = 0x5145564d;
    private static final long FLAG_ZERO = 0x02;
    private static final long FLAG_MEM_SIZE = 0x04;
    private static final long FLAG_PAGE = 0x08;
    private static final long FLAG_EOS = 0x10;
    private static final long FLAG_CONTINUE = 0x20;
    private static final int SECTION_START = 0x01;
    private static final int SECTION_PART = 0x02;
    private static final int SECTION_END = 0x03;
    private static final int SECTION_COMMAND = 0x08;
    private static final int FOOTER = 0x7e;
    /** Verbatim bytes are gathered up to this much before they go as one record. */
    private static final int BATCH = 256 << 10;

    private LiveStream() {
    }

    /** Where the receiver holds a page's content: the offset of an equal 4 KiB block of its disk image, or -1. */
    @FunctionalInterface
    interface Pages {
        long find(byte[] page);
    }

    /** Whether the receiver's disk image as sent ahead holds {@code block} at {@code offset}. */
    @FunctionalInterface
    interface SameAt {
        boolean holds(long offset, byte[] block);
    }

    /** The receiver's disk image, for the pages the sender referred to. */
    @FunctionalInterface
    interface Disk {
        void read(long offset, byte[] page) throws IOException;
    }

    /** What an encoder did: stream bytes read, bytes sent, whole 4 KiB blocks (pages) seen, and those sent as references. */
    record Figures(long streamBytes, long sentBytes, long blocks, long referenced, boolean followed) {
    }

    /**
     * Reads QEMU's stream from {@code qemu} to its end and writes the records to {@code out}.
     *
     * @param level zstd level for verbatim bytes (0: not compressed)
     */
    static Figures encode(InputStream qemu, OutputStream out, Pages pages, int level) throws IOException {
        Counting counting = new Counting(out);
        QemuFollower f = new QemuFollower(new java.io.BufferedInputStream(qemu, 1 << 16), new DataOutputStream(counting), pages, level);
        boolean followed = f.run();
        return new Figures(f.read, counting.count, f.blocks, f.refs, followed);
    }

    /**
     * Reads the client side of an NBD connection from {@code client} to its end and writes the records to
     * {@code out}; the blocks of the figures are the WRITEs' whole 4 KiB blocks.
     */
    static Figures encodeNbd(InputStream client, OutputStream out, SameAt same, int level) throws IOException {
        Counting counting = new Counting(out);
        NbdFollower f = new NbdFollower(new java.io.BufferedInputStream(client, 1 << 16), new DataOutputStream(counting), same, level);
        boolean followed = f.run();
        return new Figures(f.read, counting.count, f.blocks, f.refs, followed);
    }

    /** Counts the bytes written through it. */
    private static final class Counting extends java.io.FilterOutputStream {
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

    /** Reads records from {@code in} until 'E' and writes the stream they stand for to {@code qemu}. Returns its length. */
    static long decode(InputStream in, OutputStream qemu, Disk disk) throws IOException {
        DataInputStream r = new DataInputStream(in);
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
                case 'D' -> {
                    disk.read(r.readLong(), page);
                    qemu.write(page);
                    written += PAGE;
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

    private static int checkedLength(int n) {
        if (n < 0 || n > 4 * BATCH) {
            throw malformed("a record of " + Integer.toUnsignedString(n) + " bytes");
        }
        return n;
    }

    private static ZosException malformed(String what) {
        return new ZosException(ErrorCode.PROTOCOL_ERROR, "the live migration stream is malformed: " + what, "");
    }

    /**
     * The sending side of one stream: reads it, and writes records. Every byte it reads goes into the
     * batch of verbatim bytes as it is read (so a stream cut anywhere is still carried exactly), except
     * blocks it reads aside with {@link #readAside}, which it then sends as a reference or verbatim.
     * A subclass follows one kind of stream in {@link #follow}.
     */
    private abstract static class Follower {
        private final java.io.PushbackInputStream source;
        final DataInputStream in;
        private final DataOutputStream out;
        private final int level;
        private final byte[] batch = new byte[BATCH];
        private int batched;
        long read;
        long blocks;
        long refs;
        private boolean teeing = true;

        Follower(InputStream stream, DataOutputStream out, int level) {
            this.source = new java.io.PushbackInputStream(stream, 1);
            this.in = new DataInputStream(new java.io.FilterInputStream(source) {
                @Override
                public int read() throws IOException {
                    int b = super.read();
                    if (b >= 0) {
                        read++;
                        if (teeing) {
                            add1(b);
                        }
                    }
                    return b;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    int n = super.read(b, off, len);
                    if (n > 0) {
                        read += n;
                        if (teeing) {
                            add(b, off, n);
                        }
                    }
                    return n;
                }

                @Override
                public long skip(long n) throws IOException { // skipped bytes are carried too
                    byte[] b = new byte[(int) Math.min(n, 4096)];
                    int got = read(b, 0, b.length);
                    return Math.max(got, 0);
                }
            });
            this.out = out;
            this.level = level;
        }

        /** Follows the stream as far as it can; true if it followed it to its end (or to where only opaque bytes follow). */
        abstract boolean follow() throws IOException;

        /** Carries the whole stream, ending with 'E'; returns {@link #follow}'s answer (false if the stream surprised it). */
        final boolean run() throws IOException {
            boolean followed;
            try {
                followed = follow();
            } catch (Unfollowed | EOFException e) {
                followed = false; // what was read so far is in the batch: the rest follows it verbatim
            }
            byte[] b = new byte[1 << 16];
            while (in.read(b) > 0) {
                // teed into the batch
            }
            flushBatch();
            out.writeByte('E');
            out.flush();
            return followed;
        }

        /** Reads {@code block.length} bytes aside (not into the batch); if the stream ends inside, what came goes verbatim. */
        final void readAside(byte[] block) throws IOException {
            teeing = false;
            int got = 0;
            try {
                while (got < block.length) {
                    int n = in.read(block, got, block.length - got);
                    if (n < 0) {
                        add(block, 0, got);
                        throw new EOFException();
                    }
                    got += n;
                }
            } finally {
                teeing = true;
            }
            blocks++;
        }

        /** Sends a block read aside: as a reference to the receiver's disk at {@code offset} (if not -1), or verbatim. */
        final void send(byte[] block, long offset) throws IOException {
            if (offset >= 0) {
                flushBatch();
                out.writeByte('D');
                out.writeLong(offset);
                refs++;
            } else {
                add(block, 0, block.length);
            }
        }

        /** Peeks at the next byte without reading it; -1 at the end. */
        final int peek() throws IOException {
            int b = source.read();
            if (b >= 0) {
                source.unread(b);
            }
            return b;
        }

        private void add1(int b) throws IOException {
            if (batched == BATCH) {
                flushBatch();
            }
            batch[batched++] = (byte) b;
        }

        private void add(byte[] b, int off, int len) throws IOException {
            while (len > 0) {
                if (batched == BATCH) {
                    flushBatch();
                }
                int n = Math.min(len, BATCH - batched);
                System.arraycopy(b, off, batch, batched, n);
                batched += n;
                off += n;
                len -= n;
            }
        }

        private void flushBatch() throws IOException {
            if (batched == 0) {
                return;
            }
            byte[] raw = Arrays.copyOf(batch, batched);
            byte[] z = level > 0 ? Zstd.compress(raw, level) : null;
            if (z != null && z.length < raw.length - 16) {
                out.writeByte('Z');
                out.writeInt(raw.length);
                out.writeInt(z.length);
                out.write(z);
            } else {
                out.writeByte('R');
                out.writeInt(raw.length);
                out.write(raw);
            }
            batched = 0;
            out.flush();
        }
    }

    /** Follows QEMU's migration stream: RAM pages the receiver holds become references. */
    private static final class QemuFollower extends Follower {
        private final Pages pages;
        private int ramId = -1;

        QemuFollower(InputStream qemu, DataOutputStream out, Pages pages, int level) {
            super(qemu, out, level);
            this.pages = pages;
        }

        @Override
        boolean follow() throws IOException {
            return in.readInt() == QEMU_MAGIC && in.readInt() == 3 && findRam() && sections();
        }

        /** Follows sections after the RAM setup; returns at the first section it does not follow (its type read). */
        private boolean sections() throws IOException {
            boolean ended = false;
            while (true) {
                int type = in.readUnsignedByte();
                if ((type == SECTION_PART || type == SECTION_END) && !ended) {
                    if (in.readInt() != ramId) {
                        return false;
                    }
                    pageRecords();
                    footer();
                    ended = type == SECTION_END;
                } else if (type == SECTION_COMMAND) {
                    in.readUnsignedShort();
                    in.skipNBytes(in.readUnsignedShort());
                } else {
                    return ended; // the device state (or something else): verbatim from here
                }
            }
        }

        /** Page records up to EOS: each full page either a reference or verbatim. */
        private void pageRecords() throws IOException {
            byte[] page = new byte[PAGE];
            while (true) {
                long hdr = in.readLong();
                long flags = hdr & 0xfff;
                if (flags == FLAG_EOS) {
                    return;
                }
                if ((flags & ~(FLAG_ZERO | FLAG_PAGE | FLAG_CONTINUE)) != 0) {
                    throw new Unfollowed();
                }
                if ((flags & FLAG_CONTINUE) == 0) {
                    in.skipNBytes(in.readUnsignedByte()); // the RAM block's name
                }
                if ((flags & FLAG_ZERO) != 0) {
                    in.readUnsignedByte();
                } else if ((flags & FLAG_PAGE) != 0) {
                    readAside(page);
                    send(page, pages.find(page));
                } else {
                    throw new Unfollowed();
                }
            }
        }

        /** Reads through the end of the "ram" section's setup: 01 id 03 "ram" instance version, the block list, EOS. */
        private boolean findRam() throws IOException {
            byte[] window = new byte[9];
            for (int scanned = 0; scanned < 1 << 20; scanned++) {
                System.arraycopy(window, 1, window, 0, 8);
                window[8] = in.readByte();
                if (window[0] == SECTION_START && window[5] == 3 && window[6] == 'r' && window[7] == 'a' && window[8] == 'm') {
                    ramId = (window[1] & 0xff) << 24 | (window[2] & 0xff) << 16 | (window[3] & 0xff) << 8 | window[4] & 0xff;
                    in.readInt();
                    in.readInt();
                    long total = in.readLong();
                    if ((total & FLAG_MEM_SIZE) == 0) {
                        return false;
                    }
                    long blocks = total & ~0xfffL;
                    while (blocks > 0) {
                        in.skipNBytes(in.readUnsignedByte());
                        // QEMU 7.2 adds a page size and an address per block only for postcopy and
                        // ignore-shared, which zos does not enable.
                        blocks -= in.readLong();
                    }
                    if (blocks != 0 || in.readLong() != FLAG_EOS) {
                        return false;
                    }
                    footer();
                    return true;
                }
            }
            return false;
        }

        /** An optional section footer: 0x7e and the section id. */
        private void footer() throws IOException {
            if (peek() == FOOTER) {
                in.readUnsignedByte();
                in.readInt();
            }
        }
    }

    /**
     * Follows the client's side of an NBD connection (QEMU's drive-mirror writing the disk to the
     * receiver's NBD server): the option haggling verbatim, then requests; the data of a WRITE, 4 KiB
     * block by block, goes as a reference where the receiver's disk as sent ahead holds the same block at
     * the same offset. Server replies go the other way, verbatim.
     */
    private static final class NbdFollower extends Follower {
        private static final int REQUEST = 0x25609513;
        private static final int OPTION = 0x49484156; // "IHAV" of "IHAVEOPT"
        private static final int WRITE = 1;
        private final SameAt same;

        NbdFollower(InputStream client, DataOutputStream out, SameAt same, int level) {
            super(client, out, level);
            this.same = same;
        }

        @Override
        boolean follow() throws IOException {
            in.readInt(); // client flags
            byte[] block = new byte[PAGE];
            while (true) {
                if (peek() < 0) {
                    return true;
                }
                int magic = in.readInt();
                if (magic == OPTION) {
                    in.readInt(); // "EOPT"
                    in.readInt(); // option
                    in.skipNBytes(Integer.toUnsignedLong(in.readInt()));
                } else if (magic == REQUEST) {
                    in.readUnsignedShort(); // flags
                    int type = in.readUnsignedShort();
                    in.readLong(); // cookie
                    long offset = in.readLong();
                    long length = Integer.toUnsignedLong(in.readInt());
                    if (type == WRITE) {
                        write(offset, length, block);
                    }
                } else {
                    return false;
                }
            }
        }

        /** A WRITE's data: aligned whole blocks the receiver holds at their offset become references. */
        private void write(long offset, long length, byte[] block) throws IOException {
            long at = offset;
            long end = offset + length;
            if (at % PAGE != 0) { // the unaligned head, verbatim
                in.skipNBytes(Math.min(end, (at / PAGE + 1) * PAGE) - at);
                at = Math.min(end, (at / PAGE + 1) * PAGE);
            }
            while (end - at >= PAGE) {
                readAside(block);
                send(block, same.holds(at, block) ? at : -1);
                at += PAGE;
            }
            in.skipNBytes(end - at); // the tail
        }
    }

    /** A page record with flags the encoder does not follow (XBZRLE, compression, multifd): the rest goes verbatim. */
    private static final class Unfollowed extends IOException {
        Unfollowed() {
            super("a page record the encoder does not follow", null);
        }
    }

    static String describe(Figures f) {
        return String.format(java.util.Locale.ROOT, "%d of %d blocks referenced; %d stream bytes sent as %d%s", f.referenced(),
                f.blocks(), f.streamBytes(), f.sentBytes(), f.followed() ? "" : " (stream not followed to its end)");
    }
}
