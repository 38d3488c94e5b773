package org.zos.protocol.message;

/**
 * One image (generation) of the moving anima: its sealed manifest file as the sender's store keeps it,
 * and the ids of the delta bases its chunks need beyond the manifest's own chunks. The receiver answers
 * {@link ChunksWanted}; then the chunks it wants follow as data frames, then {@link ImageSent}.
 *
 * @param manifest the sealed manifest file, base64
 * @param bases 32-byte chunk ids, concatenated, base64 (may be empty)
 */
public record ImageOffer(long transfer, String manifest, String bases) implements Message {
}
