package org.zos.protocol.message;

/**
 * Every wanted chunk of the image offered last has been sent ({@code chunks} data frames). The receiver
 * answers {@link ImageReceived} once it has stored and verified them all and filed the manifest.
 */
public record ImageSent(long transfer, String image, long generation, long chunks) implements Message {

    @Override
    public void check() {
        Bounds b = Bounds.of("image-sent");
        b.range("transfer", transfer, 1, Long.MAX_VALUE).matches("image", image, Bounds.IMAGE)
                .range("generation", generation, 1, Long.MAX_VALUE).range("chunks", chunks, 0, Integer.MAX_VALUE);
    }
}
