package org.zos.agent.move;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Follows QEMU's migration stream: RAM pages the receiver holds become references; what each page of the
 * main RAM block went as is noted in the ledger (if any).
 */
final class QemuFollower extends Follower {
    private final LiveStream.Pages pages;
    private final PageLedger ledger;
    private int ramId = -1;
    /** The block of the record at hand (named by the last record that named one). */
    private String block = "";
    /** The block the receiver's QEMU was last told of in this section (null: none yet). */
    private String named;
    /** A record's header, block name and fill byte, read aside. */
    private final byte[] head = new byte[8 + 1 + 255 + 1];
    /** The pages of the main RAM block the receiver has had a record for (the others are zero there). */
    private final java.util.BitSet written = new java.util.BitSet();
    /** Zero pages left out. */
    long elided;
    private static final java.lang.invoke.VarHandle LONGS = java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class,
            java.nio.ByteOrder.BIG_ENDIAN);

    QemuFollower(InputStream qemu, DataOutputStream out, LiveStream.Pages pages, int level, PageLedger ledger, LiveStream.Window window) {
        super(qemu, out, level, window);
        this.pages = pages;
        this.ledger = ledger;
    }

    @Override
    boolean follow() throws IOException {
        boolean followed = in.readInt() == LiveStream.QEMU_MAGIC && in.readInt() == 3 && findRam() && sections();
        if (followed && ledger != null) {
            ledger.complete();
        }
        return followed;
    }

    /** Follows sections after the RAM setup; returns at the first section it does not follow (its type read). */
    private boolean sections() throws IOException {
        boolean ended = false;
        while (true) {
            int type = in.readUnsignedByte();
            if ((type == LiveStream.SECTION_PART || type == LiveStream.SECTION_END) && !ended) {
                if (in.readInt() != ramId) {
                    return false;
                }
                pageRecords();
                footer();
                ended = type == LiveStream.SECTION_END;
            } else if (type == LiveStream.SECTION_COMMAND) {
                in.readUnsignedShort();
                in.skipNBytes(in.readUnsignedShort());
            } else {
                return ended; // the device state (or something else): verbatim from here
            }
        }
    }

    /**
     * Page records up to EOS: each full page either a reference or verbatim. A zero page of the main RAM
     * block that the receiver has had no record for is left out: its QEMU started with that memory zero,
     * and the zero-page record would make it test the page, which in shared memory allocates it (the
     * receiver's QEMU spent 2 s of a return's final stop on that: docs/benchmarks.md).
     */
    private void pageRecords() throws IOException {
        byte[] page = new byte[LiveStream.PAGE];
        named = null; // the section's first record sent names its block, as QEMU's own first record does
        while (true) {
            mark();
            readAside(head, 0, 8);
            long hdr = (long) LONGS.get(head, 0);
            long flags = hdr & 0xfff;
            if (flags == LiveStream.FLAG_EOS) {
                emit(head, 0, 8);
                return;
            }
            if ((flags & ~(LiveStream.FLAG_ZERO | LiveStream.FLAG_PAGE | LiveStream.FLAG_CONTINUE)) != 0) {
                header(head, 8, flags, false, 0); // from here verbatim, so it must name its block if a left-out one did
                throw new Follower.Unfollowed();
            }
            int n = 8;
            if ((flags & LiveStream.FLAG_CONTINUE) == 0) {
                readAside(head, 8, 1);
                int len = head[8] & 0xff;
                readAside(head, 9, len);
                n = 9 + len;
                block = new String(head, 9, len, java.nio.charset.StandardCharsets.US_ASCII);
            }
            boolean main = block.equals(PageLedger.RAM_BLOCK);
            boolean noted = ledger != null && main;
            long offset = hdr & ~0xfffL;
            int index = (int) (offset / LiveStream.PAGE);
            if ((flags & LiveStream.FLAG_ZERO) != 0) {
                readAside(head, n, 1);
                int fill = head[n++] & 0xff;
                if (noted) {
                    ledger.filled(offset, fill);
                }
                if (main && fill == 0 && !written.get(index)) {
                    elided++;
                    continue;
                }
                header(head, n, flags, main, index);
            } else if ((flags & LiveStream.FLAG_PAGE) != 0) {
                header(head, n, flags, main, index);
                readAside(page);
                if (noted) {
                    ledger.sent(offset, PageLedger.digest(page, 0));
                }
                send(page, pages.find(page));
            } else {
                header(head, n, flags, false, 0);
                throw new Follower.Unfollowed();
            }
        }
    }

    /**
     * Sends a record's {@code n} bytes read aside: as they are, or, where it continues a block the
     * receiver was not last told of (the record naming it was left out), naming the block.
     */
    private void header(byte[] head, int n, long flags, boolean main, int index) throws IOException {
        if (main) {
            written.set(index);
        }
        if ((flags & LiveStream.FLAG_CONTINUE) == 0 || block.equals(named)) {
            named = block;
            emit(head, 0, n);
            return;
        }
        byte[] id = block.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] named = new byte[8 + 1 + id.length + n - 8];
        LONGS.set(named, 0, (long) LONGS.get(head, 0) & ~LiveStream.FLAG_CONTINUE);
        named[8] = (byte) id.length;
        System.arraycopy(id, 0, named, 9, id.length);
        System.arraycopy(head, 8, named, 9 + id.length, n - 8);
        emit(named, 0, named.length);
        this.named = block;
    }

    /** Reads through the end of the "ram" section's setup: 01 id 03 "ram" instance version, the block list, EOS. */
    private boolean findRam() throws IOException {
        byte[] window = new byte[9];
        for (int scanned = 0; scanned < 1 << 20; scanned++) {
            System.arraycopy(window, 1, window, 0, 8);
            window[8] = in.readByte();
            if (window[0] == LiveStream.SECTION_START && window[5] == 3 && window[6] == 'r' && window[7] == 'a' && window[8] == 'm') {
                ramId = (window[1] & 0xff) << 24 | (window[2] & 0xff) << 16 | (window[3] & 0xff) << 8 | window[4] & 0xff;
                in.readInt();
                in.readInt();
                long total = in.readLong();
                if ((total & LiveStream.FLAG_MEM_SIZE) == 0) {
                    return false;
                }
                long blocks = total & ~0xfffL;
                while (blocks > 0) {
                    in.skipNBytes(in.readUnsignedByte());
                    // QEMU 7.2 adds a page size and an address per block only for postcopy and
                    // ignore-shared, which zos does not enable.
                    blocks -= in.readLong();
                }
                if (blocks != 0 || in.readLong() != LiveStream.FLAG_EOS) {
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
        if (peek() == LiveStream.FOOTER) {
            in.readUnsignedByte();
            in.readInt();
        }
    }
}
