package org.zos.agent.move;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Arrays;

/**
 * What the receiver's QEMU got, page by page, for the guest's main RAM block ({@value #RAM_BLOCK}), as the
 * sender's agent saw QEMU's migration stream go: a {@link #digest} of the last content each page was sent
 * with. After the migration it is compared with the source's memory, paused (or kept past its
 * QEMU's end): a page that differs was written after it was last sent without QEMU sending it again,
 * which QEMU before 9.0 does under TCG (docs/benchmarks.md, "Guest memory lost by QEMU's live migration
 * under TCG"); those pages are sent again ({@code live-patch}) before the guest runs on the receiver.
 */
final class PageLedger {
    /** The RAM block of the guest's memory (libvirt's memory backend {@code pc.ram}). */
    static final String RAM_BLOCK = "pc.ram";
    private static final long UNSEEN = 0;

    private long[] checks = new long[1 << 16];
    private int highest = -1;
    private boolean complete;

    /** A page of the RAM block went with content whose {@link #digest} is {@code check}. */
    synchronized void sent(long offset, long check) {
        int page = Math.toIntExact(offset / LiveStream.PAGE);
        if (page >= checks.length) {
            checks = Arrays.copyOf(checks, Math.max(page + 1, checks.length * 2));
        }
        checks[page] = nonZero(check); // 0 marks a page never sent
        highest = Math.max(highest, page);
    }

    /** A page of the RAM block went as a page filled with one byte (QEMU's zero page). */
    void filled(long offset, int fill) {
        sent(offset, fill == 0 ? ZERO : digest(filledPage(fill), 0));
    }

    /** The stream was followed to its end: every page QEMU sent is in the ledger. */
    synchronized void complete() {
        complete = true;
    }

    synchronized boolean isComplete() {
        return complete;
    }

    /** Pages of the RAM block seen in the stream. */
    synchronized int pages() {
        return highest + 1;
    }

    /**
     * The offsets of the pages of {@code ram} (the RAM block's memory, from offset 0) whose content is not
     * what was sent for them; a page never sent counts as sent zero (the receiver's memory starts zeroed).
     */
    long[] differing(FileChannel ram) throws IOException {
        long[] seen;
        synchronized (this) {
            seen = checks.clone();
        }
        long size = ram.size();
        ByteBuffer buf = ByteBuffer.allocate(1 << 20);
        byte[] bytes = buf.array();
        long[] out = new long[16];
        int n = 0;
        for (long pos = 0; pos < size; ) {
            buf.clear();
            int got = ram.read(buf, pos);
            if (got < LiveStream.PAGE) {
                break;
            }
            buf.flip();
            for (int off = 0; off + LiveStream.PAGE <= got; off += LiveStream.PAGE, pos += LiveStream.PAGE) {
                int index = (int) (pos / LiveStream.PAGE);
                long expected = index < seen.length && seen[index] != UNSEEN ? seen[index] : ZERO;
                if (nonZero(digest(bytes, off)) != expected) {
                    if (n == out.length) {
                        out = Arrays.copyOf(out, n * 2);
                    }
                    out[n++] = pos;
                }
            }
        }
        return Arrays.copyOf(out, n);
    }

    private static byte[] filledPage(int fill) {
        byte[] p = new byte[LiveStream.PAGE];
        Arrays.fill(p, (byte) fill);
        return p;
    }

    /**
     * A 64-bit digest of the page at {@code off}: four independent lanes of multiply-rotate rounds, mixed at
     * the end (several times faster than {@link LiveStream#check}, whose one chain waits on each step; the
     * check after a migration reads all of the guest's memory while the guest is stopped). It finds pages
     * that differ, not pages made to collide; it never goes on the wire.
     */
    static long digest(byte[] b, int off) {
        long a = 1;
        long c = 2;
        long d = 3;
        long e = 4;
        for (int i = off; i < off + LiveStream.PAGE; i += 32) {
            a = Long.rotateLeft(a + (long) LONGS.get(b, i) * K1, 31);
            c = Long.rotateLeft(c + (long) LONGS.get(b, i + 8) * K1, 31);
            d = Long.rotateLeft(d + (long) LONGS.get(b, i + 16) * K1, 31);
            e = Long.rotateLeft(e + (long) LONGS.get(b, i + 24) * K1, 31);
        }
        long h = a * K2 ^ Long.rotateLeft(c, 17) * K3 ^ Long.rotateLeft(d, 29) * K1 ^ Long.rotateLeft(e, 43);
        h = (h ^ h >>> 29) * K2;
        return h ^ h >>> 32;
    }

    private static final long K1 = 0x9E3779B97F4A7C15L;
    private static final long K2 = 0xD6E8FEB86659FD93L;
    private static final long K3 = 0xFF51AFD7ED558CCDL;
    private static final java.lang.invoke.VarHandle LONGS = java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class,
            java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final long ZERO = nonZero(digest(new byte[LiveStream.PAGE], 0));

    private static long nonZero(long check) {
        return check == UNSEEN ? 1 : check;
    }
}
