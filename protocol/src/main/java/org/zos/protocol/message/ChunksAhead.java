package org.zos.protocol.message;

/**
 * Chunks of the disk a move sends ahead, offered while the sender still reads the disk: before the
 * disk's {@link ImageOffer}, so that the link carries what the receiver lacks while the rest is read. The
 * receiver answers {@link ChunksWanted} for {@code ids} (bit i for the i-th id); the chunks it wants follow
 * as data frames. The ids are only a request: each chunk is verified as it arrives, and the disk's offer,
 * which follows the last of these, still names every chunk of the image.
 *
 * @param ids 32-byte chunk ids, concatenated, base64 (each delta's bases before it; may be empty)
 * @param sent how many chunks the sender sent as data frames for the earlier {@code chunks-ahead} of
 *     this move, in all
 * @param last true on the closing one (with no ids): the receiver waits for {@code sent} chunks, files
 *     them and takes the image offers again
 */
public record ChunksAhead(long transfer, String ids, long sent, boolean last) implements Message {
    /** Ids in one request: 16,384 (512 KiB of ids). */
    public static final int MAX_IDS = 1 << 14;

    @Override
    public void check() {
        Bounds b = Bounds.of("chunks-ahead");
        b.range("transfer", transfer, 1, Long.MAX_VALUE).base64("ids", ids, 0, last ? 0 : MAX_IDS * 32, 32)
                .range("sent", sent, 0, Integer.MAX_VALUE);
    }
}
