package org.zos.protocol.message;

/**
 * From an anima's home to the host it now visits, after a live move there (docs/protocol.md, "Live moves",
 * kept memory): home kept the memory the anima left with under tag {@code tag}, and these are the 64-bit
 * digests of its pages {@code first} to {@code first + count - 1} of {@code pages}, so that the live
 * return can refer to the pages home holds. {@code data} is the base64 of a zstd frame of {@code count}
 * u64 (big-endian). The visited host keeps them in memory only. Answered by {@link MoveDone} "kept".
 *
 * <p>With {@code key} (base64 of 32 bytes; null: none) it goes the other way: from the host an anima came
 * home from live to its home, which it asks once the anima runs there. That host sealed the memory the anima
 * came home with under {@code key} and forgot the key; these are that memory's digests, so that the next
 * live visit there fills with it (docs/protocol.md, "Live moves", step 4).
 */
public record MemoryKept(String anima, long tag, long pages, long first, long count, String data, String key) implements Message {
    /** From home, of memory it keeps in the clear. */
    public MemoryKept(String anima, long tag, long pages, long first, long count, String data) {
        this(anima, tag, pages, first, count, data, null);
    }

    /** The key, as {@code toString} shows it: never. */
    @Override
    public String toString() {
        return "MemoryKept[anima=" + anima + ", tag=" + tag + ", pages=" + pages + ", first=" + first + ", count=" + count
                + ", key=" + (key == null ? "null" : "(hidden)") + "]";
    }

    /** Digests in one message at most (256 KiB of them before compression). */
    public static final int MAX_COUNT = 32768;
    /** Pages of a memory at most: 1 TiB of 4 KiB pages. */
    public static final long MAX_PAGES = 1L << 28;

    @Override
    public void check() {
        Bounds.of("memory-kept").matches("anima", anima, Bounds.ANIMA).range("tag", tag, 1, Long.MAX_VALUE)
                .range("pages", pages, 1, MAX_PAGES).range("first", first, 0, pages - 1).range("count", count, 1, MAX_COUNT)
                .range("first + count", first + count, 1, pages)
                .base64("data", data, 1, (int) (org.zos.protocol.wire.Frame.MAX_CONTROL / 4 * 3 - 4096), 1);
        if (key != null) {
            Bounds.of("memory-kept").key("key", key);
        }
    }
}
