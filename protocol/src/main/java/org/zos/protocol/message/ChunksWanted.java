package org.zos.protocol.message;

/**
 * Which chunks of an {@link ImageOffer} the receiver lacks: bit i (of byte i/8, least significant bit
 * first) is set when the i-th chunk is wanted, counting the manifest's distinct non-zero chunk ids in
 * manifest order, then the offer's bases in their order. The sender sends bases before the chunks.
 *
 * @param bitmap base64
 * @param count how many bits are set
 */
public record ChunksWanted(long transfer, String bitmap, int count) implements Message {

    @Override
    public void check() {
        Bounds b = Bounds.of("chunks-wanted");
        b.range("transfer", transfer, 0, Long.MAX_VALUE).base64("bitmap", bitmap, 0, 1 << 19, 1)
                .range("count", count, 0, Integer.MAX_VALUE);
    }
}
