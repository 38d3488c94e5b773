package org.zos.protocol.message;

/**
 * Every wanted chunk of the image offered last has been sent ({@code chunks} data frames). The receiver
 * answers {@link ImageReceived} once it has stored and verified them all and filed the manifest.
 */
public record ImageSent(long transfer, String image, long generation, long chunks) implements Message {
}
