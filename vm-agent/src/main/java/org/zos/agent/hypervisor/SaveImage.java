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
                    }
                    if ((flags & FLAG_ZERO) != 0) {
                        in.readByte();
                        pages.page(block, hdr & ~0xfffL, -1, null);
                    } else if ((flags & FLAG_PAGE) != 0) {
                        long at = counting.count;
                        in.readFully(page);
                        pages.page(block, hdr & ~0xfffL, at, page);
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
