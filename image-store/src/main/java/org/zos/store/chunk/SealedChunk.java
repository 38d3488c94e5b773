package org.zos.store.chunk;

import java.nio.ByteBuffer;
import org.zos.store.crypto.Aead;

/**
 * A chunk as it rests in a pack and travels on the wire: compressed, encrypted and authenticated, readable
 * only with the anima's chunk key. Its bytes (docs/store-format.md, "Sealed chunk"):
 *
 * <pre>
 *  0      1      2              6                   6 or 38
 *  +------+------+--------------+-------------------+-----------+---------------------------+---------+
 *  |format| codec| plain length | base id (codec 2) | nonce (12)| ciphertext (stored bytes) | tag (16)|
 *  +------+------+--------------+-------------------+-----------+---------------------------+---------+
 * </pre>
 *
 * Codec 0 stores the plaintext, 1 compresses it with zstd, 2 compresses it with zstd using the plaintext
 * of the base chunk as dictionary (a delta against an earlier version of the chunk; the base is always a
 * codec 0 or 1 chunk, so a delta never needs more than one other chunk). The associated data of the AEAD
 * is the chunk id followed by every byte before the nonce, so a sealed chunk cannot be passed off under
 * another id, codec, length or base.
 */
public record SealedChunk(ChunkId id, byte[] bytes) {
    public static final byte FORMAT = 1;
    public static final byte CODEC_STORED = 0;
    public static final byte CODEC_ZSTD = 1;
    public static final byte CODEC_ZSTD_DELTA = 2;
    static final int FIXED = 6;
    /** The smallest possible sealed chunk: header, nonce and tag around no ciphertext. */
    public static final int OVERHEAD = FIXED + Aead.NONCE + Aead.TAG;
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

    /** Where the nonce starts: after the base id for a delta chunk. */
    public int nonceOffset() {
        return bytes[1] == CODEC_ZSTD_DELTA ? FIXED + ChunkId.LENGTH : FIXED;
    }

    /** The chunk a delta chunk needs to be opened, or null. */
    public ChunkId base() {
        return bytes.length >= FIXED + ChunkId.LENGTH && bytes[1] == CODEC_ZSTD_DELTA ? ChunkId.read(bytes, FIXED) : null;
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
        int codec = bytes[1];
        if (codec != CODEC_STORED && codec != CODEC_ZSTD && codec != CODEC_ZSTD_DELTA) {
            return "sealed chunk has unknown codec " + codec;
        }
        int stored = bytes.length - nonceOffset() - Aead.NONCE - Aead.TAG;
        if (stored < 0) {
            return "delta chunk of " + bytes.length + " bytes is too short to hold its base id";
        }
        if (codec == CODEC_STORED && stored != plain) {
            return "stored chunk holds " + stored + " bytes but declares " + plain;
        }
        return null;
    }
}
