package org.zos.store.chunk;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.function.Function;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.store.crypto.Aead;
import org.zos.store.crypto.ChunkHasher;
import org.zos.store.crypto.StoreKeys;

/**
 * Names, seals and opens chunks with one anima's keys. Sealing compresses with zstd level 1, and, when
 * given the earlier version of the chunk (its base), also with the base as zstd dictionary; it keeps
 * whichever is smallest, or the plaintext when nothing shrinks it. Opening checks the tag, the length and
 * the id, so a chunk that comes back is exactly the chunk that went in. Safe for use by many threads.
 */
public final class ChunkSealer {
    public static final int ZSTD_LEVEL = 1;
    /**
     * zstd level for deltas: level 1's fast match finder misses most matches in a dictionary; level 3
     * made the deltas of a memory image's second save 4x smaller (docs/store-format.md).
     */
    public static final int DELTA_LEVEL = 3;
    /** The most bytes the refs of one chunk may name (its dictionary). */
    public static final int MAX_DICTIONARY = 8 << 20;
    private static final ThreadLocal<ZstdCompressCtx> COMPRESS = ThreadLocal.withInitial(() -> context(false));
    private static final ThreadLocal<ZstdCompressCtx> COMPRESS_DELTA = ThreadLocal.withInitial(() -> context(true));
    /**
     * For refs: level 3 with a window and tables sized to the dictionary and the chunk (see
     * {@link #tablesFor}); at level 3's own sizes (2^17 hash entries) the slices early in a 1 MiB dictionary
     * are overwritten by later bytes before the chunk is compressed, and most of their matches are lost.
     */
    private static final ThreadLocal<ZstdCompressCtx> COMPRESS_REFS = ThreadLocal.withInitial(() -> context(true));
    private static final ThreadLocal<ZstdDecompressCtx> DECOMPRESS = ThreadLocal.withInitial(ZstdDecompressCtx::new);
    private static final ThreadLocal<ZstdDecompressCtx> DECOMPRESS_DELTA = ThreadLocal.withInitial(ZstdDecompressCtx::new);

    private final ChunkHasher hasher;
    private final Aead aead;

    public ChunkSealer(StoreKeys keys) {
        this.hasher = new ChunkHasher(keys.idKey());
        this.aead = new Aead(keys.chunkKey());
    }

    private static ZstdCompressCtx context(boolean delta) {
        ZstdCompressCtx c = new ZstdCompressCtx();
        c.setLevel(ZSTD_LEVEL);
        if (delta) {
            c.setDictID(false);
            c.setLevel(DELTA_LEVEL);
        }
        return c;
    }

    public ChunkId id(byte[] plain) {
        return ChunkId.wrap(hasher.hash(plain, 0, plain.length));
    }

    public ChunkHasher hasher() {
        return hasher;
    }

    public SealedChunk seal(ChunkId id, byte[] plain) {
        return seal(id, plain, null, null);
    }

    /**
     * Seals a chunk, as a delta against {@code basePlain} (the plaintext of chunk {@code base}) when that
     * is smaller. {@code base} must not itself be a delta chunk.
     */
    public SealedChunk seal(ChunkId id, byte[] plain, ChunkId base, byte[] basePlain) {
        return seal(id, plain, base, basePlain, List.of(), null);
    }

    /**
     * Seals a chunk in whichever of its encodings is smallest: stored, zstd, a delta against {@code base}
     * (if not null), or compressed with {@code refsPlain}, the slices {@code refs} name concatenated, as
     * dictionary (if {@code refs} is not empty). Bases and refs must name chunks that are not deltas.
     */
    public SealedChunk seal(ChunkId id, byte[] plain, ChunkId base, byte[] basePlain, List<SealedChunk.Ref> refs,
            byte[] refsPlain) {
        if (plain.length == 0 || plain.length > SealedChunk.MAX_PLAIN) {
            throw new IllegalArgumentException("chunk of " + plain.length + " bytes");
        }
        if (refs.size() > SealedChunk.MAX_REFS) {
            throw new IllegalArgumentException(refs.size() + " refs");
        }
        byte[] packed = new byte[(int) Zstd.compressBound(plain.length)];
        int n = COMPRESS.get().compressByteArray(packed, 0, packed.length, plain, 0, plain.length);
        byte codec = n < plain.length ? SealedChunk.CODEC_ZSTD : SealedChunk.CODEC_STORED;
        byte[] body = codec == SealedChunk.CODEC_ZSTD ? packed : plain;
        int bodyLen = codec == SealedChunk.CODEC_ZSTD ? n : plain.length;
        int headerLen = SealedChunk.FIXED;
        if (base != null) {
            byte[] delta = new byte[packed.length];
            int d = compressWith(COMPRESS_DELTA.get(), basePlain, plain, delta);
            if (SealedChunk.FIXED + ChunkId.LENGTH + d < headerLen + bodyLen) {
                codec = SealedChunk.CODEC_ZSTD_DELTA;
                body = delta;
                bodyLen = d;
                headerLen = SealedChunk.FIXED + ChunkId.LENGTH;
            }
        }
        if (!refs.isEmpty()) {
            byte[] delta = new byte[packed.length];
            int d = compressWith(tablesFor(COMPRESS_REFS.get(), refsPlain.length + plain.length), refsPlain, plain, delta);
            int h = SealedChunk.FIXED + 1 + refs.size() * SealedChunk.REF;
            if (h + d < headerLen + bodyLen) {
                codec = SealedChunk.CODEC_ZSTD_REFS;
                body = delta;
                bodyLen = d;
                headerLen = h;
            }
        }
        int nonceAt = headerLen;
        byte[] out = new byte[nonceAt + Aead.NONCE + bodyLen + Aead.TAG];
        ByteBuffer header = ByteBuffer.wrap(out, 0, nonceAt);
        header.put(SealedChunk.FORMAT).put(codec).putInt(plain.length);
        if (codec == SealedChunk.CODEC_ZSTD_DELTA) {
            header.put(base.bytes());
        } else if (codec == SealedChunk.CODEC_ZSTD_REFS) {
            header.put((byte) refs.size());
            for (SealedChunk.Ref r : refs) {
                header.put(r.id().bytes()).putInt(r.offset()).putInt(r.length());
            }
        }
        Aead.randomNonce(out, nonceAt);
        aead.seal(out, nonceAt, nonceAt + Aead.NONCE, body, 0, bodyLen, ad(id, out, nonceAt));
        return new SealedChunk(id, out);
    }

    /** One hash entry per byte of dictionary and chunk, up to 2^20 (tables are cleared for every chunk). */
    private static ZstdCompressCtx tablesFor(ZstdCompressCtx c, int bytes) {
        int log = Math.max(17, Math.min(20, 32 - Integer.numberOfLeadingZeros(bytes - 1)));
        return c.setWindowLog(Math.max(log, 32 - Integer.numberOfLeadingZeros(bytes - 1))).setHashLog(log).setChainLog(log);
    }

    private static int compressWith(ZstdCompressCtx c, byte[] dictionary, byte[] plain, byte[] out) {
        c.loadDict(dictionary);
        return c.compressByteArray(out, 0, out.length, plain, 0, plain.length);
    }

    /** Opens a chunk that is not a delta. */
    public byte[] open(SealedChunk s, String where) {
        return open(s, where, base -> {
            throw corrupt(s.id(), where, "it is a delta chunk, opened where none may be");
        });
    }

    /**
     * The plaintext of a sealed chunk.
     *
     * @param where names the chunk's place (pack and offset, or "from host2") in the error
     * @param bases gives the plaintext of a delta chunk's base
     * @throws ZosException INTEGRITY_ERROR if anything about the chunk is wrong
     */
    public byte[] open(SealedChunk s, String where, Function<ChunkId, byte[]> bases) {
        String problem = s.layoutProblem();
        if (problem != null) {
            throw corrupt(s.id(), where, problem);
        }
        byte[] b = s.bytes();
        int nonceAt = s.nonceOffset();
        int bodyAt = nonceAt + Aead.NONCE;
        byte[] body = aead.open(b, nonceAt, b, bodyAt, b.length - bodyAt, ad(s.id(), b, nonceAt));
        if (body == null) {
            throw corrupt(s.id(), where, "its seal does not verify (altered bytes, or not this anima's chunk)");
        }
        byte[] plain = body;
        if (s.codec() != SealedChunk.CODEC_STORED) {
            plain = new byte[s.plainLength()];
            ZstdDecompressCtx d = DECOMPRESS.get();
            if (s.codec() == SealedChunk.CODEC_ZSTD_DELTA) {
                d = DECOMPRESS_DELTA.get();
                d.loadDict(bases.apply(s.base()));
            } else if (s.codec() == SealedChunk.CODEC_ZSTD_REFS) {
                d = DECOMPRESS_DELTA.get();
                d.loadDict(dictionary(s, where, bases));
            }
            int n;
            try {
                n = d.decompressByteArray(plain, 0, plain.length, body, 0, body.length);
            } catch (RuntimeException e) {
                throw corrupt(s.id(), where, "it does not decompress: " + e.getMessage());
            }
            if (n != plain.length) {
                throw corrupt(s.id(), where, "it decompresses to " + n + " bytes, not " + plain.length);
            }
        }
        if (!s.id().matches(hasher.hash(plain, 0, plain.length))) {
            throw corrupt(s.id(), where, "its content does not match its id");
        }
        return plain;
    }

    /** The dictionary of a codec 3 chunk: the slices its refs name, concatenated. */
    private static byte[] dictionary(SealedChunk s, String where, Function<ChunkId, byte[]> bases) {
        List<SealedChunk.Ref> refs = s.refs();
        long total = refs.stream().mapToLong(SealedChunk.Ref::length).sum();
        if (total > MAX_DICTIONARY) {
            throw corrupt(s.id(), where, "its refs name " + total + " bytes, more than " + MAX_DICTIONARY);
        }
        byte[] dict = new byte[(int) total];
        int at = 0;
        for (SealedChunk.Ref r : refs) {
            byte[] from = bases.apply(r.id());
            if ((long) r.offset() + r.length() > from.length) {
                throw corrupt(s.id(), where, "a ref names bytes [" + r.offset() + ", +" + r.length() + ") of chunk "
                        + r.id().shortHex() + ", which has " + from.length);
            }
            System.arraycopy(from, r.offset(), dict, at, r.length());
            at += r.length();
        }
        return dict;
    }

    static ZosException corrupt(ChunkId id, String where, String problem) {
        return new ZosException(ErrorCode.INTEGRITY_ERROR, "chunk " + id.shortHex() + " " + where + " is corrupt: "
                + problem, "run 'zos-vm store check --read-data' to find every damaged chunk");
    }

    private static byte[] ad(ChunkId id, byte[] header, int len) {
        byte[] ad = new byte[ChunkId.LENGTH + len];
        id.writeTo(ad, 0);
        System.arraycopy(header, 0, ad, ChunkId.LENGTH, len);
        return ad;
    }
}
