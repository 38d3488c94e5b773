package org.zos.store.chunk;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import java.nio.ByteBuffer;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.store.crypto.Aead;
import org.zos.store.crypto.ChunkHasher;
import org.zos.store.crypto.StoreKeys;

/**
 * Names, seals and opens chunks with one anima's keys. Sealing compresses with zstd level 1 and keeps the
 * plaintext instead when compression does not shrink it. Opening checks the tag, the length and the id,
 * so a chunk that comes back is exactly the chunk that went in. Safe for use by many threads.
 */
public final class ChunkSealer {
    public static final int ZSTD_LEVEL = 1;
    private static final ThreadLocal<ZstdCompressCtx> COMPRESS = ThreadLocal.withInitial(() -> {
        ZstdCompressCtx c = new ZstdCompressCtx();
        c.setLevel(ZSTD_LEVEL);
        return c;
    });
    private static final ThreadLocal<ZstdDecompressCtx> DECOMPRESS = ThreadLocal.withInitial(ZstdDecompressCtx::new);

    private final ChunkHasher hasher;
    private final Aead aead;

    public ChunkSealer(StoreKeys keys) {
        this.hasher = new ChunkHasher(keys.idKey());
        this.aead = new Aead(keys.chunkKey());
    }

    public ChunkId id(byte[] plain) {
        return ChunkId.wrap(hasher.hash(plain, 0, plain.length));
    }

    public ChunkHasher hasher() {
        return hasher;
    }

    public SealedChunk seal(ChunkId id, byte[] plain) {
        if (plain.length == 0 || plain.length > SealedChunk.MAX_PLAIN) {
            throw new IllegalArgumentException("chunk of " + plain.length + " bytes");
        }
        byte[] packed = new byte[(int) Zstd.compressBound(plain.length)];
        int n = COMPRESS.get().compressByteArray(packed, 0, packed.length, plain, 0, plain.length);
        boolean zstd = n < plain.length;
        byte[] body = zstd ? packed : plain;
        int bodyLen = zstd ? n : plain.length;
        byte[] out = new byte[SealedChunk.OVERHEAD + bodyLen];
        out[0] = SealedChunk.FORMAT;
        out[1] = zstd ? SealedChunk.CODEC_ZSTD : SealedChunk.CODEC_STORED;
        ByteBuffer.wrap(out, 2, 4).putInt(plain.length);
        Aead.randomNonce(out, 6);
        aead.seal(out, 6, SealedChunk.HEADER, body, 0, bodyLen, ad(id, out));
        return new SealedChunk(id, out);
    }

    /**
     * The plaintext of a sealed chunk.
     *
     * @param where names the chunk's place (pack and offset, or "from host2") in the error
     * @throws ZosException INTEGRITY_ERROR if anything about the chunk is wrong
     */
    public byte[] open(SealedChunk s, String where) {
        String problem = s.layoutProblem();
        if (problem != null) {
            throw corrupt(s.id(), where, problem);
        }
        byte[] b = s.bytes();
        byte[] body = aead.open(b, 6, b, SealedChunk.HEADER, b.length - SealedChunk.HEADER, ad(s.id(), b));
        if (body == null) {
            throw corrupt(s.id(), where, "its seal does not verify (altered bytes, or not this anima's chunk)");
        }
        byte[] plain = body;
        if (s.codec() == SealedChunk.CODEC_ZSTD) {
            plain = new byte[s.plainLength()];
            int n;
            try {
                n = DECOMPRESS.get().decompressByteArray(plain, 0, plain.length, body, 0, body.length);
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

    static ZosException corrupt(ChunkId id, String where, String problem) {
        return new ZosException(ErrorCode.INTEGRITY_ERROR, "chunk " + id.shortHex() + " " + where + " is corrupt: "
                + problem, "run 'zos-vm store check --read-data' to find every damaged chunk");
    }

    private static byte[] ad(ChunkId id, byte[] header) {
        byte[] ad = new byte[ChunkId.LENGTH + 6];
        id.writeTo(ad, 0);
        System.arraycopy(header, 0, ad, ChunkId.LENGTH, 6);
        return ad;
    }
}
