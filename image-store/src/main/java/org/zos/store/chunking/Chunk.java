package org.zos.store.chunking;

/**
 * One chunk of an image: where it starts, how long it is and its bytes, which are null for a chunk of
 * zeros (the store keeps only its length, so none are copied). The bytes are the chunker's own copy; they
 * are not reused.
 */
public record Chunk(long offset, int length, byte[] content) {

    /** A chunk of {@code length} zero bytes. */
    static Chunk zeros(long offset, int length) {
        return new Chunk(offset, length, null);
    }

    /** True if every byte is zero. */
    public boolean zero() {
        return content == null;
    }

    /** The chunk's bytes (a new array of zeros for a zero chunk). */
    public byte[] data() {
        return content != null ? content : new byte[length];
    }
}
