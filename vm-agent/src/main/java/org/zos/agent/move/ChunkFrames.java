package org.zos.agent.move;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.BitSet;
import java.util.Base64;
import java.util.List;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.store.chunk.ChunkId;
import org.zos.store.chunk.SealedChunk;

/**
 * The payload of a data frame in a move: {@code u64 transfer}, the 32-byte chunk id, then the sealed chunk
 * exactly as the sender's store keeps it ({@code store-format.md}). And the small encodings the move
 * messages use: id lists and the wanted-chunks bitmap.
 */
final class ChunkFrames {
    static final int HEADER = 8 + ChunkId.LENGTH;

    private ChunkFrames() {
    }

    static ByteBuf encode(long transfer, SealedChunk c) {
        ByteBuf b = Unpooled.buffer(HEADER + c.bytes().length);
        b.writeLong(transfer);
        b.writeBytes(c.id().bytes());
        b.writeBytes(c.bytes());
        return b;
    }

    static long transfer(ByteBuf payload) {
        if (payload.readableBytes() < HEADER) {
            throw new ZosException(ErrorCode.PROTOCOL_ERROR, "a chunk frame of " + payload.readableBytes() + " bytes is too short", "");
        }
        return payload.getLong(payload.readerIndex());
    }

    static SealedChunk decode(ByteBuf payload) {
        byte[] id = new byte[ChunkId.LENGTH];
        payload.getBytes(payload.readerIndex() + 8, id);
        byte[] bytes = new byte[payload.readableBytes() - HEADER];
        payload.getBytes(payload.readerIndex() + HEADER, bytes);
        return new SealedChunk(ChunkId.wrap(id), bytes);
    }

    /** Chunk ids, concatenated. */
    static byte[] ids(List<ChunkId> ids) {
        byte[] b = new byte[ids.size() * ChunkId.LENGTH];
        for (int i = 0; i < ids.size(); i++) {
            ids.get(i).writeTo(b, i * ChunkId.LENGTH);
        }
        return b;
    }

    /** Chunk ids from their concatenation. */
    static List<ChunkId> ids(byte[] b) {
        if (b.length % ChunkId.LENGTH != 0) {
            throw new ZosException(ErrorCode.PROTOCOL_ERROR, "a list of chunk ids has " + b.length + " bytes", "");
        }
        ChunkId[] out = new ChunkId[b.length / ChunkId.LENGTH];
        for (int i = 0; i < out.length; i++) {
            out[i] = ChunkId.read(b, i * ChunkId.LENGTH);
        }
        return List.of(out);
    }

    /** Bit i of byte i/8, least significant first. */
    static String bitmap(BitSet bits, int size) {
        byte[] b = new byte[(size + 7) / 8];
        for (int i = bits.nextSetBit(0); i >= 0 && i < size; i = bits.nextSetBit(i + 1)) {
            b[i / 8] |= (byte) (1 << (i % 8));
        }
        return Base64.getEncoder().encodeToString(b);
    }

    static BitSet bitmap(String base64) {
        return BitSet.valueOf(Base64.getDecoder().decode(base64));
    }
}
