package org.zos.protocol.message;

/**
 * After a live migration and before {@link MoveGo}: guest memory pages the receiver must write into the
 * anima's memory (paused there) before it runs it, because its copy of them is not the sender's. The
 * sender's agent compares what QEMU's migration stream gave the receiver with the paused source's memory;
 * a hypervisor that missed a write (QEMU before 9.0 under TCG, docs/benchmarks.md) leaves such pages.
 * {@code data} is the base64 of a zstd frame of {@code pages} records, each a page's byte offset in the
 * guest's main RAM (u64, big-endian) and its 4096 bytes. Answered by {@link MoveDone} "patched".
 */
public record LivePatch(long transfer, String anima, long pages, String data) implements Message {
    /** Pages in one message at most: 128 pages (512 KiB before compression) keep it well under a control frame. */
    public static final int MAX_PAGES = 128;
    /** The record of one page: its offset and its bytes. */
    public static final int RECORD = 8 + 4096;

    @Override
    public void check() {
        Bounds.of("live-patch").range("transfer", transfer, 1, Long.MAX_VALUE).matches("anima", anima, Bounds.ANIMA)
                .range("pages", pages, 1, MAX_PAGES).base64("data", data, 1, (int) (org.zos.protocol.wire.Frame.MAX_CONTROL / 4 * 3 - 4096), 1);
    }
}
