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
    static final String RAM_BLOCK = org.zos.agent.hypervisor.SaveImage.MAIN;
    private static final long UNSEEN = 0;

    private long[] checks = new long[1 << 16];
    private int highest = -1;
    private boolean complete;
    /** The digest of each page the receiver's memory starts with (null: zero everywhere). */
    private final long[] initial;

    /** A ledger of a receiver whose memory starts zero. */
    PageLedger() {
        this(null);
    }

    /** A ledger of a receiver whose memory starts with pages of these digests ({@link KeptMemory#fill}; null: zero). */
    PageLedger(long[] initial) {
        this.initial = initial;
    }

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

    /** Completed when the stream was followed to the end of its RAM pages. */
    private final java.util.concurrent.CompletableFuture<Void> completed = new java.util.concurrent.CompletableFuture<>();

    /**
     * The stream was followed to its end: every page QEMU sent is in the ledger. QEMU sends the RAM
     * section's end only once it has stopped the guest, so the source's memory is final by then too.
     */
    void complete() {
        synchronized (this) {
            complete = true;
        }
        completed.complete(null);
    }

    /** Done once {@link #complete}d (never, if the stream was not followed to its end). */
    java.util.concurrent.CompletableFuture<Void> completed() {
        return completed;
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
     * what was sent for them; a page never sent counts as what the receiver's memory started with (zero, or
     * the kept memory it was filled with).
     */
    long[] differing(FileChannel ram) throws IOException {
        long[] seen = seen();
        // In parts, one a core (it runs while the guest is stopped, and the stopped guest's core is free).
        long[] out = new long[0];
        for (long[] more : MemoryParts.run(ram.size(), (from, to) -> {
            java.util.stream.LongStream.Builder found = java.util.stream.LongStream.builder();
            scan(ram, from, to, seen, initial, (at, bytes, off, digest) -> found.add(at));
            return found.build().toArray();
        })) {
            long[] all = Arrays.copyOf(out, out.length + more.length);
            System.arraycopy(more, 0, all, out.length, more.length);
            out = all;
        }
        return out;
    }

    /** A page found by {@link #eachDiffering}: its offset, its 4096 bytes at {@code off} of {@code bytes}, and their {@link #digest}. */
    @FunctionalInterface
    interface Differing {
        void page(long at, byte[] bytes, int off, long digest) throws IOException;
    }

    /**
     * As {@link #differing(FileChannel)}, but on this thread, in order, handing each page on as it is found,
     * with the bytes it read and their digest: a round of the memory by content that sends as it reads puts
     * its first page on the link at once, not after reading all of the memory, and reads each page once.
     * Returns how many it found.
     */
    long eachDiffering(FileChannel ram, Differing to) throws IOException {
        return scan(ram, 0, ram.size(), seen(), initial, to);
    }

    /** What was sent of each page so far (a copy: the ledger goes on taking pages sent meanwhile). */
    private synchronized long[] seen() {
        return checks.clone();
    }

    /**
     * Reads [{@code from}, {@code to}) of {@code ram} {@link #SCAN_READ} bytes at a time and gives {@code found} each page whose
     * digest is not {@code seen}'s (a page never sent: the receiver's {@code initial}, or zero); returns how many.
     */
    private static long scan(FileChannel ram, long from, long to, long[] seen, long[] initial, Differing found) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(SCAN_READ);
        byte[] bytes = buf.array();
        long n = 0;
        for (long pos = from; pos < to; ) {
            buf.clear();
            buf.limit((int) Math.min(buf.capacity(), to - pos));
            int got = ram.read(buf, pos);
            if (got < LiveStream.PAGE) {
                break;
            }
            for (int off = 0; off + LiveStream.PAGE <= got; off += LiveStream.PAGE, pos += LiveStream.PAGE) {
                int index = (int) (pos / LiveStream.PAGE);
                long expected = index < seen.length && seen[index] != UNSEEN ? seen[index]
                        : initial != null && index < initial.length ? nonZero(initial[index]) : ZERO;
                long digest = digest(bytes, off);
                if (nonZero(digest) != expected) {
                    found.page(pos, bytes, off, digest);
                    n++;
                }
            }
        }
        return n;
    }

    /**
     * The bytes a scan reads at a time: a read into the heap goes through a buffer of the JDK's own, and
     * both stay in the core's cache at this size. A scan of 512 MiB, warm, on this project's machine:
     * 148 ms at 256 KiB, 178 ms at 1 MiB (the same read with no digests: 108 against 131 ms).
     */
    static final int SCAN_READ = 256 << 10;

    private static byte[] filledPage(int fill) {
        byte[] p = new byte[LiveStream.PAGE];
        Arrays.fill(p, (byte) fill);
        return p;
    }

    /**
     * A 64-bit digest of the page at {@code off}: XXH64 with seed 0 of its 4096 bytes (four independent
     * lanes, each stripe multiplied in, rotated and multiplied again; then merged and avalanched), several
     * times faster than {@link LiveStream#check}, whose one chain waits on each step: the check after a
     * migration reads all of the guest's memory while the guest is stopped. It finds pages that differ and
     * tells pages apart by content (the index of kept memory, {@link KeptMemory}); pages made to collide
     * are caught by {@link LiveStream#check}. (Until 2026-12-04 it left out XXH64's second multiply, and
     * two pages with the same sparse word 2 KiB apart had the same digest: measured on a guest's memory.)
     */
    static long digest(byte[] b, int off) {
        long v1 = P1 + P2;
        long v2 = P2;
        long v3 = 0;
        long v4 = -P1;
        for (int i = off; i < off + LiveStream.PAGE; i += 32) {
            v1 = round(v1, (long) LONGS.get(b, i));
            v2 = round(v2, (long) LONGS.get(b, i + 8));
            v3 = round(v3, (long) LONGS.get(b, i + 16));
            v4 = round(v4, (long) LONGS.get(b, i + 24));
        }
        long h = Long.rotateLeft(v1, 1) + Long.rotateLeft(v2, 7) + Long.rotateLeft(v3, 12) + Long.rotateLeft(v4, 18);
        h = merge(h, v1);
        h = merge(h, v2);
        h = merge(h, v3);
        h = merge(h, v4);
        h += LiveStream.PAGE;
        h ^= h >>> 33;
        h *= P2;
        h ^= h >>> 29;
        h *= P3;
        return h ^ h >>> 32;
    }

    private static long round(long acc, long input) {
        return Long.rotateLeft(acc + input * P2, 31) * P1;
    }

    private static long merge(long acc, long lane) {
        return (acc ^ round(0, lane)) * P1 + P4;
    }

    private static final long P1 = 0x9E3779B185EBCA87L;
    private static final long P2 = 0xC2B2AE3D27D4EB4FL;
    private static final long P3 = 0x165667B19E3779F9L;
    private static final long P4 = 0x85EBCA77C2B2AE63L;
    private static final java.lang.invoke.VarHandle LONGS = java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class,
            java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final long ZERO = nonZero(digest(new byte[LiveStream.PAGE], 0));

    private static long nonZero(long check) {
        return check == UNSEEN ? 1 : check;
    }
}
