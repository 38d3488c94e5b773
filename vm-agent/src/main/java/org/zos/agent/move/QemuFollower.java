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
    private String block = "";

    QemuFollower(InputStream qemu, DataOutputStream out, LiveStream.Pages pages, int level, PageLedger ledger) {
        super(qemu, out, level);
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

    /** Page records up to EOS: each full page either a reference or verbatim. */
    private void pageRecords() throws IOException {
        byte[] page = new byte[LiveStream.PAGE];
        while (true) {
            long hdr = in.readLong();
            long flags = hdr & 0xfff;
            if (flags == LiveStream.FLAG_EOS) {
                return;
            }
            if ((flags & ~(LiveStream.FLAG_ZERO | LiveStream.FLAG_PAGE | LiveStream.FLAG_CONTINUE)) != 0) {
                throw new Follower.Unfollowed();
            }
            if ((flags & LiveStream.FLAG_CONTINUE) == 0) {
                block = new String(in.readNBytes(in.readUnsignedByte()), java.nio.charset.StandardCharsets.US_ASCII);
            }
            boolean noted = ledger != null && block.equals(PageLedger.RAM_BLOCK);
            long offset = hdr & ~0xfffL;
            if ((flags & LiveStream.FLAG_ZERO) != 0) {
                int fill = in.readUnsignedByte();
                if (noted) {
                    ledger.filled(offset, fill);
                }
            } else if ((flags & LiveStream.FLAG_PAGE) != 0) {
                readAside(page);
                if (noted) {
                    ledger.sent(offset, PageLedger.digest(page, 0));
                }
                send(page, pages.find(page));
            } else {
                throw new Follower.Unfollowed();
            }
        }
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
