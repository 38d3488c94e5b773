package org.zos.agent.move;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Follows QEMU's migration stream: RAM pages the receiver holds become references, records of pages of the
 * main RAM block that the receiver's memory holds already are left out; what each page of the main RAM
 * block went as is noted in the ledger (if any).
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
    /** The pages of the main RAM block the receiver has had a record for (the others are as its memory started). */
    private final java.util.BitSet written = new java.util.BitSet();
    /**
     * The {@link PageLedger#digest} of each page of the main RAM block the receiver's memory started with:
     * the kept memory it filled it with ({@link KeptMemory#fill}), or null: zero everywhere.
     */
    private final long[] initial;
    /** Page records left out. */
    long elided;
    private static final long ZERO = PageLedger.digest(new byte[LiveStream.PAGE], 0);
    private static final java.lang.invoke.VarHandle LONGS = java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class,
            java.nio.ByteOrder.BIG_ENDIAN);

    /** Memory by content (null: QEMU's stream carries the memory): what sends the last pages before the device state. */
    private final Last last;

    /**
     * What sends the last pages of a move by content: QEMU, which has x-ignore-shared on and sends no page
     * of the guest's memory, has stopped the guest and ended its RAM section; the device state comes next,
     * and loading it on the receiver reads guest memory (a virtio queue's index), so every page must be
     * in place before it.
     */
    @FunctionalInterface
    interface Last {
        void send(Follower f) throws IOException;
    }

    QemuFollower(InputStream qemu, DataOutputStream out, LiveStream.Pages pages, int level, PageLedger ledger, LiveStream.Window window,
            long[] initial) {
        this(qemu, out, pages, level, ledger, window, initial, null);
    }

    QemuFollower(InputStream qemu, DataOutputStream out, LiveStream.Pages pages, int level, PageLedger ledger, LiveStream.Window window,
            long[] initial, Last last) {
        super(qemu, out, level, window);
        this.pages = pages;
        this.ledger = ledger;
        this.initial = initial;
        this.last = last;
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
                if (ended && last != null) { // the section's type byte is on its way: QEMU waits for the rest
                    last.send(this);
                }
                return ended; // the device state (or something else): verbatim from here
            }
        }
    }

    /**
     * Page records up to EOS: each full page either a reference or verbatim. A page record of the main RAM
     * block whose page the receiver has had no record for, and whose content is what the receiver's memory
     * started with there, is left out. For a receiver whose memory starts zero, that is every zero page
     * never sent: its QEMU would test the page, which in shared memory allocates it (the receiver's QEMU
     * spent 2 s of a return's final stop on that: docs/benchmarks.md). For one filled with the memory it
     * kept ({@link #initial}), it is also every page the guest did not change since (on a return, 85 000 of
     * the 512 MiB guest's 131 072 pages).
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
            long offset = hdr & ~0xfffL;
            int index = (int) (offset / LiveStream.PAGE);
            if ((flags & LiveStream.FLAG_ZERO) != 0) {
                readAside(head, n, 1);
                int fill = head[n++] & 0xff;
                if (main && ledger != null) {
                    ledger.filled(offset, fill);
                }
                if (main && held(index, fill == 0 ? ZERO : -1)) {
                    elided++;
                    continue;
                }
                header(head, n, flags, main, index);
            } else if ((flags & LiveStream.FLAG_PAGE) != 0) {
                int got = readAsideOrEnd(page);
                if (got < page.length) { // the stream ended inside: what came goes verbatim, after its record as it would go
                    header(head, n, flags, main, index);
                    emit(page, 0, got);
                    throw new java.io.EOFException();
                }
                long digest = main && (ledger != null || initial != null) ? PageLedger.digest(page, 0) : 0;
                if (main && ledger != null) {
                    ledger.sent(offset, digest);
                }
                if (main && initial != null && held(index, digest)) {
                    elided++;
                    continue;
                }
                header(head, n, flags, main, index);
                send(page, pages.find(page));
            } else {
                header(head, n, flags, false, 0);
                throw new Follower.Unfollowed();
            }
        }
    }

    /**
     * Whether the receiver holds page {@code index} of the main RAM block as a page whose digest is
     * {@code digest} (-1: a page filled with a byte other than 0, which it never starts with): it has had no
     * record for it, and its memory started so.
     */
    private boolean held(int index, long digest) {
        if (written.get(index)) {
            return false;
        }
        if (initial == null || index >= initial.length) {
            return digest == ZERO;
        }
        return digest != -1 && initial[index] == digest;
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
                    // QEMU 7.2 adds a page size per block for postcopy (which zos does not enable) and an
                    // address per block with x-ignore-shared (memory by content).
                    blocks -= in.readLong();
                    if (last != null) {
                        in.readLong();
                    }
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
