package org.zos.store.chunk;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.zos.store.crypto.Aead;

/**
 * A chunk as it rests in a pack and travels on the wire: compressed, encrypted and authenticated, readable
 * only with the anima's chunk key. Its bytes (docs/store-format.md, "Sealed chunk"):
 *
 * <pre>
 *  0      1      2              6
 *  +------+------+--------------+--------------------+-----------+---------------------------+---------+
 *  |format| codec| plain length | bases (codec 2, 3) | nonce (12)| ciphertext (stored bytes) | tag (16)|
 *  +------+------+--------------+--------------------+-----------+---------------------------+---------+
 *  bases, codec 2: base id [32]
 *  bases, codec 3: u8 count (1..16), then count refs: chunk id [32], u32 offset, u32 length
 * </pre>
 *
 * Codec 0 stores the plaintext, 1 compresses it with zstd, 2 compresses it with zstd using the plaintext
 * of the base chunk as dictionary (a delta against an earlier version of the chunk), 3 with the
 * concatenated slices its refs name as dictionary (a delta against its earlier version and against pages
 * found elsewhere in the anima). Bases and refs are always codec 0 or 1 chunks, so opening a chunk never
 * needs more than the chunks it names. The associated data of the AEAD is the chunk id followed by every
 * byte before the nonce, so a sealed chunk cannot be passed off under another id, codec, length or bases.
 */
public record SealedChunk(ChunkId id, byte[] bytes) {
    public static final byte FORMAT = 1;
    public static final byte CODEC_STORED = 0;
    public static final byte CODEC_ZSTD = 1;
    public static final byte CODEC_ZSTD_DELTA = 2;
    public static final byte CODEC_ZSTD_REFS = 3;
    static final int FIXED = 6;
    /** The most refs a codec 3 chunk may name. */
    public static final int MAX_REFS = 255;
    static final int REF = ChunkId.LENGTH + 4 + 4;
    /** The longest header (everything before the nonce) a sealed chunk may have. */
    public static final int MAX_HEADER = FIXED + 1 + MAX_REFS * REF;
    /** The smallest possible sealed chunk: header, nonce and tag around no ciphertext. */
    public static final int OVERHEAD = FIXED + Aead.NONCE + Aead.TAG;
    /** The largest plaintext a version 1 chunk may have; chunkers cut far below it. */
    public static final int MAX_PLAIN = 16 << 20;
    /** The largest sealed chunk: a chunk that did not compress is stored as it is. */
    public static final int MAX_SEALED = MAX_PLAIN + OVERHEAD;

    /** A slice of another chunk's plaintext that a codec 3 chunk's dictionary holds. */
    public record Ref(ChunkId id, int offset, int length) {
    }

    public int plainLength() {
        return ByteBuffer.wrap(bytes, 2, 4).getInt();
    }

    public int codec() {
        return bytes[1];
    }

    /** Where the nonce starts: after the base id or the refs. */
    public int nonceOffset() {
        return switch (bytes[1]) {
            case CODEC_ZSTD_DELTA -> FIXED + ChunkId.LENGTH;
            case CODEC_ZSTD_REFS -> FIXED + 1 + (bytes.length > FIXED ? (bytes[FIXED] & 0xff) : 0) * REF;
            default -> FIXED;
        };
    }

    /** The chunk a codec 2 chunk needs to be opened, or null. */
    public ChunkId base() {
        return bytes.length >= FIXED + ChunkId.LENGTH && bytes[1] == CODEC_ZSTD_DELTA ? ChunkId.read(bytes, FIXED) : null;
    }

    /** The slices a codec 3 chunk's dictionary is made of, in order; empty for other codecs. */
    public List<Ref> refs() {
        if (bytes[1] != CODEC_ZSTD_REFS || bytes.length < nonceOffset()) {
            return List.of();
        }
        int n = bytes[FIXED] & 0xff;
        List<Ref> out = new ArrayList<>(n);
        ByteBuffer b = ByteBuffer.wrap(bytes);
        for (int i = 0, at = FIXED + 1; i < n; i++, at += REF) {
            out.add(new Ref(ChunkId.read(bytes, at), b.getInt(at + ChunkId.LENGTH), b.getInt(at + ChunkId.LENGTH + 4)));
        }
        return out;
    }

    /** Every chunk needed to open this one (its base, or the chunks of its refs), without repeats. */
    public List<ChunkId> bases() {
        ChunkId base = base();
        if (base != null) {
            return List.of(base);
        }
        return refs().stream().map(Ref::id).distinct().toList();
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
        if (codec < CODEC_STORED || codec > CODEC_ZSTD_REFS) {
            return "sealed chunk has unknown codec " + codec;
        }
        if (codec == CODEC_ZSTD_REFS) {
            int n = bytes[FIXED] & 0xff;
            if (n < 1 || n > MAX_REFS) {
                return "chunk with refs names " + n + " refs (1 to " + MAX_REFS + " allowed)";
            }
        }
        int stored = bytes.length - nonceOffset() - Aead.NONCE - Aead.TAG;
        if (stored < 0) {
            return "delta chunk of " + bytes.length + " bytes is too short to hold its bases";
        }
        if (codec == CODEC_ZSTD_REFS) {
            for (Ref r : refs()) {
                if (r.offset() < 0 || r.length() <= 0 || (long) r.offset() + r.length() > MAX_PLAIN) {
                    return "chunk with refs names a slice [" + r.offset() + ", +" + r.length() + ") no chunk has";
                }
            }
        }
        if (codec == CODEC_STORED && stored != plain) {
            return "stored chunk holds " + stored + " bytes but declares " + plain;
        }
        return null;
    }
}
