package org.zos.store.chunk;

import java.nio.ByteBuffer;
import org.zos.store.crypto.Aead;

/**
 * A chunk as it rests in a pack and travels on the wire: compressed, encrypted and authenticated, readable
 * only with the anima's chunk key. Its bytes (docs/store-format.md, "Sealed chunk"):
 *
 * <pre>
 *  0      1      2              6                    18
 *  +------+------+--------------+--------------------+---------------------------+---------+
 *  |format| codec| plain length |  nonce (12 bytes)  | ciphertext (stored bytes) | tag (16)|
 *  +------+------+--------------+--------------------+---------------------------+---------+
 * </pre>
 *
 * The associated data of the AEAD is the chunk id followed by the first 6 bytes, so a sealed chunk cannot
 * be passed off under another id, format, codec or length.
 */
public record SealedChunk(ChunkId id, byte[] bytes) {
    public static final byte FORMAT = 1;
    public static final byte CODEC_STORED = 0;
    public static final byte CODEC_ZSTD = 1;
    public static final int HEADER = 18;
    public static final int OVERHEAD = HEADER + Aead.TAG;
    /** The largest plaintext a version 1 chunk may have; chunkers cut far below it. */
    public static final int MAX_PLAIN = 16 << 20;
    /** The largest sealed chunk: a chunk that did not compress is stored as it is. */
    public static final int MAX_SEALED = MAX_PLAIN + OVERHEAD;

    public int plainLength() {
        return ByteBuffer.wrap(bytes, 2, 4).getInt();
    }

    public int codec() {
        return bytes[1];
    }

    /**
     * Checks what can be checked without the key: the format, the codec, and lengths that fit together.
     *
     * @return null if the layout is sound, else what is wrong with it
     */
    public String layoutProblem() {
        if (bytes.length < OVERHEAD) {
            return "sealed chunk of " + bytes.length + " bytes is shorter than its " + OVERHEAD + "-byte overhead";
        }
        if (bytes.length > MAX_SEALED) {
            return "sealed chunk of " + bytes.length + " bytes is longer than the limit " + MAX_SEALED;
        }
        if (bytes[0] != FORMAT) {
            return "sealed chunk has format " + bytes[0] + ", this zos reads format " + FORMAT;
        }
        int plain = plainLength();
        if (plain <= 0 || plain > MAX_PLAIN) {
            return "sealed chunk declares a plaintext of " + plain + " bytes";
        }
        int stored = bytes.length - OVERHEAD;
        if (bytes[1] == CODEC_STORED && stored != plain) {
            return "stored chunk holds " + stored + " bytes but declares " + plain;
        }
        if (bytes[1] != CODEC_STORED && bytes[1] != CODEC_ZSTD) {
            return "sealed chunk has unknown codec " + bytes[1];
        }
        return null;
    }
}
