package org.zos.store.chunking;

/**
 * One chunk of an image: where it starts, its bytes, and whether they are all zero (then the store keeps
 * only its length). {@code data} is the chunker's own copy; it is not reused.
 */
public record Chunk(long offset, byte[] data, boolean zero) {

    public int length() {
        return data.length;
    }

    /** True if every byte is zero. */
    static boolean allZero(byte[] b, int off, int len) {
        int end = off + len;
        int i = off;
        for (; i + 8 <= end; i += 8) {
            if ((b[i] | b[i + 1] | b[i + 2] | b[i + 3] | b[i + 4] | b[i + 5] | b[i + 6] | b[i + 7]) != 0) {
                return false;
            }
        }
        for (; i < end; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }
}
