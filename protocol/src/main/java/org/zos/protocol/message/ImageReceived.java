package org.zos.protocol.message;

/** The receiver holds the whole image generation, verified, with {@code newChunks} chunks it did not have. */
public record ImageReceived(long transfer, String image, long generation, long newChunks) implements Message {

    @Override
    public void check() {
        Bounds b = Bounds.of("image-received");
        b.range("transfer", transfer, 1, Long.MAX_VALUE).matches("image", image, Bounds.IMAGE)
                .range("generation", generation, 1, Long.MAX_VALUE).range("newChunks", newChunks, 0, Integer.MAX_VALUE);
    }
}
