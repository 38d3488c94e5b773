package org.zos.bench;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.BiConsumer;

/**
 * Reads the guest pages out of a libvirt save image (libvirt's 92-byte header and domain XML, then QEMU's
 * migration stream), so a benchmark can tell which pages really changed between two saves of one guest.
 * Only the "ram" section is read; the stream's device state after it is not needed.
 *
 * <p>The RAM section (QEMU 7.2, {@code migration/ram.c}): a setup part listing the RAM blocks, then parts
 * of page records: {@code be64 (offset | flags)}, the block name unless flag CONTINUE (0x20), then one
 * fill byte for ZERO (0x02) or 4096 bytes for PAGE (0x08); EOS (0x10) ends each part. Other flags
 * (XBZRLE, compression, RDMA) are not used by a plain {@code virsh save} and are refused.
 */
public final class SavedRam {
    public static final int PAGE = 4096;
    private static final long FLAG_ZERO = 0x02;
    private static final long FLAG_MEM_SIZE = 0x04;
    private static final long FLAG_PAGE = 0x08;
    private static final long FLAG_EOS = 0x10;
    private static final long FLAG_CONTINUE = 0x20;
    private static final byte[] ZEROS = new byte[PAGE];

    private SavedRam() {
    }

    /**
     * Calls {@code page} with "block:offset" and the page's 4096 bytes (all zero for a zero page), in
     * stream order.
     *
     * @return false if the file is not a libvirt save image with a RAM section this reader understands
     */
    public static boolean pages(Path file, BiConsumer<String, byte[]> page) throws IOException {
        try (InputStream raw = Files.newInputStream(file);
                DataInputStream in = new DataInputStream(new BufferedInputStream(raw, 1 << 20))) {
            byte[] magic = new byte[16];
            in.readFully(magic);
            if (!new String(magic, StandardCharsets.US_ASCII).equals("LibvirtQemudSave")) {
                return false;
            }
            byte[] rest = new byte[76];
            in.readFully(rest);
            long xmlLen = Integer.toUnsignedLong((rest[4] & 0xff) | (rest[5] & 0xff) << 8 | (rest[6] & 0xff) << 16 | (rest[7] & 0xff) << 24);
            in.skipNBytes(xmlLen);
            if (in.readInt() != 0x5145564d || in.readInt() != 3) {
                return false;
            }
            if (!findRamSection(in)) {
                return false;
            }
            return readSections(in, page);
        } catch (EOFException e) {
            return false;
        }
    }

    /** Skips to just after the header of the "ram" section start: 01 id 03 "ram" instance version. */
    private static boolean findRamSection(DataInputStream in) throws IOException {
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
                return blocks == 0 && in.readLong() == FLAG_EOS && skipFooter(in);
            }
        }
        return false;
    }

    private static boolean readSections(DataInputStream in, BiConsumer<String, byte[]> page) throws IOException {
        String block = null;
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
                String where = block + ":" + (hdr & ~0xfffL);
                if ((flags & FLAG_ZERO) != 0) {
                    in.readByte();
                    page.accept(where, ZEROS);
                } else if ((flags & FLAG_PAGE) != 0) {
                    byte[] b = new byte[PAGE];
                    in.readFully(b);
                    page.accept(where, b);
                } else {
                    return false;
                }
            }
            if (!skipFooter(in)) {
                return false;
            }
            if (type == 0x03) {
                return true;
            }
        }
    }

    private static boolean skipFooter(DataInputStream in) throws IOException {
        in.mark(8);
        if (in.readUnsignedByte() == 0x7e) {
            in.readInt();
        } else {
            in.reset();
        }
        return true;
    }

    private static String readName(DataInputStream in) throws IOException {
        byte[] name = new byte[in.readUnsignedByte()];
        in.readFully(name);
        return new String(name, StandardCharsets.US_ASCII);
    }

    static boolean isZero(byte[] page) {
        return Arrays.equals(page, ZEROS);
    }
}
