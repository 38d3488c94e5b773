package org.zos.protocol.message;

/** The receiver holds the whole image generation, verified, with {@code newChunks} chunks it did not have. */
public record ImageReceived(long transfer, String image, long generation, long newChunks) implements Message {
}
