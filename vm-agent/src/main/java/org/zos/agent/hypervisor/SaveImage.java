package org.zos.agent.hypervisor;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads the guest pages out of a libvirt save image: libvirt's 92-byte header (little-endian: magic
 * "LibvirtQemudSave", version, XML length, was-running, compressed, …) and domain XML, then QEMU's
 * migration stream. Only the "ram" section is read; the device state after it is not needed.
 *
 * <p>The RAM section (QEMU 7.2, {@code migration/ram.c}): a setup part listing the RAM blocks, then parts
 * of page records: {@code be64 (offset | flags)}, the block name unless flag CONTINUE (0x20), then one
 * fill byte for ZERO (0x02) or 4096 bytes for PAGE (0x08); EOS (0x10) ends each part. Other flags
 * (XBZRLE, compression, RDMA) are not used by a plain {@code virsh save}; an image with them, or a
 * compressed image, is not understood.
 */
public final class SaveImage {
    public static final int PAGE = 4096;
    private static final long FLAG_ZERO = 0x02;
    private static final long FLAG_MEM_SIZE = 0x04;
    private static final long FLAG_PAGE = 0x08;
    private static final long FLAG_EOS = 0x10;
    private static final long FLAG_CONTINUE = 0x20;

    /**
     * One page record: its RAM block, its offset in the block, where its 4096 bytes are in the file and
     * the bytes themselves (-1 and null for a zero page). {@code data} is the reader's own buffer: it
     * holds the page only during the call.
     */
    @FunctionalInterface
    public interface Pages {
        void page(String block, long offset, long fileOffset, byte[] data) throws IOException;
    }

    private SaveImage() {
    }

    /**
     * Calls {@code pages} for every page record, in stream order, in one sequential pass over the file.
     *
     * @return false if the file is not a libvirt save image with a RAM section this reader understands
     */
    public static boolean read(Path file, Pages pages) throws IOException {
        return read(file, (block, offset, headerAt, dataAt, data, fill) -> pages.page(block, offset, dataAt, data));
    }

    /** One page record, with where its header starts in the file and, for a zero page (data null), its fill byte. */
    @FunctionalInterface
    private interface Records {
        void record(String block, long offset, long headerAt, long dataAt, byte[] data, int fill) throws IOException;
    }

    private static boolean read(Path file, Records records) throws IOException {
        try (Counting counting = new Counting(new BufferedInputStream(Files.newInputStream(file), 1 << 20));
                DataInputStream in = new DataInputStream(counting)) {
            byte[] magic = new byte[16];
            in.readFully(magic);
            if (!new String(magic, StandardCharsets.US_ASCII).equals("LibvirtQemudSave")) {
                return false;
            }
            byte[] header = new byte[76];
            in.readFully(header);
            long xmlLen = Integer.toUnsignedLong(le32(header, 4));
            if (le32(header, 12) != 0) {
                return false; // compressed
            }
            in.skipNBytes(xmlLen);
            if (in.readInt() != 0x5145564d || in.readInt() != 3 || !findRam(in)) {
                return false;
            }
            String block = null;
            byte[] page = new byte[PAGE];
            while (true) {
                int type = in.readUnsignedByte();
                if (type != 0x02 && type != 0x03) {
                    return true;
                }
                in.readInt();
                while (true) {
                    long headerAt = counting.count;
                    long hdr = in.readLong();
                    long flags = hdr & 0xfff;
                    if (flags == FLAG_EOS) {
                        break;
                    }
                    if ((flags & ~(FLAG_ZERO | FLAG_PAGE | FLAG_CONTINUE)) != 0) {
                        return false;
                    }
                    if ((flags & FLAG_CONTINUE) == 0) {
                        block = readName(in);
                        headerAt = -1; // a record that names its block
                    }
                    if ((flags & FLAG_ZERO) != 0) {
                        records.record(block, hdr & ~0xfffL, headerAt, -1, null, in.readUnsignedByte());
                    } else if ((flags & FLAG_PAGE) != 0) {
                        long at = counting.count;
                        in.readFully(page);
                        records.record(block, hdr & ~0xfffL, headerAt, at, page, 0);
                    } else {
                        return false;
                    }
                }
                skipFooter(in);
                if (type == 0x03) {
                    return true;
                }
            }
        } catch (EOFException e) {
            return false;
        }
    }

    /** The guest's main RAM block, its shared memory (libvirt's memory backend). */
    public static final String MAIN = "pc.ram";

    /**
     * Writes {@code file} to {@code out} without the zero-page records (fill 0) of the main RAM block
     * ({@value #MAIN}) for pages the image has had no record for before (every one, in a save of a stopped
     * guest): the restoring QEMU's memory starts zero there, and it would test each such page before
     * writing it, which in the guest's shared memory allocates the page (a read of a hole in a memfd; 1.3 s
     * of a 512 MiB guest's restore here, docs/benchmarks.md). A record that names its block (the first of a
     * part, or a change of block) stays, so that every record after one left out names its block as before.
     * The libvirt header does not count the stream's length, so the image is otherwise the same.
     *
     * @return the records left out, or -1 (and nothing written) if the image is not one this reader understands
     */
    public static long withoutZeroPages(Path file, Path out) throws IOException {
        java.util.stream.LongStream.Builder gaps = java.util.stream.LongStream.builder(); // where the records left out start
        java.util.BitSet had = new java.util.BitSet();
        boolean understood = read(file, (block, offset, headerAt, dataAt, data, fill) -> {
            if (!MAIN.equals(block)) {
                return;
            }
            int index = Math.toIntExact(offset / PAGE);
            if (data == null && fill == 0 && headerAt >= 0 && !had.get(index)) {
                gaps.add(headerAt);
            } else {
                had.set(index);
            }
        });
        if (!understood) {
            return -1;
        }
        long[] at = gaps.build().toArray();
        int zero = 9; // u64 header, fill byte
        try (java.nio.channels.FileChannel in = java.nio.channels.FileChannel.open(file);
                java.nio.channels.FileChannel o = java.nio.channels.FileChannel.open(out, java.nio.file.StandardOpenOption.CREATE,
                        java.nio.file.StandardOpenOption.TRUNCATE_EXISTING, java.nio.file.StandardOpenOption.WRITE)) {
            long pos = 0;
            for (long gap : at) {
                copy(in, pos, gap - pos, o);
                pos = gap + zero;
            }
            copy(in, pos, in.size() - pos, o);
        }
        return at.length;
    }

    private static void copy(java.nio.channels.FileChannel in, long from, long length, java.nio.channels.FileChannel out) throws IOException {
        while (length > 0) {
            long n = in.transferTo(from, length, out);
            if (n <= 0) {
                throw new EOFException("the save image ended at " + from);
            }
            from += n;
            length -= n;
        }
    }

    /** Skips to the end of the "ram" section's setup part: 01 id 03 "ram" instance version, the block list, EOS. */
    private static boolean findRam(DataInputStream in) throws IOException {
        byte[] window = new byte[9];
        for (int scanned = 0; scanned < 1 << 20; scanned++) {
            System.arraycopy(window, 1, window, 0, 8);
            window[8] = in.readByte();
            if (window[0] == 0x01 && window[5] == 3 && window[6] == 'r' && window[7] == 'a' && window[8] == 'm') {
                in.readInt();
                in.readInt();
                long total = in.readLong();
                if ((total & FLAG_MEM_SIZE) == 0) {
                    return false;
                }
                long blocks = total & ~0xfffL;
                while (blocks > 0) {
                    readName(in);
                    blocks -= in.readLong();
                }
                if (blocks != 0 || in.readLong() != FLAG_EOS) {
                    return false;
                }
                skipFooter(in);
                return true;
            }
        }
        return false;
    }

    private static void skipFooter(DataInputStream in) throws IOException {
        in.mark(8);
        if (in.readUnsignedByte() == 0x7e) {
            in.readInt();
        } else {
            in.reset();
        }
    }

    private static String readName(DataInputStream in) throws IOException {
        byte[] name = new byte[in.readUnsignedByte()];
        in.readFully(name);
        return new String(name, StandardCharsets.US_ASCII);
    }

    private static int le32(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
    }

    /** Counts the bytes read through it (marks and resets included). */
    private static final class Counting extends FilterInputStream {
        long count;
        private long marked;

        Counting(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long s = super.skip(n);
            count += s;
            return s;
        }

        @Override
        public synchronized void mark(int limit) {
            super.mark(limit);
            marked = count;
        }

        @Override
        public synchronized void reset() throws IOException {
            super.reset();
            count = marked;
        }
    }
}
